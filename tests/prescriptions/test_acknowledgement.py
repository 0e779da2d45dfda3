"""The pregnancy-risk acknowledgement counts for the wording the customer read, and for one course of treatment.

The rule: an acknowledgement counts while the warning's wording is the one
acknowledged (its fingerprint), and for the rules' validity_days (30 days for
isotretinoin) from the day it was given; then the customer is asked again.
"""

import datetime
import importlib

import pytest
from django.apps import apps
from django.utils import timezone
from oscar.apps.order.exceptions import UnableToPlaceOrder
from oscar.apps.partner.strategy import Default
from oscar.core.loading import get_model
from oscar.test.factories import create_order

from prescriptions.models import DispensingPolicy, RiskAcknowledgement, warning_fingerprint
from prescriptions.services.customer import risk_acknowledge
from tests.factories import DrugInformationFactory, RxProductFactory, approve, pharmacist_user, submit_prescription

Order = get_model("order", "Order")
Basket = get_model("basket", "Basket")

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
WARNING = "Isotretinoin causes severe birth defects.\n\n- Do not take it if you are pregnant."


@pytest.fixture
def isotretinoin():
    product = RxProductFactory(
        title="Isotretinoin 20 mg capsules, 30",
        drug_information=DrugInformationFactory(pregnancy_risk="contraindicated", pregnancy_warning=WARNING),
    )
    DispensingPolicy.objects.create(
        product=product, validity_days=30, max_supply_days=30, refills_allowed=True, risk_acknowledgement_required=True
    )
    return product


@pytest.fixture
def approved(customer, isotretinoin):
    return approve(submit_prescription(customer, [isotretinoin]), quantity=3, days_supply=30)


def order(user, product):
    basket = Basket.objects.create(owner=user)
    basket.strategy = Default()
    basket.add_product(product, 1)
    return create_order(basket=basket, user=user)


def acknowledged_days_ago(ack, days):
    RiskAcknowledgement.objects.filter(pk=ack.pk).update(acknowledged_at=timezone.now() - datetime.timedelta(days=days))


def test_the_acknowledgement_records_a_fingerprint_of_the_wording():
    assert warning_fingerprint("Causes  severe\nbirth defects. ") == warning_fingerprint("Causes severe birth defects.")
    assert warning_fingerprint("Causes severe birth defects.") != warning_fingerprint("Causes birth defects.")


def test_an_edit_of_the_warning_asks_for_a_new_acknowledgement(customer, isotretinoin, approved):
    risk_acknowledge(user=customer, product=isotretinoin, warning_text=WARNING)
    drug = isotretinoin.drug_information
    drug.pregnancy_warning = WARNING + "\n\n- Use two methods of contraception."
    drug.save()

    with pytest.raises(UnableToPlaceOrder, match="has changed since you acknowledged it"):
        order(customer, isotretinoin)

    risk_acknowledge(user=customer, product=isotretinoin, warning_text=drug.pregnancy_warning)
    assert order(customer, isotretinoin).lines.count() == 1
    assert RiskAcknowledgement.objects.filter(user=customer).count() == 2


def test_re_wrapping_the_warning_does_not_ask_again(customer, isotretinoin, approved):
    risk_acknowledge(user=customer, product=isotretinoin, warning_text=WARNING)
    drug = isotretinoin.drug_information
    drug.pregnancy_warning = WARNING.replace("\n\n", "\n\n\n") + "  "
    drug.save()

    assert order(customer, isotretinoin).lines.count() == 1


def test_an_acknowledgement_lapses_after_the_rules_validity(customer, isotretinoin, approved):
    ack = risk_acknowledge(user=customer, product=isotretinoin, warning_text=WARNING)
    acknowledged_days_ago(ack, 31)

    with pytest.raises(UnableToPlaceOrder, match=r"more than 30 days ago\. Please read it and acknowledge it again"):
        order(customer, isotretinoin)
    assert Order.objects.count() == 0


def test_an_acknowledgement_counts_for_the_whole_validity(customer, isotretinoin, approved):
    ack = risk_acknowledge(user=customer, product=isotretinoin, warning_text=WARNING)
    acknowledged_days_ago(ack, 30)

    assert order(customer, isotretinoin).lines.count() == 1


def test_acknowledging_again_while_it_counts_changes_nothing(customer, isotretinoin):
    first = risk_acknowledge(user=customer, product=isotretinoin, warning_text=WARNING)

    again = risk_acknowledge(user=customer, product=isotretinoin, warning_text=WARNING)

    assert again.pk == first.pk
    assert RiskAcknowledgement.objects.count() == 1


def test_a_lapsed_acknowledgement_is_kept_beside_the_new_one(customer, isotretinoin):
    old = risk_acknowledge(user=customer, product=isotretinoin, warning_text=WARNING)
    acknowledged_days_ago(old, 40)

    new = risk_acknowledge(user=customer, product=isotretinoin, warning_text=WARNING)

    assert new.pk != old.pk
    assert set(RiskAcknowledgement.objects.values_list("pk", flat=True)) == {old.pk, new.pk}


