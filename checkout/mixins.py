from django.db import transaction
from oscar.apps.checkout import mixins

from order.utils import lock_basket_for_order


class OrderPlacementMixin(mixins.OrderPlacementMixin):
    def place_order(self, order_number, user, basket, *args, **kwargs):
        # Oscar saves the addresses before OrderCreator opens its transaction
        # and the payment sources after it commits. One transaction around the
        # lot means a refused or failed order leaves no half-written rows; and
        # locking the basket first means a double submit waits for the first
        # and finds its order, instead of racing it to the address book.
        with transaction.atomic():
            lock_basket_for_order(basket)
            return super().place_order(order_number, user, basket, *args, **kwargs)
