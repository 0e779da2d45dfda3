from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from oscar.apps.checkout import exceptions, session
from oscar.core.loading import get_model

from prescriptions.coverage import Reason
from prescriptions.interactions import HistoryConflict
from prescriptions.messages import conflict_text, shortfall_text
from prescriptions.selectors.gate import basket_coverage

Order = get_model("order", "Order")


class CheckoutSessionMixin(session.CheckoutSessionMixin):
    def check_pre_conditions(self, request):
        # Every step that checks the basket also checks its prescriptions,
        # straight after, so a customer learns what is missing as early as
        # possible. This is the courtesy; the rule is enforced again when the
        # order is written (order/utils.py). It is added here rather than in
        # get_pre_conditions because PaymentDetailsView replaces that list on
        # its preview step.
        conditions = list(self.get_pre_conditions(request))
        if "check_basket_is_valid" in conditions:
            conditions.insert(conditions.index("check_basket_is_valid") + 1, "check_prescriptions_cover_basket")
            # First of all: a basket that already became an order (a retry
            # after an error that came after the order was written, see
            # django-oscar #3768) goes to that order, not through the checks
            # again (its prescription is used up by that very order).
            conditions.insert(0, "check_basket_is_not_already_ordered")
        for name in conditions:
            if not hasattr(self, name):
                raise ImproperlyConfigured(f"There is no method '{name}' to call as a pre-condition")
            getattr(self, name)(request)

    def check_basket_is_not_already_ordered(self, request):
        basket = request.basket
        existing = Order.objects.filter(basket_id=basket.id).first() if basket.id else None
        if existing is not None:
            raise exceptions.FailedPreCondition(url=self.show_placed_order(existing, basket))

    def show_placed_order(self, order, basket) -> str:
        """Close the basket and remember the order for the confirmation page; returns that page's URL."""
        if basket.status != basket.SUBMITTED:
            basket.submit()
        self.checkout_session.flush()
        self.request.session["checkout_order_id"] = order.id
        messages.info(self.request, _("Your order %(number)s has been placed.") % {"number": order.number})
        return reverse("checkout:thank-you")

    def check_prescriptions_cover_basket(self, request):
        coverage = basket_coverage(user=request.user, basket=request.basket)
        if coverage.is_covered:
            return
        if any(s.reason == Reason.LOGIN_REQUIRED for s in coverage.shortfalls):
            raise exceptions.FailedPreCondition(
                url=f"{reverse('customer:login')}?next={reverse('checkout:index')}",
                message=_("Please log in to order prescription medicines."),
            )
        raise exceptions.FailedPreCondition(
            url=reverse("basket:summary"),
            messages=[shortfall_message(s) for s in coverage.shortfalls]
            + [conflict_message(conflict) for conflict in coverage.conflicts],
        )


def conflict_message(conflict):
    """The clash, and what the customer can do: remove a medicine, or (with an earlier order) the one here."""
    if isinstance(conflict, HistoryConflict):
        advice = _("Please remove %(product)s from your basket, or ask our pharmacist.") % {"product": conflict.first}
    else:
        advice = _("Please remove one of them from your basket.")
    return format_html("{} {}", conflict_text(conflict), advice)


def shortfall_message(shortfall):
    """The refusal, with a link to what the customer can do about it."""
    if shortfall.reason == Reason.ACKNOWLEDGEMENT_MISSING:
        return format_html(
            '{} <a href="{}#pregnancy-warning-title">{}</a>',
            shortfall_text(shortfall),
            shortfall.line.url,
            _("Read the warning"),
        )
    if shortfall.prescription is not None and shortfall.reason == Reason.PENDING:
        url = reverse("prescriptions:detail", kwargs={"public_id": shortfall.prescription.public_id})
        return format_html('{} <a href="{}">{}</a>', shortfall_text(shortfall), url, _("See its status"))
    upload = f"{reverse('prescriptions:upload')}?product={shortfall.line.product_id}&next={reverse('basket:summary')}"
    return format_html('{} <a href="{}">{}</a>', shortfall_text(shortfall), upload, _("Upload a prescription"))
