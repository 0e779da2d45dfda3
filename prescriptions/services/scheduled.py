"""The daily jobs: reminders before an approval ends, and erasure when retention is over."""

from __future__ import annotations

import datetime
from functools import partial

from django.db import transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from prescriptions import notifications
from prescriptions.models import Dispense, Prescription, PrescriptionEvent, prescription_storage
from prescriptions.previews import preview_names
from prescriptions.services.audit import log_event

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
    never erased.
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
            log_event(prescription, actor=None, action=Action.ERASED)
            # Only once the record says so: a failure before this keeps the file.
            transaction.on_commit(partial(_delete_files, prescription_storage(), names))
            erased += 1
    return erased


def _delete_files(storage, names: list[str]) -> None:
    for name in names:
        storage.delete(name)
