import logging
import re

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from oscar.apps.checkout import views

from checkout.services import cash_on_delivery_source
from order.utils import OrderAlreadyPlaced
from shop.emails import send_order_confirmation

logger = logging.getLogger("oscar.checkout")

# Address ids are PostgreSQL integers: anything longer or larger is no address
# of anyone's, and would make the database refuse the query.
ADDRESS_ID = re.compile(r"[0-9]{1,10}")
MAX_ADDRESS_ID = 2**31 - 1


class ShippingAddressView(views.ShippingAddressView):
    """Oscar's address step, with the "Ship to this address" button looking only in the customer's own address book.

    Oscar fetches the posted address_id with .get(), so a mistyped, stale or
    someone else's id is a 500. Here the id must be a plain integer naming one
    of the customer's own addresses in a country we ship to; anything else
    sends them back to the list with a message.
    """

    def post(self, request, *args, **kwargs):
        if not (request.user.is_authenticated and "address_id" in request.POST):
            return super().post(request, *args, **kwargs)
        address = self.own_address(request.POST["address_id"])
        if address is None:
            messages.error(
                request, _("That address is not in your address book. Please choose one below or enter a new one.")
            )
            return redirect("checkout:shipping-address")
        if request.POST.get("action") != "ship_to":
            messages.error(request, _("Please choose the address to deliver to."))
            return redirect("checkout:shipping-address")
        self.checkout_session.ship_to_user_address(address)
        return redirect(self.get_success_url())

    def own_address(self, raw_id: str):
        if not ADDRESS_ID.fullmatch(raw_id) or int(raw_id) > MAX_ADDRESS_ID:
            return None
        return self.get_available_addresses().filter(pk=int(raw_id)).first()


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

    def place_order(self, *args, **kwargs):
        # The confirmation is queued in the order's own transaction: it is
        # sent for every committed order, never for a rolled-back one, and a
        # mail server that is down or hanging cannot slow or fail the checkout.
        with transaction.atomic():
            order = super().place_order(*args, **kwargs)
            self.send_order_placed_email(order)
        return order

    def send_order_placed_email(self, order):
        # Queued by id: the worker renders it, so the medicines ordered never sit in the queue.
        send_order_confirmation.enqueue(order.id)

    def handle_successful_order(self, order):
        # The order and its queued confirmation are committed. Nothing that
        # follows (signals) may turn that into an error page or reopen the basket.
        self.checkout_session.flush()
        self.request.session["checkout_order_id"] = order.id
        response = HttpResponseRedirect(self.get_success_url())
        try:
            self.send_signal(self.request, response, order)
        except Exception:
            logger.exception("Order #%s: a post-checkout receiver failed", order.number)
        return response
