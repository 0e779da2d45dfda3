"""How many packs one approval covers: packs x units in a pack <= days' supply x most units a day."""

import datetime

import pytest
from django.utils import timezone
from oscar.apps.order.exceptions import UnableToPlaceOrder
from oscar.apps.partner.strategy import Default
from oscar.core.loading import get_model
from oscar.test.factories import create_order

from prescriptions.approval import Approval
from prescriptions.models import DispensingPolicy
from prescriptions.services.decisions import DecisionNotAllowed, prescription_approve
from tests.factories import RxProductFactory, approve, full_checklist, pharmacist_user, submit_prescription

Order = get_model("order", "Order")
Basket = get_model("basket", "Basket")

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@pytest.fixture
def isotretinoin_20():
    """30 capsules a pack, at most 4 a day (80 mg): 30 days' supply is at most 4 packs."""
    product = RxProductFactory(title="Isotretinoin 20 mg capsules, 30")
    DispensingPolicy.objects.create(
        product=product, validity_days=30, max_supply_days=30, units_per_pack=30, max_units_per_day=4
    )
    return product


def approve_packs(customer, product, packs, *, days_supply=30):
    return prescription_approve(
        prescription=submit_prescription(customer, [product]),
        pharmacist=pharmacist_user(),
        checklist=full_checklist(),
        approval=Approval(
            quantities={product: packs},
            valid_until=TODAY() + datetime.timedelta(days=10),
            days_supply=days_supply,
        ),
    )


def order(user, product, quantity):
    basket = Basket.objects.create(owner=user)
    basket.strategy = Default()
    basket.add_product(product, quantity)
    return create_order(basket=basket, user=user)


def test_an_approval_within_the_daily_maximum_is_accepted(customer, isotretinoin_20):
    prescription = approve_packs(customer, isotretinoin_20, 4)

    assert prescription.items.get().quantity_approved == 4


@pytest.mark.parametrize(("packs", "days_supply", "most"), [(5, 30, 4), (50, 30, 4), (2, 14, 1)])
def test_more_packs_than_the_days_supply_allows_are_refused(customer, isotretinoin_20, packs, days_supply, most):
    with pytest.raises(DecisionNotAllowed, match=f"Approve at most {most} packs? of Isotretinoin 20 mg capsules, 30"):
        approve_packs(customer, isotretinoin_20, packs, days_supply=days_supply)


def test_the_10_mg_strength_allows_twice_the_packs(customer):
    isotretinoin_10 = RxProductFactory(title="Isotretinoin 10 mg capsules, 30")
    DispensingPolicy.objects.create(product=isotretinoin_10, units_per_pack=30, max_units_per_day=8)

    assert approve_packs(customer, isotretinoin_10, 8).items.get().quantity_approved == 8
    with pytest.raises(DecisionNotAllowed, match="Approve at most 8 packs"):
        approve_packs(customer, isotretinoin_10, 9)


def test_without_rules_an_approval_covers_one_pack(customer):
    tretinoin = RxProductFactory(title="Tretinoin cream")

    with pytest.raises(DecisionNotAllowed, match="Approve at most one pack of Tretinoin cream"):
        approve_packs(customer, tretinoin, 2)


def test_rules_that_say_no_daily_maximum_set_no_limit(customer):
    cream = RxProductFactory(title="Clindamycin gel")
    DispensingPolicy.objects.create(product=cream, max_supply_days=30)

    assert approve_packs(customer, cream, 6).items.get().quantity_approved == 6


def test_the_gate_refuses_more_packs_than_the_approved_days_supply_allows(customer, isotretinoin_20):
    prescription = approve_packs(customer, isotretinoin_20, 4)
    # Recorded as 15 days' supply instead: at 4 capsules a day, two packs of 30.
    type(prescription).objects.filter(pk=prescription.pk).update(days_supply=15)

    with pytest.raises(
        UnableToPlaceOrder, match="covers at most 2 packs in one order, 15 days' supply; your basket has 3"
    ):
        order(customer, isotretinoin_20, 3)
    assert Order.objects.count() == 0


def test_the_gate_applies_a_daily_maximum_added_after_the_approval(customer, isotretinoin_20):
    approve_packs(customer, isotretinoin_20, 4)
    DispensingPolicy.objects.filter(product=isotretinoin_20).update(max_units_per_day=2)

    with pytest.raises(UnableToPlaceOrder, match="covers at most 2 packs in one order"):
        order(customer, isotretinoin_20, 3)
    assert order(customer, isotretinoin_20, 2).lines.get().quantity == 2


def test_the_dashboard_shows_the_pack_limit_as_a_form_error(django_app, customer, isotretinoin_20):
    prescription = submit_prescription(customer, [isotretinoin_20])
    pharmacist = pharmacist_user()
    form = django_app.get(f"/dashboard/pharmacy/{prescription.public_id}/", user=pharmacist).forms["decision_form"]
    for name in form.fields:
        if name and name.startswith("check_"):
            form[name] = True
    form[f"quantity_{isotretinoin_20.pk}"] = "50"
    form["days_supply"] = "30"

    response = form.submit("action", value="approve", user=pharmacist)

    errors = " ".join(response.html.select_one("#decision_form .alert-danger").text.split())
    assert "Approve at most 4 packs of Isotretinoin 20 mg capsules, 30 for 30 days: 30 in a pack, at most 4 a day." in (
        errors
    )
    prescription.refresh_from_db()
    assert prescription.status == "pending"


@pytest.mark.parametrize(
    "field", ["validity_days", "validity_days_if_can_become_pregnant", "max_supply_days", "max_units_per_day"]
)
def test_a_zero_in_the_rules_is_refused_not_read_as_no_limit(django_app, isotretinoin_20, field):
    pharmacist = pharmacist_user()
    form = django_app.get(f"/dashboard/pharmacy/rules/{isotretinoin_20.pk}/", user=pharmacist).forms["policy_form"]
    form[field] = "0"

    response = form.submit(user=pharmacist)

    assert response.status_code == 200
    assert "Ensure this value is greater than or equal to 1." in response.text
    policy = DispensingPolicy.objects.get(product=isotretinoin_20)
    assert getattr(policy, field) != 0


def test_a_daily_maximum_needs_the_units_in_a_pack(django_app, isotretinoin_20):
    pharmacist = pharmacist_user()
    form = django_app.get(f"/dashboard/pharmacy/rules/{isotretinoin_20.pk}/", user=pharmacist).forms["policy_form"]
    form["units_per_pack"] = ""

    response = form.submit(user=pharmacist)

    assert "Give the units in a pack" in response.text
    assert DispensingPolicy.objects.get(product=isotretinoin_20).units_per_pack == 30


def test_the_demo_sets_the_isotretinoin_doses(db):
    from demo.loader import load_demo_shop

    load_demo_shop()

    policies = {
        p.product.upc: (p.units_per_pack, p.max_units_per_day)
        for p in DispensingPolicy.objects.select_related("product")
    }
    assert policies == {"RX-ISO-20": (30, 4), "RX-ISO-10": (30, 8)}
    assert not load_demo_shop()


def test_within_the_pack_limit_the_quantity_left_still_counts(customer, isotretinoin_20):
    approve(submit_prescription(customer, [isotretinoin_20]), quantity=2)

    with pytest.raises(UnableToPlaceOrder, match="covers 2 more; your basket has 3"):
        order(customer, isotretinoin_20, 3)