def status_text(page):
    return " ".join(page.html.select_one(".pregnancy-warning").text.split())


def test_the_product_page_says_until_when_the_acknowledgement_counts(django_app, customer, isotretinoin):
    risk_acknowledge(user=customer, product=isotretinoin, warning_text=WARNING)

    page = django_app.get(isotretinoin.get_absolute_url(), user=customer)

    until = TODAY() + datetime.timedelta(days=30)
    assert f"We will ask you again after {until:%-d %B %Y}." in status_text(page)
    assert "acknowledge_form" not in page.forms


def test_the_product_page_asks_again_when_the_warning_changed(django_app, customer, isotretinoin):
    risk_acknowledge(user=customer, product=isotretinoin, warning_text="An older wording.")

    page = django_app.get(isotretinoin.get_absolute_url(), user=customer)

    assert "This warning has changed since you confirmed it on" in status_text(page)
    form = page.forms["acknowledge_form"]
    form["acknowledged"] = True
    done = form.submit(user=customer).follow()
    assert "You confirmed you read this warning on" in status_text(done)
    latest = RiskAcknowledgement.objects.latest("acknowledged_at")
    assert latest.warning_sha256 == warning_fingerprint(WARNING)


def test_the_product_page_asks_again_when_the_acknowledgement_lapsed(django_app, customer, isotretinoin):
    acknowledged_days_ago(risk_acknowledge(user=customer, product=isotretinoin, warning_text=WARNING), 45)

    page = django_app.get(isotretinoin.get_absolute_url(), user=customer)

    assert "For a new course of treatment, please read it again and confirm." in status_text(page)
    assert "acknowledge_form" in page.forms


def test_the_review_page_does_not_count_a_stale_acknowledgement(django_app, customer, isotretinoin):
    risk_acknowledge(user=customer, product=isotretinoin, warning_text="An older wording.")
    prescription = submit_prescription(customer, [isotretinoin])

    page = django_app.get(f"/dashboard/pharmacy/{prescription.public_id}/", user=pharmacist_user())

    assert "Risk not yet acknowledged by the customer" in page.html.select_one("#rules-title").parent.text
    stale = " ".join(page.html.select_one("#stale-acknowledgements").text.split())
    assert "its wording has changed since" in stale


def test_the_migration_fingerprints_the_acknowledgements_already_given(customer, isotretinoin):
    migration = importlib.import_module("prescriptions.migrations.0012_acknowledgement_fingerprint")
    ack = risk_acknowledge(user=customer, product=isotretinoin, warning_text=WARNING)
    RiskAcknowledgement.objects.filter(pk=ack.pk).update(warning_sha256="")

    migration.backfill(apps, None)

    assert RiskAcknowledgement.objects.get(pk=ack.pk).warning_sha256 == warning_fingerprint(WARNING)


def test_a_warning_edited_while_the_customer_read_it_is_not_recorded_as_read(django_app, customer, isotretinoin):
    page = django_app.get(isotretinoin.get_absolute_url(), user=customer)
    DrugInformation = get_model("catalogue", "DrugInformation")
    DrugInformation.objects.filter(pk=isotretinoin.drug_information_id).update(pregnancy_warning=WARNING + " Edited.")

    form = page.forms["acknowledge_form"]
    form["acknowledged"] = True
    done = form.submit(user=customer).follow()

    assert "The pregnancy warning was updated while you read it. Please read it again." in done.text
    assert not RiskAcknowledgement.objects.exists()
    assert "acknowledge_form" in done.forms


def test_a_variant_is_acknowledged_through_its_parents_warning(django_app, customer, isotretinoin):
    from tests.factories import ProductFactory

    isotretinoin.structure = "parent"
    isotretinoin.save()
    variant = ProductFactory(parent=isotretinoin, structure="child", product_class=None, title="Pack of 60")

    form = django_app.get(variant.get_absolute_url(), user=customer).forms["acknowledge_form"]
    form["acknowledged"] = True
    form.submit(user=customer)

    assert RiskAcknowledgement.objects.get().warning_sha256 == warning_fingerprint(WARNING)


def test_the_upload_form_preselects_a_variant_of_a_prescription_only_medicine(django_app, customer, isotretinoin):
    from tests.factories import ProductFactory

    isotretinoin.structure = "parent"
    isotretinoin.save()
    variant = ProductFactory(parent=isotretinoin, structure="child", product_class=None, title="Pack of 60")

    page = django_app.get(f"/accounts/prescriptions/upload/?product={variant.pk}", user=customer)

    assert page.html.select_one(f"input[name=products][value='{variant.pk}']").has_attr("checked")
