"""An order never sells more than is in stock: the order's transaction locks and re-checks each stock record."""

from functools import partial

import pytest
from django.apps import apps
from django.db import connection
from oscar.apps.checkout import signals as checkout_signals
from oscar.apps.order.exceptions import UnableToPlaceOrder
from oscar.core.loading import get_model
from oscar.test.factories import create_order

from partner.services import OutOfStock
from partner.strategy import Default
from prescriptions.models import Dispense
from tests.checkout_steps import add_to_basket, checkout_to_preview
from tests.factories import (
    ProductClassFactory,
    ProductFactory,
    RxProductFactory,
    UserFactory,
    approve,
    submit_prescription,
)
from tests.prescriptions.test_concurrency import (
    client_at_preview,
    describe,
    hold_until_all_arrive,
    place_order_through,
    run_together,
)

Basket = get_model("basket", "Basket")
Option = get_model("catalogue", "Option")
Order = get_model("order", "Order")
StockRecord = get_model("partner", "StockRecord")

pytestmark = pytest.mark.django_db


def basket_with(user, *products_and_quantities):
    basket = Basket.objects.create(owner=user)
    basket.strategy = Default()
    for product, quantity in products_and_quantities:
        basket.add_product(product, quantity)
    return basket


def stock_of(product):
    record = StockRecord.objects.get(product=product)
    return record.num_in_stock, record.num_allocated


def test_a_basket_asking_for_more_than_is_left_is_refused_and_left_as_it_was(customer):
    product = ProductFactory(title="Isotretinoin 20 mg capsules, 30", stockrecord__num_in_stock=1)
    basket = basket_with(customer, (product, 2))

    with pytest.raises(OutOfStock) as refused:
        create_order(basket=basket, user=customer)

    assert isinstance(refused.value, UnableToPlaceOrder)
    assert str(refused.value) == (
        "Only 1 left of Isotretinoin 20 mg capsules, 30, and your basket has 2. "
        "Your basket is unchanged and no order was placed: please change it and try again."
    )
    assert not Order.objects.exists()
    basket = Basket.objects.get(pk=basket.pk)
    assert basket.status == Basket.OPEN
    assert [(line.product, line.quantity) for line in basket.all_lines()] == [(product, 2)]
    assert stock_of(product) == (1, None)


def test_a_basket_taking_exactly_what_is_left_is_ordered_and_allocates_it(customer):
    product = ProductFactory(stockrecord__num_in_stock=2)

    order = create_order(basket=basket_with(customer, (product, 2)), user=customer)

    assert order.lines.get().quantity == 2
    assert stock_of(product) == (2, 2)


def test_packs_allocated_to_earlier_orders_are_not_for_sale_again(customer):
    product = ProductFactory(title="Adapalene gel", stockrecord__num_in_stock=3)
    create_order(basket=basket_with(UserFactory(), (product, 3)), user=None)

    with pytest.raises(OutOfStock, match=r"^Adapalene gel has just sold out\. Your basket is unchanged"):
        create_order(basket=basket_with(customer, (product, 1)), user=customer)

    assert Order.objects.count() == 1
    assert stock_of(product) == (3, 3)


def test_two_lines_of_one_product_share_its_stock(customer):
    product = ProductFactory(title="Tretinoin cream", stockrecord__num_in_stock=2)
    option = Option.objects.create(name="Tube", code="tube", type=Option.TEXT)
    product.product_options.add(option)
    basket = Basket.objects.create(owner=customer)
    basket.strategy = Default()
    basket.add_product(product, 1, options=[{"option": option, "value": "20 g"}])
    basket.add_product(product, 2, options=[{"option": option, "value": "30 g"}])

    with pytest.raises(OutOfStock, match=r"^Only 2 left of Tretinoin cream, and your basket has 3\."):
        create_order(basket=basket, user=customer)

    assert stock_of(product) == (2, None)


