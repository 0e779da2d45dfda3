"""Customers hear about their prescriptions by email and in their account."""

import datetime
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from oscar.core.loading import get_model

from prescriptions.models import DispensingPolicy, Prescription
from prescriptions.services.decisions import prescription_reject, prescription_request_resubmit, prescription_revoke
from prescriptions.services.scheduled import prescriptions_send_expiry_reminders
from shop.tasks import run_pending_tasks
from tests.factories import RxProductFactory, approve, pharmacist_user, submit_prescription

Notification = get_model("communication", "Notification")
CommunicationEventType = get_model("communication", "CommunicationEventType")

pytestmark = pytest.mark.django_db


@pytest.fixture
def rx_product():
    """Packs of 30 capsules, at most 4 a day: an approval for 30 days' supply covers up to 4 packs."""
    product = RxProductFactory(title="Isotretinoin 20 mg capsules")
    DispensingPolicy.objects.create(product=product, units_per_pack=30, max_units_per_day=4)
    return product


def test_an_upload_is_acknowledged_by_email(customer, rx_product, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        prescription = submit_prescription(customer, [rx_product])

    [email] = mail.outbox
    assert email.to == [customer.email]
    assert email.subject == f"We received your prescription {prescription.reference}"
    assert "Isotretinoin 20 mg capsules" in email.body
    assert f"/accounts/prescriptions/{prescription.public_id}/" in email.body
    assert email.alternatives and "<strong>" in email.alternatives[0][0]


def test_an_approval_is_emailed_with_what_it_covers_and_until_when(
    customer, rx_product, django_capture_on_commit_callbacks
):
    prescription = submit_prescription(customer, [rx_product])
    until = timezone.localdate() + datetime.timedelta(days=20)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        approve(prescription, quantity=2, valid_until=until)

    [email] = mail.outbox
    assert email.subject == f"Your prescription {prescription.reference} is approved"
    assert f"until {until.strftime('%-d %B %Y')}" in email.body
    assert "Isotretinoin 20 mg capsules: 2 packs" in email.body


def test_a_rejection_is_emailed_with_the_reason_and_noted_in_the_account(
    customer, rx_product, django_capture_on_commit_callbacks
):
    prescription = submit_prescription(customer, [rx_product])
    mail.outbox.clear()
    Notification.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        prescription_reject(prescription=prescription, pharmacist=pharmacist_user(), reason="The date is unreadable.")

    [email] = mail.outbox
    assert email.subject == f"Your prescription {prescription.reference} was not approved"
    assert "Reason: The date is unreadable." in email.body
    notice = Notification.objects.get(recipient=customer)
    assert notice.subject == email.subject


def test_resubmit_and_revoke_are_emailed(customer, rx_product, django_capture_on_commit_callbacks):
    pharmacist = pharmacist_user()
    first = submit_prescription(customer, [rx_product])
    second = approve(submit_prescription(customer, [rx_product]), by=pharmacist)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        prescription_request_resubmit(prescription=first, pharmacist=pharmacist, reason="Photo is blurred")
        prescription_revoke(prescription=second, pharmacist=pharmacist, reason="Doctor withdrew it")

    subjects = [m.subject for m in mail.outbox]
    assert subjects == [
        f"Please send a clearer copy of prescription {first.reference}",
        f"Your prescription {second.reference} was withdrawn",
    ]


def test_nothing_is_queued_or_noted_when_the_decision_is_rolled_back(customer, rx_product, settings):
    prescription = submit_prescription(customer, [rx_product])
    Notification.objects.all().delete()
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    with pytest.raises(RuntimeError), transaction.atomic():
        prescription_reject(prescription=prescription, pharmacist=pharmacist_user(), reason="The date is unreadable.")
        assert DBTaskResult.objects.filter(task_path="prescriptions.notifications.send_email").count() == 1
        raise RuntimeError("the request failed after the decision")

    assert not DBTaskResult.objects.exists()
    assert not Notification.objects.exists()


def test_the_shop_can_rewrite_a_message_in_the_dashboard(customer, rx_product, django_capture_on_commit_callbacks):
    CommunicationEventType.objects.filter(code="PRESCRIPTION_RECEIVED").update(
        email_subject_template="Got it: {{ prescription.reference }}", email_body_template="Thanks!"
    )

    with django_capture_on_commit_callbacks(execute=True):
        prescription = submit_prescription(customer, [rx_product])

    assert mail.outbox[0].subject == f"Got it: {prescription.reference}"
    assert mail.outbox[0].body == "Thanks!"


def test_a_mail_server_failure_does_not_undo_the_decision(
    customer, rx_product, django_capture_on_commit_callbacks, settings
):
    settings.EMAIL_BACKEND = "tests.prescriptions.test_notifications.BrokenBackend"
    prescription = submit_prescription(customer, [rx_product])

    with django_capture_on_commit_callbacks(execute=True):
        approve(prescription)

    prescription.refresh_from_db()
    assert prescription.status == "approved"


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


def test_expiry_reminders_go_once_shortly_before_the_end(customer, rx_product, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    soon = approve(
        submit_prescription(customer, [rx_product]), quantity=2, valid_until=today + datetime.timedelta(days=2)
    )
    approve(submit_prescription(customer, [rx_product]), quantity=2, valid_until=today + datetime.timedelta(days=20))
    used_up = approve(
        submit_prescription(customer, [rx_product]), quantity=1, valid_until=today + datetime.timedelta(days=1)
    )
    used_up.items.update(quantity_remaining=0)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert prescriptions_send_expiry_reminders(today=today, days_ahead=3) == 1
        assert prescriptions_send_expiry_reminders(today=today, days_ahead=3) == 0

    [email] = mail.outbox
    assert email.subject == f"Your prescription {soon.reference} expires soon"
    assert "Isotretinoin 20 mg capsules: 2 packs left" in email.body


def test_the_reminder_command_reports_what_it_sent(customer, rx_product):
    approve(submit_prescription(customer, [rx_product]), valid_until=timezone.localdate() + datetime.timedelta(days=1))
    out = StringIO()

    call_command("send_prescription_reminders", stdout=out)

    assert out.getvalue().strip() == "Sent 1 expiry reminder(s)."


def test_a_message_template_broken_in_the_dashboard_does_not_undo_the_decision(customer, rx_product, settings):
    prescription = submit_prescription(customer, [rx_product])
    Notification.objects.all().delete()
    CommunicationEventType.objects.update_or_create(
        code="PRESCRIPTION_APPROVED",
        defaults={"name": "Prescription approved", "email_subject_template": "{% if %}", "category": "User related"},
    )
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    approve(prescription)

    prescription.refresh_from_db()
    assert prescription.status == "approved"
    assert not Notification.objects.exists()
    [queued] = DBTaskResult.objects.all()
    assert queued.args_kwargs["args"] == [prescription.pk, "PRESCRIPTION_APPROVED"]


def test_an_email_still_queued_when_its_prescription_is_erased_is_not_sent(customer, rx_product, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    prescription = submit_prescription(customer, [rx_product])
    Prescription.objects.filter(pk=prescription.pk).update(erased_at=timezone.now())

    assert run_pending_tasks() == 1

    assert mail.outbox == []
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
