"""A prescription-only product without dispensing rules of its own fails closed: strict defaults apply."""

import datetime

import pytest
from django.utils import timezone
from oscar.apps.order.exceptions import UnableToPlaceOrder
from oscar.apps.partner.strategy import Default
from oscar.core.loading import get_model
from oscar.test.factories import create_order

from prescriptions.approval import Approval
from prescriptions.models import DispensingPolicy
from prescriptions.services.customer import risk_acknowledge
from prescriptions.services.decisions import DecisionNotAllowed, prescription_approve
from tests.factories import (
    DrugInformationFactory,
    ProductFactory,
    RxProductFactory,
    approve,
    full_checklist,
    pharmacist_user,
    submit_prescription,
)

Order = get_model("order", "Order")
Basket = get_model("basket", "Basket")

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
WARNING = "Causes severe birth defects."


@pytest.fixture
def tretinoin():
    """Prescription-only, no dispensing rules, no special pregnancy warning."""
    return RxProductFactory(title="Tretinoin 0.05% cream")


@pytest.fixture
def contraindicated():
    """Prescription-only, no dispensing rules, and drug information that says: never in pregnancy."""
    return RxProductFactory(
        title="Acitretin 25 mg capsules",
        drug_information=DrugInformationFactory(pregnancy_risk="contraindicated", pregnancy_warning=WARNING),
    )


def try_approve(prescription, product, **approval):
    values = {"valid_until": TODAY() + datetime.timedelta(days=5), "days_supply": 30}
    values.update(approval)
    return prescription_approve(
        prescription=prescription,
        pharmacist=pharmacist_user(),
        checklist=full_checklist(),
        approval=Approval(quantities={product: 1}, **values),
    )


def order(user, product, quantity=1):
    basket = Basket.objects.create(owner=user)
    basket.strategy = Default()
    basket.add_product(product, quantity)
    return create_order(basket=basket, user=user)


def test_without_rules_a_prescription_is_valid_for_30_days_from_its_date_of_issue(customer, tretinoin):
    prescription = submit_prescription(customer, [tretinoin])

    with pytest.raises(DecisionNotAllowed, match="30 days from the date of issue"):
        try_approve(prescription, tretinoin, valid_until=prescription.issued_on + datetime.timedelta(days=31))


@pytest.mark.parametrize("days_supply", [31, None])
def test_without_rules_an_approval_covers_at_most_30_days_supply(customer, tretinoin, days_supply):
    prescription = submit_prescription(customer, [tretinoin])

    with pytest.raises(DecisionNotAllowed, match="Approve at most 30 days' supply"):
        try_approve(prescription, tretinoin, days_supply=days_supply)


def test_without_rules_the_window_is_enforced_at_the_gate_for_approvals_already_given(customer, tretinoin):
    issued = TODAY() - datetime.timedelta(days=31)
    prescription = submit_prescription(customer, [tretinoin], issued_on=issued)
    DispensingPolicy.objects.create(product=tretinoin, validity_days=90)
    approve(prescription, valid_until=TODAY() + datetime.timedelta(days=10))
    DispensingPolicy.objects.filter(product=tretinoin).delete()

    with pytest.raises(UnableToPlaceOrder, match="30 days after it was written"):
        order(customer, tretinoin)
    assert Order.objects.count() == 0


def test_without_rules_there_are_no_refills(customer, tretinoin):
    prescription = approve(submit_prescription(customer, [tretinoin]), quantity=1)
    # As if approved for two packs while the product still had rules of its own.
    prescription.items.update(quantity_approved=2, quantity_remaining=2)

    order(customer, tretinoin, quantity=1)

    assert prescription.items.get().quantity_remaining == 0


def test_without_rules_an_ordinary_medicine_needs_no_pregnancy_test_or_acknowledgement(customer, tretinoin):
    approve(submit_prescription(customer, [tretinoin]), quantity=1, patient_can_become_pregnant=True)

    assert order(customer, tretinoin).lines.count() == 1


