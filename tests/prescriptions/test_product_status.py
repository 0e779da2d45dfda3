"""The product page tells the customer where they stand by the gate's own rule, and says what is missing."""

import datetime

import pytest
from django.utils import timezone

from prescriptions.models import Prescription
from prescriptions.selectors.product_page import product_prescription_status
from prescriptions.services.customer import risk_acknowledge
from tests.factories import (
    DrugInformationFactory,
    PregnancyPreventionRulesFactory,
    ProductFactory,
    RxProductFactory,
    approve,
    submit_prescription,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
WARNING = "Causes severe birth defects."


@pytest.fixture
def isotretinoin():
    product = RxProductFactory(
        title="Isotretinoin 20 mg capsules, 30",
        drug_information=DrugInformationFactory(pregnancy_risk="contraindicated", pregnancy_warning=WARNING),
    )
    PregnancyPreventionRulesFactory(product=product, units_per_pack=30, max_units_per_day=4)
    return product


@pytest.fixture
def approved(customer, isotretinoin):
    issued = TODAY() - datetime.timedelta(days=2)
    return approve(
        submit_prescription(customer, [isotretinoin], issued_on=issued),
        quantity=2,
        valid_until=issued + datetime.timedelta(days=7),
        days_supply=30,
        patient_can_become_pregnant=True,
        pregnancy_test_on=TODAY() - datetime.timedelta(days=1),
    )


def status_on_page(app, product, user):
    page = app.get(product.get_absolute_url(), user=user)
    return page, " ".join(page.html.select_one(".rx-product-status").text.split())


def test_with_every_rule_met_the_page_says_approved(django_app, customer, isotretinoin, approved):
    risk_acknowledge(user=customer, product=isotretinoin, warning_text=WARNING)

    _page, text = status_on_page(django_app, isotretinoin, customer)

    assert f"Your prescription {approved.reference} is approved: 2 left" in text


def test_past_the_dispensing_window_the_page_does_not_say_approved(django_app, customer, isotretinoin, approved):
    risk_acknowledge(user=customer, product=isotretinoin, warning_text=WARNING)
    Prescription.objects.filter(pk=approved.pk).update(issued_on=TODAY() - datetime.timedelta(days=8))

    page, text = status_on_page(django_app, isotretinoin, customer)

    assert "is approved" not in text
    assert f"Prescription {approved.reference} can only be dispensed until" in text
    assert page.html.select_one("#upload-prescription") is not None


def test_without_a_pregnancy_test_the_page_says_so(django_app, customer, isotretinoin, approved):
    risk_acknowledge(user=customer, product=isotretinoin, warning_text=WARNING)
    Prescription.objects.filter(pk=approved.pk).update(pregnancy_test_on=None)

    _page, text = status_on_page(django_app, isotretinoin, customer)

    assert "is approved" not in text
    assert "needs a negative pregnancy test from the last 7 days" in text


def test_without_the_acknowledgement_the_page_asks_for_it_beside_the_approval(
    django_app, customer, isotretinoin, approved
):
    page, text = status_on_page(django_app, isotretinoin, customer)

    assert f"Your prescription {approved.reference} is approved: 2 left" in text
    assert "Please read and acknowledge the pregnancy warning for Isotretinoin 20 mg capsules, 30." in text
    assert page.html.select_one(".rx-product-status a[href='#pregnancy-warning-title']") is not None
    assert page.html.select_one("#upload-prescription") is None


def test_a_used_up_approval_is_not_shown_as_approved(django_app, customer, isotretinoin, approved):
    risk_acknowledge(user=customer, product=isotretinoin, warning_text=WARNING)
    approved.items.update(quantity_remaining=0)

    _page, text = status_on_page(django_app, isotretinoin, customer)

    assert f"Your prescription {approved.reference} is used up." in text


def test_with_no_prescription_and_no_acknowledgement_the_page_says_both(django_app, customer, isotretinoin):
    page, text = status_on_page(django_app, isotretinoin, customer)

    assert "Please read and acknowledge the pregnancy warning" in text
    assert page.html.select_one("#upload-prescription") is not None


def test_a_variants_status_follows_its_parents_rules(customer, isotretinoin):
    isotretinoin.structure = "parent"
    isotretinoin.save()
    pack = ProductFactory(parent=isotretinoin, structure="child", product_class=None, title="Isotretinoin, 60")
    prescription = approve(
        submit_prescription(customer, [pack]),
        quantity=1,
        valid_until=TODAY() + datetime.timedelta(days=5),
        days_supply=30,
        patient_can_become_pregnant=True,
        pregnancy_test_on=TODAY(),
    )

    status = product_prescription_status(user=customer, product=pack)

    assert (status.code, status.prescription) == ("acknowledgement_missing", prescription)
    risk_acknowledge(user=customer, product=isotretinoin, warning_text=WARNING)
    assert product_prescription_status(user=customer, product=pack).code == "approved"
