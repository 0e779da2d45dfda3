"""Prescription files and patient details are deleted when the privacy page says they will be."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from oscar.apps.partner.strategy import Default
from oscar.core.loading import get_model
from oscar.test.factories import create_order

from prescriptions.models import DispensingPolicy, Prescription, PrescriptionEvent, prescription_storage
from prescriptions.services.decisions import DecisionNotAllowed, prescription_reject
from prescriptions.services.scheduled import prescriptions_erase_expired
from tests.factories import RxProductFactory, approve, pharmacist_user, submit_prescription

Basket = get_model("basket", "Basket")

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


@pytest.fixture
def medicine():
    product = RxProductFactory(title="Tretinoin 0.05% cream")
    DispensingPolicy.objects.create(product=product, validity_days=90, refills_allowed=True)
    return product


def uploaded_days_ago(prescription, days):
    Prescription.objects.filter(pk=prescription.pk).update(submitted_at=timezone.now() - days * DAY)
    prescription.refresh_from_db()
    return prescription


def supplied(customer, prescription, product, *, days_ago):
    basket = Basket.objects.create(owner=customer)
    basket.strategy = Default()
    basket.add_product(product, 1)
    order = create_order(basket=basket, user=customer)
    prescription.dispenses.filter(order_line__order=order).update(created_at=timezone.now() - days_ago * DAY)
    return order


def files_of(prescription):
    return prescription_storage().exists(prescription.file.name)


@pytest.fixture
def erase(django_capture_on_commit_callbacks):
    """Run the retention rule as the daily job does, files deleted once its transaction commits."""

    def run():
        with django_capture_on_commit_callbacks(execute=True):
            return prescriptions_erase_expired()

    return run


def ended(prescription):
    """An approval whose date has passed, so nothing more can be ordered against it."""
    Prescription.objects.filter(pk=prescription.pk).update(valid_until=timezone.localdate() - DAY)


def test_a_rejected_prescription_is_erased_a_year_after_upload(customer, medicine, erase):
    prescription = submit_prescription(customer, [medicine], note="Please hurry", patient_name="Sana Qureshi")
    prescription_reject(prescription=prescription, pharmacist=pharmacist_user(), reason="Unreadable")
    name = prescription.file.name
    uploaded_days_ago(prescription, 366)

    assert erase() == 1

    prescription.refresh_from_db()
    assert prescription.erased_at is not None
    assert (prescription.patient_name, prescription.note, prescription.file.name) == ("", "", "")
    assert not prescription_storage().exists(name)
    assert prescription.reference and prescription.prescriber_name == "Dr. Farah Khan"
    assert list(prescription.products.all()) == [medicine]
    assert prescription.events.filter(action=PrescriptionEvent.Action.ERASED).count() == 1


def test_nothing_younger_than_its_period_is_erased(customer, medicine, erase):
    unused = uploaded_days_ago(submit_prescription(customer, [medicine]), 364)
    used = approve(submit_prescription(customer, [medicine]), quantity=2)
    uploaded_days_ago(used, 3000)
    supplied(customer, used, medicine, days_ago=4 * 365)
    ended(used)

    assert erase() == 0
    assert files_of(unused) and files_of(used)


def test_a_prescription_supplied_against_is_kept_five_years_after_the_last_supply(customer, medicine, erase):
    prescription = approve(submit_prescription(customer, [medicine]), quantity=2)
    uploaded_days_ago(prescription, 3000)
    supplied(customer, prescription, medicine, days_ago=6 * 365)
    supplied(customer, prescription, medicine, days_ago=5 * 365 + 1)
    ended(prescription)

    assert erase() == 1
    prescription.refresh_from_db()
    assert prescription.erased_at is not None
    assert prescription.dispenses.count() == 2  # the register of what was supplied stays


def test_an_approval_that_can_still_be_ordered_against_is_never_erased(customer, medicine, erase):
    prescription = approve(
        submit_prescription(customer, [medicine]), valid_until=timezone.localdate() + 10 * DAY, quantity=2
    )
    uploaded_days_ago(prescription, 400)

    assert erase() == 0


def test_an_erased_prescription_has_no_file_to_open_and_cannot_be_decided(django_app, customer, medicine, erase):
    prescription = uploaded_days_ago(submit_prescription(customer, [medicine]), 400)
    erase()
    pharmacist = pharmacist_user()

    django_app.get(f"/accounts/prescriptions/{prescription.public_id}/file/", user=customer, status=404)
    django_app.get(f"/accounts/prescriptions/{prescription.public_id}/file/", user=pharmacist, status=404)
    mine = django_app.get(f"/accounts/prescriptions/{prescription.public_id}/", user=customer)
    assert "Deleted on" in mine.html.select_one("#file-erased").text
    review = django_app.get(f"/dashboard/pharmacy/{prescription.public_id}/", user=pharmacist)
    assert "were deleted on" in review.html.select_one("#file-erased").text
    with pytest.raises(DecisionNotAllowed):
        prescription_reject(prescription=prescription, pharmacist=pharmacist, reason="Too old")


def test_the_daily_command_erases_and_says_how_many(customer, medicine):
    uploaded_days_ago(submit_prescription(customer, [medicine]), 400)
    out = StringIO()

    call_command("erase_expired_prescriptions", stdout=out)

    assert out.getvalue().strip() == "Erased 1 prescription(s) past their retention period."
    assert Prescription.objects.get().erased_at is not None
