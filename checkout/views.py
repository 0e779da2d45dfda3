import logging

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from oscar.apps.checkout import views
from oscar.core.loading import get_model

from checkout.services import cash_on_delivery_source
from order.utils import OrderAlreadyPlaced

Order = get_model("order", "Order")
logger = logging.getLogger("oscar.checkout")


class PaymentDetailsView(views.PaymentDetailsView):
    """Cash on delivery: the customer confirms, nothing is charged online."""

    def handle_payment(self, order_number, total, **kwargs):
        source = cash_on_delivery_source(amount=total.incl_tax, currency=total.currency)
        self.add_payment_source(source)
        self.add_payment_event(str(_("Cash on delivery due")), total.incl_tax)

    def submit(self, user, basket, *args, **kwargs):
        # A basket that already became an order (a retry after an error that
        # came after the order was written, see django-oscar #3768) goes to
        # that order's confirmation rather than a second order or an error.
        existing = Order.objects.filter(basket_id=basket.pk).first()
        if existing is not None:
            return self.show_placed_order(existing, basket)
        return super().submit(user, basket, *args, **kwargs)

    def handle_order_placement(self, order_number, user, basket, *args, **kwargs):
        try:
            return super().handle_order_placement(order_number, user, basket, *args, **kwargs)
        except OrderAlreadyPlaced as placed:
            # Two submissions at once: the other one placed the order.
            return self.show_placed_order(placed.order, basket)

    def handle_successful_order(self, order):
        # The order is written and committed. Nothing that follows (email,
        # signals) may turn that into an error page or reopen the basket.
        try:
            self.send_order_placed_email(order)
        except Exception:
            logger.exception("Order #%s: the confirmation email could not be sent", order.number)
        self.checkout_session.flush()
        self.request.session["checkout_order_id"] = order.id
        response = HttpResponseRedirect(self.get_success_url())
        try:
            self.send_signal(self.request, response, order)
        except Exception:
            logger.exception("Order #%s: a post-checkout receiver failed", order.number)
        return response

    def show_placed_order(self, order, basket):
        if basket.status != basket.SUBMITTED:
            basket.submit()
        self.checkout_session.flush()
        self.request.session["checkout_order_id"] = order.id
        messages.info(self.request, _("Your order %(number)s has been placed.") % {"number": order.number})
        return HttpResponseRedirect(self.get_success_url())
