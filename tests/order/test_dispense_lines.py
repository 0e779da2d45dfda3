"""Each order line records the prescription that authorised it, even when two lines hold the same product."""

import pytest
from oscar.apps.order.exceptions import UnableToPlaceOrder
from oscar.apps.partner.strategy import Default
from oscar.core.loading import get_model
from oscar.test.factories import create_order

from prescriptions.models import Dispense, DispensingPolicy, Prescription
from tests.factories import RxProductFactory, approve, submit_prescription

Basket = get_model("basket", "Basket")
Option = get_model("catalogue", "Option")

pytestmark = pytest.mark.django_db


@pytest.fixture
def tretinoin():
    product = RxProductFactory(title="Tretinoin cream")
    product.product_options.add(Option.objects.create(name="Tube", code="tube", type=Option.TEXT))
    return product


def basket_with_two_lines_of(user, product):
    """One product on two basket lines, told apart by an option."""
    option = product.product_options.get()
    basket = Basket.objects.create(owner=user)
    basket.strategy = Default()
    basket.add_product(product, 1, options=[{"option": option, "value": "20 g"}])
    basket.add_product(product, 2, options=[{"option": option, "value": "30 g"}])
    assert basket.all_lines().count() == 2
    return basket


@pytest.mark.parametrize("refills_allowed", [True, False])
def test_two_basket_lines_of_one_product_are_ordered_each_with_its_prescription(customer, tretinoin, refills_allowed):
    DispensingPolicy.objects.create(product=tretinoin, refills_allowed=refills_allowed)
    prescription = approve(submit_prescription(customer, [tretinoin]), quantity=5)

    order = create_order(basket=basket_with_two_lines_of(customer, tretinoin), user=customer)

    lines = list(order.lines.order_by("pk"))
    assert [line.quantity for line in lines] == [1, 2]
    dispenses = [Dispense.objects.get(order_line=line) for line in lines]
    assert [(d.prescription, d.quantity) for d in dispenses] == [(prescription, 1), (prescription, 2)]
    assert prescription.items.get().quantity_remaining == (2 if refills_allowed else 0)


def test_two_lines_cannot_together_take_more_than_is_left(customer, tretinoin):
    DispensingPolicy.objects.create(product=tretinoin, refills_allowed=True)
    prescription = approve(submit_prescription(customer, [tretinoin]), quantity=2)

    with pytest.raises(UnableToPlaceOrder, match="covers 1 more; your basket has 2"):
        create_order(basket=basket_with_two_lines_of(customer, tretinoin), user=customer)

    assert prescription.items.get().quantity_remaining == 2
    assert not Dispense.objects.exists()


def test_two_lines_cannot_together_take_more_packs_than_the_rules_allow(customer, tretinoin):
    DispensingPolicy.objects.create(product=tretinoin, refills_allowed=True, units_per_pack=1, max_units_per_day=1)
    approve(submit_prescription(customer, [tretinoin]), quantity=3, days_supply=30)
    # Recorded as two days' supply at one a day: two packs, not the three on the two lines.
    Prescription.objects.filter(user=customer).update(days_supply=2)

    with pytest.raises(
        UnableToPlaceOrder, match="covers at most 2 packs in one order, 2 days' supply; your basket has 3"
    ):
        create_order(basket=basket_with_two_lines_of(customer, tretinoin), user=customer)
