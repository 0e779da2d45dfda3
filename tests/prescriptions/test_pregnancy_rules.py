"""Isotretinoin's pregnancy prevention rules, and interactions, enforced when the order is written."""

import datetime

import pytest
from django.utils import timezone
from oscar.apps.order.exceptions import UnableToPlaceOrder
from oscar.apps.partner.strategy import Default
from oscar.core.loading import get_model
from oscar.test.factories import create_order

from prescriptions.approval import Approval
from prescriptions.models import DispensingPolicy, Prescription, RiskAcknowledgement
from prescriptions.services.customer import risk_acknowledge
from prescriptions.services.decisions import DecisionNotAllowed, prescription_approve
from tests.factories import (
    DrugInformationFactory,
    PregnancyPreventionRulesFactory,
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


@pytest.fixture
def isotretinoin():
    product = RxProductFactory(
        title="Isotretinoin 20 mg capsules",
        drug_information=DrugInformationFactory(
            name="Isotretinoin (oral)",
            drug_class="oral-retinoid",
            pregnancy_risk="contraindicated",
            pregnancy_warning="Causes severe birth defects.",
        ),
    )
    PregnancyPreventionRulesFactory(product=product)
    return product


@pytest.fixture
def approved(customer, isotretinoin):
    """A fully valid approval for a patient who can become pregnant, and the acknowledgement."""
    issued = TODAY() - datetime.timedelta(days=2)
    prescription = submit_prescription(customer, [isotretinoin], issued_on=issued)
    approve(
        prescription,
        quantity=2,
        valid_until=issued + datetime.timedelta(days=7),
        days_supply=30,
        patient_can_become_pregnant=True,
        pregnancy_test_on=TODAY() - datetime.timedelta(days=1),
    )
    risk_acknowledge(user=customer, product=isotretinoin, warning_text="Causes severe birth defects.")
    return prescription


def order(user, *products):
    basket = Basket.objects.create(owner=user)
    basket.strategy = Default()
    for product in products:
        basket.add_product(product, 1)
    return create_order(basket=basket, user=user)


def test_with_every_rule_met_the_order_is_placed(customer, isotretinoin, approved):
    assert order(customer, isotretinoin).lines.count() == 1


def test_window_expired_refuses_the_order(customer, isotretinoin, approved):
    # Written 8 days ago: past the 7-day window for a patient who can become pregnant.
    Prescription.objects.filter(pk=approved.pk).update(
        issued_on=TODAY() - datetime.timedelta(days=8), valid_until=TODAY() + datetime.timedelta(days=5)
    )

    with pytest.raises(UnableToPlaceOrder, match=r"can only be dispensed until .*7 days after it was written"):
        order(customer, isotretinoin)
    assert Order.objects.count() == 0


def test_the_longer_window_applies_when_the_patient_cannot_become_pregnant(customer, isotretinoin, approved):
    Prescription.objects.filter(pk=approved.pk).update(
        issued_on=TODAY() - datetime.timedelta(days=8),
        valid_until=TODAY() + datetime.timedelta(days=5),
        patient_can_become_pregnant=False,
    )

    assert order(customer, isotretinoin).lines.count() == 1


def test_too_many_days_supply_refuses_the_order(customer, isotretinoin, approved):
    Prescription.objects.filter(pk=approved.pk).update(days_supply=60)

    with pytest.raises(UnableToPlaceOrder, match="more than 30 days' supply"):
        order(customer, isotretinoin)
    assert Order.objects.count() == 0


def test_a_tightened_policy_applies_to_approvals_already_given(customer, isotretinoin, approved):
    DispensingPolicy.objects.filter(product=isotretinoin).update(max_supply_days=14)

    with pytest.raises(UnableToPlaceOrder, match="more than 14 days' supply"):
        order(customer, isotretinoin)


def test_no_pregnancy_test_date_refuses_the_order(customer, isotretinoin, approved):
    Prescription.objects.filter(pk=approved.pk).update(pregnancy_test_on=None)

    with pytest.raises(UnableToPlaceOrder, match="needs a negative pregnancy test"):
        order(customer, isotretinoin)
    assert Order.objects.count() == 0


def test_a_pregnancy_test_older_than_the_window_refuses_the_order(customer, isotretinoin, approved):
    Prescription.objects.filter(pk=approved.pk).update(pregnancy_test_on=TODAY() - datetime.timedelta(days=8))

    with pytest.raises(UnableToPlaceOrder, match="needs a negative pregnancy test from the last 7 days"):
        order(customer, isotretinoin)


def test_no_acknowledgement_refuses_the_order(customer, isotretinoin, approved):
    RiskAcknowledgement.objects.filter(user=customer).delete()

    with pytest.raises(UnableToPlaceOrder, match="acknowledge the pregnancy warning"):
        order(customer, isotretinoin)
    assert Order.objects.count() == 0


def test_no_refills_one_order_uses_up_the_approval(customer, isotretinoin, approved):
    order(customer, isotretinoin)

    assert approved.items.get().quantity_remaining == 0
    with pytest.raises(UnableToPlaceOrder, match="covers 0 more"):
        order(customer, isotretinoin)


def test_the_acknowledgement_records_when_and_what_was_shown(customer, isotretinoin):
    before = timezone.now()

    risk_acknowledge(user=customer, product=isotretinoin, warning_text="Causes severe birth defects.")

    ack = RiskAcknowledgement.objects.get(user=customer, product=isotretinoin)
    assert ack.acknowledged_at >= before
    assert ack.warning_text == "Causes severe birth defects."


def test_the_acknowledgement_checkbox_on_the_product_page(django_app, customer, isotretinoin):
    page = django_app.get(isotretinoin.get_absolute_url(), user=customer)
    form = page.forms["acknowledge_form"]
    assert "I have read the pregnancy warning" in page.html.select_one("label[for=id_acknowledged]").text

    unticked = form.submit(user=customer).follow()
    assert "Tick the box to confirm" in unticked.text
    assert not RiskAcknowledgement.objects.exists()

    form["acknowledged"] = True
    done = form.submit(user=customer).follow()
    assert RiskAcknowledgement.objects.get().user == customer
    assert "You confirmed you read this warning on" in done.html.select_one(".pregnancy-warning").text


# --- Approval-time checks ----------------------------------------------------------------


def approval(**overrides):
    values = {
        "valid_until": TODAY() + datetime.timedelta(days=5),
        "days_supply": 30,
        "patient_can_become_pregnant": True,
        "pregnancy_test_on": TODAY(),
    }
    values.update(overrides)
    return values


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"valid_until": TODAY() + datetime.timedelta(days=20)}, "cannot be valid after"),
        ({"days_supply": 45}, "Approve at most 30 days' supply."),
        ({"days_supply": None}, "Approve at most 30 days' supply."),
        ({"patient_can_become_pregnant": None}, "Record whether the patient can become pregnant."),
        ({"pregnancy_test_on": None}, "Record the date of a negative pregnancy test"),
        ({"pregnancy_test_on": TODAY() - datetime.timedelta(days=10)}, "negative pregnancy test from the last 7 days"),
        ({"pregnancy_test_on": TODAY() + datetime.timedelta(days=1)}, "negative pregnancy test"),
    ],
)
def test_an_approval_that_breaks_a_rule_is_refused(customer, isotretinoin, overrides, message):
    prescription = submit_prescription(customer, [isotretinoin])

    with pytest.raises(DecisionNotAllowed, match=message):
        prescription_approve(
            prescription=prescription,
            pharmacist=pharmacist_user(),
            checklist=full_checklist(),
            approval=Approval(quantities={isotretinoin: 1}, **approval(**overrides)),
        )
    prescription.refresh_from_db()
    assert prescription.status == "pending"


