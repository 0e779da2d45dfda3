"""The daily jobs: reminders before an approval ends, and erasure when retention is over."""

from __future__ import annotations

import datetime
import logging
from functools import partial

from django.db import transaction
from django.db.models import OuterRef, Q, Subquery, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from oscar.core.loading import get_model

from prescriptions import notifications
from prescriptions.models import Dispense, NoticeCopy, Prescription, PrescriptionEvent, prescription_storage
from prescriptions.previews import preview_names
from prescriptions.services.audit import log_event

logger = logging.getLogger(__name__)

Email = get_model("communication", "Email")
Notification = get_model("communication", "Notification")

Status = Prescription.Status
Action = PrescriptionEvent.Action


def prescriptions_send_expiry_reminders(*, today: datetime.date | None = None, days_ahead: int = 3) -> int:
    """Email customers whose approved prescription, with quantity left, ends within ``days_ahead`` days."""
    today = today or timezone.localdate()
    due = (
        Prescription.objects.filter(
            status=Status.APPROVED,
            valid_until__gte=today,
            valid_until__lte=today + datetime.timedelta(days=days_ahead),
            expiry_reminder_sent_at__isnull=True,
            items__quantity_remaining__gt=0,
        )
        .distinct()
        .values_list("pk", flat=True)
    )
    sent = 0
    for pk in due:
        with transaction.atomic():
            prescription = Prescription.objects.select_for_update().get(pk=pk)
            if prescription.expiry_reminder_sent_at is not None:
                continue
            prescription.expiry_reminder_sent_at = timezone.now()
            prescription.save(update_fields=["expiry_reminder_sent_at"])
            log_event(prescription, actor=None, action=Action.REMINDER_SENT)
            notifications.send_on_commit(prescription, notifications.EXPIRING)
            sent += 1
    return sent


# How long a prescription's file and the patient's details are kept (the
# shop's privacy page promises these): a prescription medicine was supplied
# against for five years after the last supply, as a pharmacy record; any
# other for one year after it was uploaded.
KEEP_UNUSED = datetime.timedelta(days=365)
KEEP_AFTER_LAST_SUPPLY = datetime.timedelta(days=5 * 365)


def prescriptions_erase_expired(*, now: datetime.datetime | None = None) -> int:
    """Delete the files and patient details whose retention period is over; returns how many.

    What stays is the pharmacy's record: the reference, the doctor, the date of
    issue, the medicines, the decisions and the audit trail (which says when
    and why the rest went). An approval that can still be ordered against is
    never erased. The stored copies of the messages about it go in the same
    transaction (``erase_copies``).
    """
    now = now or timezone.now()
    last_supply = Dispense.objects.filter(prescription=OuterRef("pk")).order_by("-created_at").values("created_at")[:1]
    due = (
        Prescription.objects.filter(erased_at__isnull=True)
        .annotate(last_supply=Subquery(last_supply))
        .filter(
            Q(last_supply__isnull=True, submitted_at__lt=now - KEEP_UNUSED)
            | Q(last_supply__lt=now - KEEP_AFTER_LAST_SUPPLY)
        )
        .exclude(status=Status.APPROVED, valid_until__gte=timezone.localdate(now))
        .values_list("pk", flat=True)
    )
    erased = 0
    for pk in due:
        with transaction.atomic():
            prescription = Prescription.objects.select_for_update().get(pk=pk)
            if prescription.erased_at is not None:
                continue
            names = [prescription.file.name, *preview_names(prescription.file.name)] if prescription.file else []
            prescription.erased_at = now
            prescription.patient_name = ""
            prescription.note = ""
            prescription.file = ""
            prescription.save(update_fields=["erased_at", "patient_name", "note", "file"])
            erase_copies(prescription)
            log_event(prescription, actor=None, action=Action.ERASED)
            # Only once the record says so: a failure before this keeps the file.
            transaction.on_commit(partial(_delete_files, prescription_storage(), names))
            erased += 1
    return erased


