from django.utils.translation import gettext_lazy as _
from oscar.apps.checkout import views

from checkout.services import cash_on_delivery_source


class PaymentDetailsView(views.PaymentDetailsView):
    """Cash on delivery: the customer confirms, nothing is charged online."""

    def handle_payment(self, order_number, total, **kwargs):
        source = cash_on_delivery_source(amount=total.incl_tax, currency=total.currency)
        self.add_payment_source(source)
        self.add_payment_event(str(_("Cash on delivery due")), total.incl_tax)