def test_every_short_product_is_named_and_the_ones_in_stock_are_not(customer):
    plenty = ProductFactory(title="Sunscreen SPF 50", stockrecord__num_in_stock=10)
    short = ProductFactory(title="Azelaic acid cream", stockrecord__num_in_stock=1)
    gone = ProductFactory(title="Benzoyl peroxide wash", stockrecord__num_in_stock=0)

    with pytest.raises(OutOfStock) as refused:
        create_order(basket=basket_with(customer, (plenty, 5), (short, 2), (gone, 1)), user=customer)

    assert [(s.title, s.wanted, s.left) for s in refused.value.shortages] == [
        ("Azelaic acid cream", 2, 1),
        ("Benzoyl peroxide wash", 1, 0),
    ]
    assert "Sunscreen" not in str(refused.value)
    assert [stock_of(p) for p in (plenty, short, gone)] == [(10, None), (1, None), (0, None)]


def test_a_product_that_does_not_track_stock_is_ordered_whatever_its_count(customer):
    product = ProductFactory(product_class=ProductClassFactory(track_stock=False), stockrecord__num_in_stock=0)

    order = create_order(basket=basket_with(customer, (product, 4)), user=customer)

    assert order.lines.get().quantity == 4
    assert stock_of(product) == (0, None)


def test_a_product_withdrawn_from_sale_after_it_went_in_the_basket_is_refused_by_the_strategy(customer):
    product = ProductFactory(title="Hydroquinone cream", stockrecord__num_in_stock=5)
    basket = basket_with(customer, (product, 1))
    product.is_public = False
    product.save()

    with pytest.raises(OutOfStock, match=r"^Hydroquinone cream cannot be bought now\. Your basket is unchanged"):
        create_order(basket=basket, user=customer)

    assert stock_of(product) == (5, None)


def test_a_prescription_order_refused_for_stock_leaves_the_prescription_unused(customer):
    product = RxProductFactory(title="Isotretinoin 20 mg capsules", stockrecord__num_in_stock=0)
    prescription = approve(submit_prescription(customer, [product]), quantity=1)

    with pytest.raises(OutOfStock):
        create_order(basket=basket_with(customer, (product, 1)), user=customer)

    assert prescription.items.get().quantity_remaining == 1
    assert not Dispense.objects.exists()


# --- What the customer sees ---------------------------------------------------------------


@pytest.fixture
def last_pack_sold_while_paying():
    """Another customer's order takes the last packs after this checkout's own checks passed."""
    taken = []

    def sell_the_rest(sender, view, **kwargs):
        for line in view.request.basket.all_lines():
            buyer = UserFactory()
            left = StockRecord.objects.get(pk=line.stockrecord_id).net_stock_level
            taken.append(create_order(basket=basket_with(buyer, (line.product, left)), user=buyer))

    checkout_signals.post_payment.connect(sell_the_rest, dispatch_uid="last_pack_sold_while_paying")
    yield taken
    checkout_signals.post_payment.disconnect(dispatch_uid="last_pack_sold_while_paying")


def test_a_customer_who_loses_the_last_pack_at_place_order_is_told_and_keeps_their_basket(
    customer, customer_app, pakistan, last_pack_sold_while_paying
):
    product = ProductFactory(title="Isotretinoin 20 mg capsules, 30", stockrecord__num_in_stock=1)
    add_to_basket(customer_app, product)
    preview = checkout_to_preview(customer_app)

    page = preview.forms["place_order_form"].submit()

    assert page.status_code == 200
    alert = " ".join(page.html.select_one(".alert-danger").text.split())
    assert alert == (
        "Isotretinoin 20 mg capsules, 30 has just sold out. "
        "Your basket is unchanged and no order was placed: please change it and try again."
    )
    [other_order] = last_pack_sold_while_paying
    assert list(Order.objects.all()) == [other_order]
    basket = Basket.objects.get(owner=customer)
    assert basket.status == Basket.OPEN
    assert [(line.product, line.quantity) for line in basket.all_lines()] == [(product, 1)]
    assert stock_of(product) == (1, 1)
    # Back at the basket, the line says why it cannot be bought.
    basket_page = customer_app.get("/basket/")
    assert basket_page.status_code == 200
    basket_text = " ".join(basket_page.html.select_one("main").text.split())
    assert "Isotretinoin 20 mg capsules, 30 Unavailable" in basket_text