def erase_copies(prescription: Prescription) -> int:
    """Delete every stored copy of a message about ``prescription``; returns the rows deleted, links included.

    The pharmacy's register keeps the medicines and the decisions; these are
    the customer's copies of them, which the privacy page does not promise to
    keep: Oscar's stored emails and account notices, and the task queue's rows
    (an email queued or sent by a worker keeps its text in its arguments; the
    queue's tracebacks hold no exception text, see ``shop.tasks``). Copies are
    found by their link (``NoticeCopy``), and also by the reference or the
    page address in their text, which every message about a prescription
    carries: that finds copies stored before the links existed. A task a
    worker is running now is left to it (deleting its row would fail the
    worker); the prune job removes the row a week after it finished.

    What stays on purpose: the audit trail (``PrescriptionEvent``, with the
    pharmacist's reasons) is the pharmacy's legal record of who decided what
    and why, kept as long as the register, and the database refuses changes
    to its rows. Flash messages ("We received prescription RX-...") name only
    the reference, live in the visitor's cookie or session, and are gone once
    shown.
    """
    user = prescription.user
    marks = (prescription.reference, str(prescription.public_id))
    links = NoticeCopy.objects.filter(prescription=prescription)
    email_ids = links.filter(email__isnull=False).values("email")
    notice_ids = links.filter(notification__isnull=False).values("notification")

    email_text = Q()
    notice_text = Q()
    task_text = Q()
    for mark in marks:
        email_text |= Q(subject__contains=mark) | Q(body_text__contains=mark) | Q(body_html__contains=mark)
        notice_text |= Q(subject__contains=mark) | Q(body__contains=mark)
        task_text |= Q(args_text__contains=mark)

    deleted = Email.objects.filter(Q(pk__in=email_ids) | Q(email_text, user=user)).delete()[0]
    deleted += Notification.objects.filter(Q(pk__in=notice_ids) | Q(notice_text, recipient=user)).delete()[0]
    tasks = (
        DBTaskResult.objects.exclude(status="RUNNING")
        .annotate(args_text=Cast("args_kwargs", TextField()))
        .filter(task_text)
    )
    deleted += DBTaskResult.objects.filter(pk__in=list(tasks.values_list("pk", flat=True))).delete()[0]
    return deleted


def _delete_files(storage, names: list[str]) -> None:
    for name in names:
        storage.delete(name)


# A file younger than this may belong to an upload whose row is still being
# written; an hour is far longer than any upload takes.
ORPHAN_GRACE = datetime.timedelta(hours=1)


def prescription_files_sweep_orphans(*, now: datetime.datetime | None = None) -> int:
    """Delete stored files that no prescription owns and that are older than ``ORPHAN_GRACE``; returns how many.

    An upload whose row was never written (a worker killed between the two),
    or an erased prescription whose file could not be deleted then, leaves
    health data nobody can see. A file belongs to a prescription when its name
    up to the first dot is that prescription's file's: the PDF, and the page
    pictures drawn beside it (``previews``).
    """
    now = now or timezone.now()
    storage = prescription_storage()
    swept = 0
    for folder, names in _stored_files(storage):
        owned = {
            name.split(".", 1)[0]
            for name in Prescription.objects.filter(file__startswith=f"{folder}/").values_list("file", flat=True)
        }
        for name in names:
            if name.split(".", 1)[0] in owned or storage.get_modified_time(name) > now - ORPHAN_GRACE:
                continue
            storage.delete(name)
            logger.warning("Deleted %s: no prescription owns it", name)
            swept += 1
    return swept


def _stored_files(storage):
    """(folder, [its files' names]) for each folder of the storage (files sit one folder deep)."""
    try:
        folders, _files = storage.listdir("")
    except FileNotFoundError:
        return
    for folder in folders:
        _subfolders, files = storage.listdir(folder)
        yield folder, [f"{folder}/{name}" for name in files]
