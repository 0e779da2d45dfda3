"""When a prescription's retention is over, the stored copies of the messages about it go with it."""

import datetime
from io import StringIO

import pytest
from django.apps import apps
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from oscar.core.loading import get_class, get_model

from prescriptions import notifications
from prescriptions.models import NoticeCopy, Prescription
from prescriptions.services import scheduled
from prescriptions.services.decisions import prescription_reject, prescription_revoke
from prescriptions.services.scheduled import prescriptions_erase_expired
from shop.tasks import run_pending_tasks
from tests.factories import RxProductFactory, approve, pharmacist_user, submit_prescription
from tests.prescriptions.test_concurrency import TIMEOUT, pause_inside, start, wait_until_a_query_waits_for_a_lock
from tests.shop import queue_tasks

Email = get_model("communication", "Email")
Notification = get_model("communication", "Notification")
CommunicationEventType = get_model("communication", "CommunicationEventType")
Dispatcher = get_class("communication.utils", "Dispatcher")

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
REASON = "The date on it is unreadable."


@pytest.fixture
def medicine():
    return RxProductFactory(title="Isotretinoin 20 mg capsules")


@pytest.fixture
def other_medicine():
    return RxProductFactory(title="Clindamycin 1% gel")


@pytest.fixture
def sent(django_capture_on_commit_callbacks):
    """Run a service and send its messages as a committed request would (emails to Django's locmem outbox)."""

    def run(service, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return service(*args, **kwargs)

    return run


@pytest.fixture
def erase(django_capture_on_commit_callbacks):
    def run():
        with django_capture_on_commit_callbacks(execute=True):
            return prescriptions_erase_expired()

    return run


def uploaded_days_ago(prescription, days):
    Prescription.objects.filter(pk=prescription.pk).update(submitted_at=timezone.now() - days * DAY)


def stored_text() -> str:
    """Everything the database holds of emails, notices and task rows, as one text to search."""
    parts = []
    for email in Email.objects.all():
        parts += [email.subject, email.body_text, email.body_html]
    for notice in Notification.objects.all():
        parts += [notice.subject, notice.body]
    for row in DBTaskResult.objects.all():
        parts += [str(row.args_kwargs), str(row.return_value), row.traceback]
    return "\n".join(parts)


def rejected_and_expired(sent, customer, medicine):
    prescription = sent(submit_prescription, customer, [medicine])
    sent(prescription_reject, prescription=prescription, pharmacist=pharmacist_user(), reason=REASON)
    uploaded_days_ago(prescription, 366)
    return prescription


def test_erasing_a_prescription_deletes_its_stored_emails_and_notices_and_keeps_those_of_others(
    sent, erase, customer, medicine, other_medicine
):
    expired = rejected_and_expired(sent, customer, medicine)
    recent = sent(submit_prescription, customer, [other_medicine])
    sent(prescription_reject, prescription=recent, pharmacist=pharmacist_user(), reason="Signed by no one.")
    assert len(mail.outbox) == 4
    before = stored_text()
    assert expired.reference in before and "Isotretinoin" in before and REASON in before

    assert erase() == 1

    after = stored_text()
    for mark in (expired.reference, str(expired.public_id), "Isotretinoin", REASON):
        assert mark not in after
    assert Email.objects.filter(subject__contains=recent.reference).count() == 2
    assert Notification.objects.filter(subject__contains=recent.reference).count() == 2
    assert "Clindamycin 1% gel" in after and "Signed by no one." in after
    assert not NoticeCopy.objects.filter(prescription=expired).exists()


def test_an_expired_approval_loses_the_copies_that_listed_its_medicines_and_the_revocation_reason(
    sent, erase, customer, medicine
):
    prescription = sent(submit_prescription, customer, [medicine])
    sent(approve, prescription, quantity=1)
    sent(prescription_revoke, prescription=prescription, pharmacist=pharmacist_user(), reason="Doctor withdrew it")
    Prescription.objects.filter(pk=prescription.pk).update(valid_until=timezone.localdate() - DAY)
    uploaded_days_ago(prescription, 400)
    assert Email.objects.filter(user=customer).count() == 3

    assert erase() == 1

    assert not Email.objects.filter(user=customer).exists()
    assert not Notification.objects.filter(recipient=customer).exists()
    assert "Doctor withdrew it" not in stored_text()


def test_a_message_the_shop_reworded_without_the_reference_is_found_by_its_link(sent, erase, customer, medicine):
    # The shop edits these texts in the dashboard; a wording without the
    # reference or the page's address must still be found.
    CommunicationEventType.objects.filter(code=notifications.REJECTED).update(
        email_subject_template="About your upload",
        email_body_template="{% for p in prescription.products.all %}{{ p.get_title }} {% endfor %}"
        "{{ prescription.decision_reason }}",
        email_body_html_template="",
    )
    prescription = rejected_and_expired(sent, customer, medicine)
    reworded = Email.objects.get(subject="About your upload")
    assert prescription.reference not in reworded.body_text and REASON in reworded.body_text

    erase()

    assert not Email.objects.filter(pk=reworded.pk).exists()
    assert not Notification.objects.filter(subject="About your upload").exists()
    assert REASON not in stored_text()


def test_copies_stored_before_they_were_linked_are_found_by_the_reference_in_their_text(erase, customer, medicine):
    prescription = submit_prescription(customer, [medicine])
    prescription_reject(prescription=prescription, pharmacist=pharmacist_user(), reason=REASON)
    # The tests run queued emails at once: their copies lose their links, as if stored before links existed.
    NoticeCopy.objects.all().delete()
    # What notifications.send stored before copies had links: Oscar's own dispatcher.
    context = {"prescription": prescription, "user": customer, "status_url": "", "status_path": ""}
    messages = CommunicationEventType.objects.get_and_render(notifications.REJECTED, context)
    Dispatcher().dispatch_user_messages(customer, messages)
    Dispatcher().notify_user(customer, messages["subject"], body=messages["body"])
    assert Email.objects.filter(user=customer).exists() and not NoticeCopy.objects.exists()
    uploaded_days_ago(prescription, 366)

    erase()

    assert not Email.objects.filter(user=customer).exists()
    assert not Notification.objects.filter(recipient=customer).exists()


def test_queued_and_finished_task_rows_about_the_prescription_are_deleted(
    settings, sent, erase, customer, medicine, other_medicine
):
    # Emails sent by a worker keep their text in the queue's rows: one already
    # sent, one still waiting, and one about a prescription that is kept.
    prescription = rejected_and_expired(sent, customer, medicine)
    kept = submit_prescription(customer, [other_medicine])
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    queue_tasks.send_note.enqueue(customer.email, f"Your prescription {prescription.reference}: {REASON}")
    assert run_pending_tasks() == 1
    page = f"/accounts/prescriptions/{prescription.public_id}/"
    queue_tasks.send_note.enqueue(customer.email, f"Isotretinoin, see {page}")
    queue_tasks.send_note.enqueue(customer.email, f"Your prescription {kept.reference} is being checked")
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 1

    erase()

    text = stored_text()
    assert prescription.reference not in text and str(prescription.public_id) not in text
    [left] = DBTaskResult.objects.all()
    assert kept.reference in left.args_kwargs["args"][1]


def test_a_task_running_now_is_left_to_its_worker(settings, sent, erase, customer, medicine):
    prescription = rejected_and_expired(sent, customer, medicine)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    queue_tasks.send_note.enqueue(customer.email, f"Your prescription {prescription.reference}")
    DBTaskResult.objects.update(status="RUNNING", started_at=timezone.now())

    erase()

    assert DBTaskResult.objects.filter(status="RUNNING").count() == 1
    assert not Email.objects.filter(user=customer).exists()


def test_the_daily_command_erases_the_copies_too(sent, customer, medicine, django_capture_on_commit_callbacks):
    prescription = rejected_and_expired(sent, customer, medicine)

    with django_capture_on_commit_callbacks(execute=True):
        call_command("erase_expired_prescriptions", stdout=StringIO())

    assert prescription.reference not in stored_text()
    assert not Notification.objects.filter(recipient=customer).exists()


def test_nothing_more_is_sent_or_stored_about_an_erased_prescription(sent, erase, customer, medicine):
    prescription = rejected_and_expired(sent, customer, medicine)
    erase()
    mail.outbox.clear()

    notifications.send(prescription.pk, notifications.REJECTED)

    assert mail.outbox == []
    assert not Email.objects.exists() and not Notification.objects.exists()


def test_an_erasure_that_fails_keeps_the_copies_with_the_details_it_did_not_erase(
    monkeypatch, sent, customer, medicine
):
    prescription = rejected_and_expired(sent, customer, medicine)

    def broken(*args, **kwargs):
        raise RuntimeError("the audit could not be written")

    monkeypatch.setattr(scheduled, "log_event", broken)
    with pytest.raises(RuntimeError):
        prescriptions_erase_expired()

    prescription.refresh_from_db()
    assert prescription.erased_at is None and prescription.patient_name
    assert Email.objects.filter(user=customer).count() == 2
    assert NoticeCopy.objects.filter(prescription=prescription).count() == 4


@pytest.mark.django_db(transaction=True, available_apps=[app.name for app in apps.get_app_configs()])
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite ignores SELECT ... FOR UPDATE")
def test_a_message_sent_while_its_prescription_is_being_erased_leaves_no_copy(monkeypatch, customer, medicine):
    # Committed for real: the sending and the erasure each run on their own
    # connection, as a worker and the daily job would.
    prescription = submit_prescription(customer, [medicine])
    prescription_reject(prescription=prescription, pharmacist=pharmacist_user(), reason=REASON)
    uploaded_days_ago(prescription, 366)
    paused, reached, release = pause_inside(scheduled, "log_event")
    monkeypatch.setattr(scheduled, "log_event", paused)

    erasing = start(prescriptions_erase_expired)
    assert reached.wait(TIMEOUT)  # copies deleted, the prescription's row still locked
    sending = start(lambda: notifications.send(prescription.pk, notifications.REJECTED))
    wait_until_a_query_waits_for_a_lock()
    release.set()

    assert erasing() == 1
    sending()
    assert mail.outbox[-1].subject == f"Your prescription {prescription.reference} was not approved"
    assert not Email.objects.filter(user=customer).exists()
    assert not Notification.objects.filter(recipient=customer).exists()
