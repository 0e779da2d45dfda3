"""An approval is refused by the service itself unless the checklist is complete, and its terms are audited."""

import datetime

import pytest
from django.utils import timezone

from prescriptions.approval import CHECKLIST, Approval
from prescriptions.models import DispensingPolicy
from prescriptions.services.decisions import DecisionNotAllowed, prescription_approve
from tests.factories import (
    PregnancyPreventionRulesFactory,
    RxProductFactory,
    full_checklist,
    pharmacist_user,
    submit_prescription,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
BASIC = {key: True for key, _label in CHECKLIST}


@pytest.fixture
def isotretinoin():
    product = RxProductFactory(title="Isotretinoin 20 mg capsules, 30")
    PregnancyPreventionRulesFactory(product=product, units_per_pack=30, max_units_per_day=4)
    return product


def approve_with(prescription, product, checklist, **terms):
    values = {
        "valid_until": TODAY() + datetime.timedelta(days=5),
        "days_supply": 30,
        "patient_can_become_pregnant": True,
        "pregnancy_test_on": TODAY() - datetime.timedelta(days=1),
    }
    values.update(terms)
    return prescription_approve(
        prescription=prescription,
        pharmacist=pharmacist_user(),
        approval=Approval(quantities={product: 2}, **values),
        checklist=checklist,
    )


def test_the_approval_event_records_the_terms_approved(customer, isotretinoin):
    prescription = submit_prescription(customer, [isotretinoin])

    approve_with(prescription, isotretinoin, full_checklist())

    event = prescription.events.get(action="approved")
    assert event.data == {
        "items": [{"product_id": isotretinoin.pk, "title": "Isotretinoin 20 mg capsules, 30", "quantity": 2}],
        "valid_until": (TODAY() + datetime.timedelta(days=5)).isoformat(),
        "days_supply": 30,
        "patient_can_become_pregnant": True,
        "pregnancy_test_on": (TODAY() - datetime.timedelta(days=1)).isoformat(),
    }
    assert event.checklist == full_checklist()


@pytest.mark.parametrize("checklist", [None, {}, {**BASIC, "signature_present": False}])
def test_the_service_refuses_an_approval_with_the_checklist_incomplete(customer, isotretinoin, checklist):
    prescription = submit_prescription(customer, [isotretinoin])

    with pytest.raises(DecisionNotAllowed, match="Tick every item of the checklist before approving"):
        approve_with(prescription, isotretinoin, checklist)

    prescription.refresh_from_db()
    assert prescription.status == "pending"
    assert not prescription.events.filter(action="approved").exists()


def test_the_pregnancy_prevention_items_are_required_under_pregnancy_rules(customer, isotretinoin):
    prescription = submit_prescription(customer, [isotretinoin])

    with pytest.raises(DecisionNotAllowed, match="effective contraception confirmed") as refused:
        approve_with(prescription, isotretinoin, BASIC)

    assert "Liver function and fasting lipid tests" in str(refused.value)


def test_contraception_is_not_asked_for_a_patient_who_cannot_become_pregnant(customer, isotretinoin):
    prescription = submit_prescription(customer, [isotretinoin])
    checklist = {**full_checklist(), "contraception_confirmed": False}

    approve_with(prescription, isotretinoin, checklist, patient_can_become_pregnant=False, pregnancy_test_on=None)

    prescription.refresh_from_db()
    assert prescription.status == "approved"


def test_a_product_without_pregnancy_rules_needs_only_the_basic_checklist(customer):
    cream = RxProductFactory(title="Clindamycin gel")
    DispensingPolicy.objects.create(product=cream, validity_days=30)
    prescription = submit_prescription(customer, [cream])

    approve_with(prescription, cream, BASIC, patient_can_become_pregnant=None, pregnancy_test_on=None)

    assert prescription.items.get().quantity_approved == 2


def test_approving_in_the_dashboard_records_the_terms(django_app, customer, isotretinoin):
    prescription = submit_prescription(customer, [isotretinoin])
    pharmacist = pharmacist_user()
    form = django_app.get(f"/dashboard/pharmacy/{prescription.public_id}/", user=pharmacist).forms["decision_form"]
    for name in form.fields:
        if name and name.startswith("check_"):
            form[name] = True
    form[f"quantity_{isotretinoin.pk}"] = "3"
    form["patient_can_become_pregnant"] = "yes"
    form["pregnancy_test_on"] = str(TODAY())
    form["days_supply"] = "30"

    form.submit("action", value="approve", user=pharmacist)

    data = prescription.events.get(action="approved").data
    assert data["items"] == [{"product_id": isotretinoin.pk, "title": "Isotretinoin 20 mg capsules, 30", "quantity": 3}]
    assert (data["days_supply"], data["patient_can_become_pregnant"], data["pregnancy_test_on"]) == (
        30,
        True,
        str(TODAY()),
    )


def test_a_medicine_the_prescription_is_not_for_cannot_be_approved(customer, isotretinoin):
    prescription = submit_prescription(customer, [isotretinoin])
    other = RxProductFactory(title="Tretinoin cream")

    with pytest.raises(DecisionNotAllowed, match="only cover the medicines the customer uploaded it for"):
        prescription_approve(
            prescription=prescription,
            pharmacist=pharmacist_user(),
            approval=Approval(quantities={other: 1}, valid_until=TODAY(), days_supply=30),
            checklist=full_checklist(),
        )

    prescription.refresh_from_db()
    assert prescription.status == prescription.Status.PENDING
    assert not prescription.items.exists()