def test_without_rules_a_medicine_contraindicated_in_pregnancy_needs_a_pregnancy_test(customer, contraindicated):
    prescription = submit_prescription(customer, [contraindicated])

    with pytest.raises(DecisionNotAllowed, match="Record whether the patient can become pregnant"):
        try_approve(prescription, contraindicated)
    with pytest.raises(DecisionNotAllowed, match="negative pregnancy test from the last 7 days"):
        try_approve(prescription, contraindicated, patient_can_become_pregnant=True)


def test_without_rules_a_medicine_contraindicated_in_pregnancy_has_the_7_day_window(customer, contraindicated):
    prescription = submit_prescription(customer, [contraindicated])

    with pytest.raises(DecisionNotAllowed, match="7 days from the date of issue"):
        try_approve(
            prescription,
            contraindicated,
            patient_can_become_pregnant=True,
            pregnancy_test_on=TODAY(),
            valid_until=TODAY() + datetime.timedelta(days=10),
        )


def test_without_rules_a_medicine_contraindicated_in_pregnancy_needs_the_acknowledgement(customer, contraindicated):
    try_approve(
        submit_prescription(customer, [contraindicated]),
        contraindicated,
        patient_can_become_pregnant=True,
        pregnancy_test_on=TODAY(),
    )

    with pytest.raises(UnableToPlaceOrder, match="acknowledge the pregnancy warning"):
        order(customer, contraindicated)
    risk_acknowledge(user=customer, product=contraindicated, warning_text=WARNING)
    assert order(customer, contraindicated).lines.count() == 1


def test_a_variant_without_rules_takes_the_pregnancy_defaults_from_its_parents_drug_information(customer):
    parent = RxProductFactory(
        title="Acitretin capsules",
        structure="parent",
        drug_information=DrugInformationFactory(pregnancy_risk="contraindicated", pregnancy_warning=WARNING),
    )
    pack = ProductFactory(parent=parent, structure="child", product_class=None, title="Acitretin 10 mg, 30")
    prescription = submit_prescription(customer, [pack])

    with pytest.raises(DecisionNotAllowed, match="Record whether the patient can become pregnant"):
        try_approve(prescription, pack)


def test_the_review_page_says_when_a_product_has_no_rules_of_its_own(django_app, customer, tretinoin):
    with_rules = RxProductFactory(title="Isotretinoin 20 mg capsules")
    DispensingPolicy.objects.create(product=with_rules, validity_days=30)
    prescription = submit_prescription(customer, [tretinoin, with_rules])

    page = django_app.get(f"/dashboard/pharmacy/{prescription.public_id}/", user=pharmacist_user())

    notes = [" ".join(li.text.split()) for li in page.html.select("#rules-notes .rx-review__default-rules")]
    assert len(notes) == 1
    assert notes[0].startswith("Tretinoin 0.05% cream has no dispensing rules of its own, so the strict defaults apply")
    assert "valid for 30 days from the date of issue, at most 30 days' supply, no refills" in notes[0]
    link = page.html.select_one("#rules-notes a")
    assert link["href"] == f"/dashboard/pharmacy/rules/{tretinoin.pk}/"


def test_the_review_page_says_no_more_when_every_product_has_rules(django_app, customer, tretinoin):
    DispensingPolicy.objects.create(product=tretinoin, validity_days=30)
    prescription = submit_prescription(customer, [tretinoin])

    page = django_app.get(f"/dashboard/pharmacy/{prescription.public_id}/", user=pharmacist_user())

    assert page.html.select_one("#rules-notes") is None


def test_new_rules_start_from_the_strict_defaults(django_app, contraindicated):
    form = django_app.get(f"/dashboard/pharmacy/rules/{contraindicated.pk}/", user=pharmacist_user()).forms[
        "policy_form"
    ]

    assert (form["validity_days"].value, form["validity_days_if_can_become_pregnant"].value) == ("30", "7")
    assert form["max_supply_days"].value == "30"
    assert not form["refills_allowed"].checked
    assert form["pregnancy_test_required"].checked and form["risk_acknowledgement_required"].checked