def test_a_patient_who_cannot_become_pregnant_needs_no_test(customer, isotretinoin):
    prescription = submit_prescription(customer, [isotretinoin])

    prescription_approve(
        prescription=prescription,
        pharmacist=pharmacist_user(),
        checklist=full_checklist(),
        approval=Approval(
            quantities={isotretinoin: 1},
            **approval(
                patient_can_become_pregnant=False,
                pregnancy_test_on=None,
                valid_until=TODAY() + datetime.timedelta(days=25),
            ),
        ),
    )

    assert prescription.items.count() == 1


def test_the_dashboard_shows_a_rule_refusal_as_a_form_error(django_app, customer, isotretinoin):
    prescription = submit_prescription(customer, [isotretinoin])
    pharmacist = pharmacist_user()
    form = django_app.get(f"/dashboard/pharmacy/{prescription.public_id}/", user=pharmacist).forms["decision_form"]
    for name in form.fields:
        if name and name.startswith("check_"):
            form[name] = True
    form["patient_can_become_pregnant"] = "yes"
    form["days_supply"] = "30"

    response = form.submit("action", value="approve", user=pharmacist)

    assert response.status_code == 200
    assert "Record the date of a negative pregnancy test from the last 7 days." in response.text
    prescription.refresh_from_db()
    assert prescription.status == "pending"


# --- Interactions ------------------------------------------------------------------------


def test_isotretinoin_with_doxycycline_is_refused_with_an_explanation(customer, isotretinoin, approved):
    doxycycline = RxProductFactory(
        title="Doxycycline 100 mg", drug_information=DrugInformationFactory(drug_class="tetracycline")
    )
    approve(submit_prescription(customer, [doxycycline]), quantity=1)

    with pytest.raises(UnableToPlaceOrder, match=r"cannot be ordered together.*intracranial hypertension"):
        order(customer, isotretinoin, doxycycline)
    assert Order.objects.count() == 0


def test_isotretinoin_with_a_vitamin_a_supplement_is_refused(customer, isotretinoin, approved):
    vitamin_a = ProductFactory(
        title="Vitamin A softgels", drug_information=DrugInformationFactory(drug_class="vitamin-a")
    )

    with pytest.raises(UnableToPlaceOrder, match="Vitamin A softgels cannot be ordered together"):
        order(customer, isotretinoin, vitamin_a)
    assert Order.objects.count() == 0


def test_the_interaction_stops_checkout_with_an_explanation(customer_app, customer, isotretinoin, approved):
    from tests.checkout_steps import add_to_basket

    vitamin_a = ProductFactory(
        title="Vitamin A softgels", drug_information=DrugInformationFactory(drug_class="vitamin-a")
    )
    add_to_basket(customer_app, isotretinoin)
    add_to_basket(customer_app, vitamin_a)

    page = customer_app.get("/checkout/").follow()

    alert = " ".join(page.html.select_one("#messages").text.split())
    assert "Isotretinoin 20 mg capsules and Vitamin A softgels cannot be ordered together." in alert
    assert "vitamin A poisoning" in alert
    assert "Please remove one of them from your basket." in alert
