"""Variants (child products) follow their parent's prescription flag, dispensing rules and drug information."""

import datetime

import pytest
from django.utils import timezone
from oscar.apps.order.exceptions import UnableToPlaceOrder
from oscar.apps.partner.strategy import Default
from oscar.core.loading import get_model
from oscar.test.factories import create_order

from prescriptions.approval import Approval
from prescriptions.forms import PrescriptionUploadForm
from prescriptions.models import DispensingPolicy
from prescriptions.selectors.interactions import interaction_conflicts_for_ids
from prescriptions.selectors.products import product_rules, rules_for_ids
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
WARNING = "Causes severe birth defects."


def variant_of(parent, title, **fields):
    """A child product: no flag, no drug information and no rules of its own unless given."""
    return ProductFactory(parent=parent, structure="child", product_class=None, title=title, **fields)


@pytest.fixture
def isotretinoin():
    """A parent isotretinoin with the pregnancy prevention rules, and one pack size as its variant."""
    parent = RxProductFactory(
        title="Isotretinoin 20 mg capsules",
        structure="parent",
        drug_information=DrugInformationFactory(
            name="Isotretinoin (oral)",
            drug_class="oral-retinoid",
            pregnancy_risk="contraindicated",
            pregnancy_warning=WARNING,
        ),
    )
    PregnancyPreventionRulesFactory(product=parent)
    return parent


@pytest.fixture
def pack(isotretinoin):
    return variant_of(isotretinoin, "Isotretinoin 20 mg capsules, 30")


def strict_approval(**overrides):
    values = {
        "valid_until": TODAY() + datetime.timedelta(days=5),
        "days_supply": 30,
        "patient_can_become_pregnant": True,
        "pregnancy_test_on": TODAY(),
    }
    values.update(overrides)
    return values


def order(user, *products):
    basket = Basket.objects.create(owner=user)
    basket.strategy = Default()
    for product in products:
        basket.add_product(product, 1)
    return create_order(basket=basket, user=user)


def test_a_variant_has_its_parents_flag_rules_and_drug_information(isotretinoin, pack):
    rules = product_rules(product=pack)

    assert rules.requires_prescription
    assert rules.policy == isotretinoin.dispensing_policy
    assert (rules.policy_product_id, rules.drug_product_id) == (isotretinoin.pk, isotretinoin.pk)
    assert rules.drug == isotretinoin.drug_information
    assert rules.inherits_rules


def test_a_variants_own_rules_and_drug_information_come_first(isotretinoin, pack):
    own = DispensingPolicy.objects.create(product=pack, validity_days=14)
    drug = DrugInformationFactory(name="Isotretinoin, micronised")
    pack.drug_information = drug
    pack.save()

    rules = rules_for_ids(product_ids=[pack.pk])[pack.pk]

    assert (rules.policy, rules.drug) == (own, drug)
    assert not rules.inherits_rules


def test_approving_a_variant_applies_its_parents_rules(customer, pack):
    prescription = submit_prescription(customer, [pack])

    # Twenty days is past the parent's 7-day window for a patient who can become pregnant.
    with pytest.raises(DecisionNotAllowed, match="cannot be valid after"):
        prescription_approve(
            prescription=prescription,
            pharmacist=pharmacist_user(),
            checklist=full_checklist(),
            approval=Approval(
                quantities={pack: 1}, **strict_approval(valid_until=TODAY() + datetime.timedelta(days=20))
            ),
        )
    prescription.refresh_from_db()
    assert prescription.status == "pending"


def test_the_gate_applies_the_parents_rules_to_a_variant(customer, pack):
    approve(submit_prescription(customer, [pack]), quantity=1, **strict_approval())

    # The parent's rules ask for the acknowledgement; the variant has no rules of its own.
    with pytest.raises(UnableToPlaceOrder, match="acknowledge the pregnancy warning"):
        order(customer, pack)
    assert Order.objects.count() == 0


def test_acknowledging_the_parents_warning_covers_its_variants(customer, isotretinoin, pack):
    approve(submit_prescription(customer, [pack]), quantity=1, **strict_approval())
    risk_acknowledge(user=customer, product=isotretinoin, warning_text=WARNING)

    placed = order(customer, pack)

    assert placed.lines.get().prescription_dispense.prescription.items.get().product == pack


def test_a_doxycycline_variant_without_drug_information_clashes_with_isotretinoin(customer, isotretinoin, pack):
    doxycycline = RxProductFactory(
        title="Doxycycline 100 mg",
        structure="parent",
        drug_information=DrugInformationFactory(name="Doxycycline", drug_class="tetracycline"),
    )
    capsules = variant_of(doxycycline, "Doxycycline 100 mg, 14 capsules")
    approve(submit_prescription(customer, [pack, capsules]), quantity=1, **strict_approval())
    risk_acknowledge(user=customer, product=isotretinoin, warning_text=WARNING)

    with pytest.raises(UnableToPlaceOrder, match=r"cannot be ordered together.*intracranial hypertension"):
        order(customer, pack, capsules)
    assert Order.objects.count() == 0
    assert [c.second for c in interaction_conflicts_for_ids(product_ids=[pack.pk, capsules.pk])] == [
        capsules.get_title()
    ]


def test_the_upload_form_offers_a_variant_whose_parent_needs_a_prescription(isotretinoin, pack):
    lip_balm = ProductFactory(title="Lip balm")
    hidden = variant_of(isotretinoin, "Isotretinoin 20 mg capsules, 60", is_public=False)

    offered = set(PrescriptionUploadForm().fields["products"].queryset)

    assert pack in offered
    # A parent cannot be bought, only its variants; withdrawn and ordinary products are not offered.
    assert offered.isdisjoint({isotretinoin, lip_balm, hidden})


def test_the_acknowledgement_form_on_a_variant_records_it_on_the_product_holding_the_warning(
    customer, isotretinoin, pack
):
    from django.template import Context, Template
    from django.test import RequestFactory

    request = RequestFactory().get(pack.get_absolute_url())
    request.user = customer
    html = Template('{% include "prescriptions/partials/acknowledgement.html" %}').render(
        Context({"product": pack, "request": request, "user": customer})
    )

    assert f'action="/accounts/prescriptions/acknowledge/{isotretinoin.pk}/"' in html


def test_the_review_page_shows_the_parents_rules_for_a_variant(django_app, customer, pack):
    prescription = submit_prescription(customer, [pack])

    page = django_app.get(f"/dashboard/pharmacy/{prescription.public_id}/", user=pharmacist_user())

    rules = " ".join(page.html.select_one("#rules-title").parent.text.split())
    assert "30 days; 7 if the patient can become pregnant" in rules
    assert "Negative test needed" in rules
    assert "check_contraception_confirmed" in page.forms["decision_form"].fields