# --- Buyers at the same moment (PostgreSQL) ------------------------------------------------

at_once = pytest.mark.django_db(transaction=True, available_apps=[app.name for app in apps.get_app_configs()])
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite ignores SELECT ... FOR UPDATE; these run in CI's PostgreSQL pass",
)


@at_once
@postgresql_only
def test_four_buyers_for_two_packs_at_once_get_exactly_two_orders():
    product = ProductFactory(title="Isotretinoin 20 mg capsules, 30", stockrecord__num_in_stock=2)
    buyers = [UserFactory() for _ in range(4)]
    baskets = [basket_with(buyer, (product, 1)) for buyer in buyers]

    outcomes = run_together(
        *(partial(create_order, basket=basket, user=buyer) for basket, buyer in zip(baskets, buyers, strict=True))
    )

    placed = [outcome for outcome in outcomes if isinstance(outcome, Order)]
    refused = [outcome for outcome in outcomes if isinstance(outcome, OutOfStock)]
    assert (len(placed), len(refused)) == (2, 2), outcomes
    assert all(str(error).startswith("Isotretinoin 20 mg capsules, 30 has just sold out.") for error in refused)
    assert sorted(Order.objects.values_list("pk", flat=True)) == sorted(order.pk for order in placed)
    assert stock_of(product) == (2, 2)


@at_once
@postgresql_only
def test_three_customers_placing_orders_for_the_last_pack_at_once_get_one_order_and_two_clear_refusals(
    pakistan, monkeypatch
):
    # The measured case: every checkout had passed its availability check
    # before any of them placed its order, and all three went through.
    product = RxProductFactory(title="Isotretinoin 20 mg capsules, 30", stockrecord__num_in_stock=1)
    customers = [UserFactory() for _ in range(3)]
    prescriptions = [approve(submit_prescription(customer, [product]), quantity=1) for customer in customers]
    clients = [client_at_preview(customer, add=product) for customer in customers]
    hold_until_all_arrive(monkeypatch, len(clients))

    responses = run_together(*(partial(place_order_through, client) for client in clients))

    outcomes = sorted(describe(response) for response in responses)
    assert outcomes == [
        "200: Isotretinoin 20 mg capsules, 30 has just sold out. "
        "Your basket is unchanged and no order was placed: please change it and try again.",
    ] * 2 + ["302 to /checkout/thank-you/"], outcomes
    order = Order.objects.get()
    assert stock_of(product) == (1, 1)
    for customer, prescription in zip(customers, prescriptions, strict=True):
        ordered = customer == order.user
        assert prescription.items.get().quantity_remaining == (0 if ordered else 1)
        basket = Basket.objects.get(owner=customer)
        assert basket.status == (Basket.SUBMITTED if ordered else Basket.OPEN)
        assert [line.quantity for line in basket.all_lines()] == [1]


@at_once
@postgresql_only
def test_two_baskets_holding_the_same_two_products_in_opposite_orders_never_deadlock():
    first = ProductFactory(title="Adapalene gel", stockrecord__num_in_stock=1)
    second = ProductFactory(title="Benzoyl peroxide wash", stockrecord__num_in_stock=1)
    buyers = [UserFactory(), UserFactory()]
    baskets = [basket_with(buyers[0], (first, 1), (second, 1)), basket_with(buyers[1], (second, 1), (first, 1))]

    outcomes = run_together(
        *(partial(create_order, basket=basket, user=buyer) for basket, buyer in zip(baskets, buyers, strict=True))
    )

    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["Order", "OutOfStock"], outcomes
    assert [stock_of(first), stock_of(second)] == [(1, 1), (1, 1)]
