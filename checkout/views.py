import logging

from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from oscar.apps.checkout import views

from checkout.services import cash_on_delivery_source
from order.utils import OrderAlreadyPlaced

logger = logging.getLogger("oscar.checkout")


class PaymentDetailsView(views.PaymentDetailsView):
    """Cash on delivery: the customer confirms, nothing is charged online."""

    def handle_payment(self, order_number, total, **kwargs):
        source = cash_on_delivery_source(amount=total.incl_tax, currency=total.currency)
        self.add_payment_source(source)
        self.add_payment_event(str(_("Cash on delivery due")), total.incl_tax)

    def handle_order_placement(self, order_number, user, basket, *args, **kwargs):
        try:
            return super().handle_order_placement(order_number, user, basket, *args, **kwargs)
        except OrderAlreadyPlaced as placed:
            # Two submissions at once: the other one placed the order.
            return HttpResponseRedirect(self.show_placed_order(placed.order, basket))

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
