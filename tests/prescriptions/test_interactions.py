"""Interactions: drug classes from a closed list, and clashes with the customer's recent orders and approvals."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.utils import timezone
from oscar.apps.order.exceptions import UnableToPlaceOrder
from oscar.apps.partner.strategy import Default
from oscar.core.loading import get_model
from oscar.test.factories import create_order

from prescriptions.models import DispensingPolicy, Interaction
from prescriptions.services.customer import risk_acknowledge
from tests.factories import (
    DrugInformationFactory,
    ProductFactory,
    RxProductFactory,
    approve,
    pharmacist_user,
    submit_prescription,
)

Order = get_model("order", "Order")
Basket = get_model("basket", "Basket")
DrugInformation = get_model("catalogue", "DrugInformation")

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
WARNING = "Causes severe birth defects."


@pytest.fixture
def isotretinoin():
    product = RxProductFactory(
        title="Isotretinoin 20 mg capsules, 30",
        drug_information=DrugInformationFactory(
            name="Isotretinoin (oral)",
            drug_class="oral-retinoid",
            pregnancy_risk="contraindicated",
            pregnancy_warning=WARNING,
        ),
    )
    DispensingPolicy.objects.create(product=product, validity_days=30, max_supply_days=30, refills_allowed=True)
    return product


@pytest.fixture
def doxycycline():
    product = RxProductFactory(
        title="Doxycycline 100 mg capsules",
        drug_information=DrugInformationFactory(name="Doxycycline", drug_class="tetracycline"),
    )
    DispensingPolicy.objects.create(product=product, validity_days=30, max_supply_days=30, refills_allowed=True)
    return product


@pytest.fixture
def vitamin_a():
    return ProductFactory(
        title="Vitamin A softgels",
        drug_information=DrugInformationFactory(name="Vitamin A", drug_class="vitamin-a"),
    )


def order(user, *products, days_ago=0, status=None):
    basket = Basket.objects.create(owner=user)
    basket.strategy = Default()
    for product in products:
        basket.add_product(product, 1)
    placed = create_order(basket=basket, user=user)
    if days_ago or status:
        Order.objects.filter(pk=placed.pk).update(
            date_placed=timezone.now() - datetime.timedelta(days=days_ago), status=status or placed.status
        )
    return placed


def may_order(customer, *products):
    """Approved prescriptions for the prescription-only ones, and the warning acknowledged."""
    rx = [p for p in products if p.requires_prescription]
    if rx:
        approve(submit_prescription(customer, rx), quantity=1, days_supply=30)
    for product in rx:
        risk_acknowledge(user=customer, product=product, warning_text=WARNING)


# --- Drug classes are codes from a list ------------------------------------------------------


def test_a_drug_class_outside_the_list_is_refused():
    drug = DrugInformationFactory.build(drug_class="tetracyclines")

    with pytest.raises(ValidationError) as refused:
        drug.full_clean()

    assert "drug_class" in refused.value.message_dict


def test_the_drug_information_form_offers_only_the_known_classes():
    from dashboard.catalogue.forms import DrugInformationForm

    codes = [value for value, _label in DrugInformationForm().fields["drug_class"].choices]

    assert codes == ["", *DrugInformation.DrugClass.values]
    assert {"oral-retinoid", "tetracycline", "vitamin-a"} <= set(codes)


def test_the_demo_drugs_and_the_interaction_rules_use_known_classes():
    from demo import drugs

    known = set(DrugInformation.DrugClass.values)
    assert {data["drug_class"] for data in drugs.ALL} <= known
    rules = set(Interaction.objects.values_list("first_class", "second_class"))
    assert rules == {("oral-retinoid", "tetracycline"), ("oral-retinoid", "vitamin-a")}


def test_the_migration_maps_free_typed_classes_to_the_codes():
    mapping = importlib.import_module("prescriptions.migrations.0011_map_drug_classes")
    typed = {
        "Tetracyclines": "tetracycline",
        "doxycycline": "tetracycline",
        "vitamin_a": "vitamin-a",
        "Oral retinoid": "oral-retinoid",
        "topical-retinoid": "topical-retinoid",
        "something-else": "",
    }
    drugs = {}
    for value in typed:
        drug = DrugInformationFactory(drug_class="")
        DrugInformation.objects.filter(pk=drug.pk).update(drug_class=value)
        drugs[value] = drug.pk

    mapping.forwards(apps, None)

    assert {value: DrugInformation.objects.get(pk=pk).drug_class for value, pk in drugs.items()} == typed


# --- The order is refused against the customer's recent orders ---------------------------------


def test_isotretinoin_is_refused_within_30_days_of_a_doxycycline_order(customer, isotretinoin, doxycycline):
    may_order(customer, isotretinoin, doxycycline)
    earlier = order(customer, doxycycline, days_ago=10)

    with pytest.raises(UnableToPlaceOrder) as refused:
        order(customer, isotretinoin)

    message = str(refused.value)
    assert f"you ordered Doxycycline 100 mg capsules on {(TODAY() - datetime.timedelta(days=10)):%-d %B %Y}" in message
    assert f"(order {earlier.number})" in message
    assert "must not be taken within 30 days of each other" in message
    assert "intracranial hypertension" in message
    assert Order.objects.count() == 1


def test_doxycycline_is_refused_within_30_days_of_an_isotretinoin_order(customer, isotretinoin, doxycycline):
    may_order(customer, isotretinoin, doxycycline)
    order(customer, isotretinoin, days_ago=3)

    with pytest.raises(UnableToPlaceOrder, match="Doxycycline 100 mg capsules cannot be ordered until"):
        order(customer, doxycycline)


def test_vitamin_a_is_refused_within_30_days_of_an_isotretinoin_order(customer, isotretinoin, vitamin_a):
    may_order(customer, isotretinoin)
    order(customer, isotretinoin, days_ago=29)

    with pytest.raises(UnableToPlaceOrder, match="Vitamin A softgels cannot be ordered until"):
        order(customer, vitamin_a)


def test_an_order_more_than_30_days_ago_does_not_count(customer, isotretinoin, vitamin_a):
    may_order(customer, isotretinoin)
    order(customer, vitamin_a, days_ago=31)

    assert order(customer, isotretinoin).lines.count() == 1


def test_a_cancelled_order_does_not_count(customer, isotretinoin, vitamin_a):
    may_order(customer, isotretinoin)
    order(customer, vitamin_a, days_ago=2, status="Cancelled")

    assert order(customer, isotretinoin).lines.count() == 1


def test_another_customers_orders_do_not_count(customer, isotretinoin, vitamin_a):
    from tests.factories import UserFactory

    order(UserFactory(), vitamin_a, days_ago=2)
    may_order(customer, isotretinoin)

    assert order(customer, isotretinoin).lines.count() == 1


def test_a_variant_is_checked_as_its_parents_drug(customer, isotretinoin):
    parent = ProductFactory(
        title="Vitamin A",
        structure="parent",
        drug_information=DrugInformationFactory(name="Vitamin A", drug_class="vitamin-a"),
    )
    softgels = ProductFactory(parent=parent, structure="child", product_class=None, title="Vitamin A, 60 softgels")
    may_order(customer, isotretinoin)
    order(customer, softgels, days_ago=5)

    with pytest.raises(UnableToPlaceOrder, match="you ordered Vitamin A, 60 softgels on"):
        order(customer, isotretinoin)


def test_the_basket_level_check_still_stops_both_in_one_order(customer, isotretinoin, vitamin_a):
    may_order(customer, isotretinoin)

    with pytest.raises(UnableToPlaceOrder, match="Vitamin A softgels cannot be ordered together"):
        order(customer, isotretinoin, vitamin_a)


def test_checkout_stops_with_the_history_explained(customer_app, customer, isotretinoin, vitamin_a):
    from tests.checkout_steps import add_to_basket

    may_order(customer, isotretinoin)
    order(customer, vitamin_a, days_ago=4)
    add_to_basket(customer_app, isotretinoin)

    page = customer_app.get("/checkout/").follow()

    alert = " ".join(page.html.select_one("#messages").text.split())
    assert "Isotretinoin 20 mg capsules, 30 cannot be ordered until" in alert
    assert "you ordered Vitamin A softgels on" in alert
    assert "Please remove Isotretinoin 20 mg capsules, 30 from your basket, or ask our pharmacist." in alert
    assert "remove one of them" not in alert


# --- The pharmacist sees the history on the review page --------------------------------------


def test_the_review_page_shows_an_active_doxycycline_approval_and_a_recent_vitamin_a_order(
    django_app, customer, isotretinoin, doxycycline, vitamin_a
):
    doxy = approve(submit_prescription(customer, [doxycycline]), quantity=1, days_supply=30)
    vitamin_order = order(customer, vitamin_a, days_ago=12)
    prescription = submit_prescription(customer, [isotretinoin])

    page = django_app.get(f"/dashboard/pharmacy/{prescription.public_id}/", user=pharmacist_user())

    items = [" ".join(li.text.split()) for li in page.html.select("#history-conflicts li")]
    assert len(items) == 2
    assert any(
        f"Isotretinoin 20 mg capsules, 30 clashes with Vitamin A softgels, ordered on "
        f"{(TODAY() - datetime.timedelta(days=12)):%-d %B %Y} (order {vitamin_order.number})" in item
        for item in items
    )
    assert any(
        f"clashes with Doxycycline 100 mg capsules, approved on prescription {doxy.reference}" in item for item in items
    )


def test_a_used_up_or_expired_approval_is_not_shown_as_a_clash(django_app, customer, isotretinoin, doxycycline):
    used = approve(submit_prescription(customer, [doxycycline]), quantity=1, days_supply=30)
    used.items.update(quantity_remaining=0)
    expired = approve(submit_prescription(customer, [doxycycline]), quantity=1, days_supply=30)
    type(expired).objects.filter(pk=expired.pk).update(valid_until=TODAY() - datetime.timedelta(days=1))
    prescription = submit_prescription(customer, [isotretinoin])

    page = django_app.get(f"/dashboard/pharmacy/{prescription.public_id}/", user=pharmacist_user())

    assert page.html.select_one("#history-conflicts") is None
