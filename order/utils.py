from django.db import transaction
from oscar.apps.order import utils
from oscar.apps.order.exceptions import UnableToPlaceOrder
from oscar.core.loading import get_model

from partner.services import stock_reserve_for_basket
from prescriptions.services.orders import (
    PrescriptionRequired,
    prescriptions_dispense,
    prescriptions_reserve_for_basket,
)

Basket = get_model("basket", "Basket")
Order = get_model("order", "Order")
OrderNumberGenerator = utils.OrderNumberGenerator


class OrderAlreadyPlaced(UnableToPlaceOrder):
    """This basket has already become an order: a double submit or a retry."""

    def __init__(self, order):
        self.order = order
        super().__init__(f"Order {order.number} was already placed for this basket.")


def lock_basket_for_order(basket) -> None:
    """Make placements of one basket run one after the other, and refuse a second order.

    Must run inside the order's transaction. The second of two simultaneous
    submissions waits here until the first commits, then finds its order.
    """
    list(Basket.objects.select_for_update(no_key=True).filter(pk=basket.pk).values_list("pk", flat=True))
    existing = Order.objects.filter(basket_id=basket.pk).first()
    if existing is not None:
        raise OrderAlreadyPlaced(existing)


class OrderCreator(utils.OrderCreator):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_lines_by_basket_line = {}

    def place_order(self, basket, total, shipping_method, shipping_charge, user=None, **kwargs):
        # The last word, whatever path led here (checkout views, a payment
        # provider's callback, a script). In one transaction:
        # - lock the basket, so two submissions of it run one after the other,
        #   and the second finds the first's order instead of making another;
        # - lock the prescriptions that cover it and check them again;
        # - lock the stock records it draws on and check them again, so the
        #   last pack goes to one order and the others are refused;
        # - write the order (allocating the stock), and consume the prescriptions.
        # Any refusal rolls it all back.
        with transaction.atomic():
            lock_basket_for_order(basket)
            try:
                reservation = prescriptions_reserve_for_basket(user=user, basket=basket)
            except PrescriptionRequired as refused:
                raise UnableToPlaceOrder(str(refused)) from refused
            stock_reserve_for_basket(basket=basket, strategy=basket.strategy)
            self.order_lines_by_basket_line = {}
            order = super().place_order(basket, total, shipping_method, shipping_charge, user=user, **kwargs)
            prescriptions_dispense(reservation=reservation, order=order, order_lines=self.order_lines_by_basket_line)
        return order

    def create_additional_line_models(self, order, order_line, basket_line):
        # Oscar's order lines keep no link to the basket line they came from,
        # and two basket lines can hold the same product (different options).
        super().create_additional_line_models(order, order_line, basket_line)
        self.order_lines_by_basket_line[basket_line.pk] = order_line
