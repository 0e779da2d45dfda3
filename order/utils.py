from django.db import transaction
from oscar.apps.order import utils
from oscar.apps.order.exceptions import UnableToPlaceOrder

from prescriptions.services import PrescriptionRequired, prescriptions_dispense, prescriptions_reserve_for_basket

OrderNumberGenerator = utils.OrderNumberGenerator


class OrderCreator(utils.OrderCreator):
    def place_order(self, basket, total, shipping_method, shipping_charge, user=None, **kwargs):
        # The last word on prescriptions, whatever path led here (checkout
        # views, a payment provider's callback, a script): in one transaction,
        # lock the prescriptions that cover the basket, check them again,
        # write the order, and consume them. Any refusal rolls it all back.
        with transaction.atomic():
            try:
                reservation = prescriptions_reserve_for_basket(user=user, basket=basket)
            except PrescriptionRequired as refused:
                raise UnableToPlaceOrder(str(refused)) from refused
            order = super().place_order(basket, total, shipping_method, shipping_charge, user=user, **kwargs)
            prescriptions_dispense(reservation=reservation, order=order)
        return order
