"""Emails and on-site notices about a customer's prescriptions.

Each message is an Oscar communication event type, so the shop can rewrite its
text in the dashboard (Content > Email templates); the files under
templates/oscar/communication/emails/ are the defaults. Messages say what
happened and link to the prescription's page; they never carry the file.
The emails leave through the task queue (``shop.emails``).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.sites.models import Site
from django.db import transaction
from django.urls import reverse
from oscar.core.loading import get_class, get_model

from prescriptions.models import NoticeCopy, Prescription
from shop.emails import EMAIL_BACKOFF
from shop.tasks import retrying_task

logger = logging.getLogger(__name__)

CommunicationEventType = get_model("communication", "CommunicationEventType")
Notification = get_model("communication", "Notification")
Dispatcher = get_class("communication.utils", "Dispatcher")

RECEIVED = "PRESCRIPTION_RECEIVED"
APPROVED = "PRESCRIPTION_APPROVED"
REJECTED = "PRESCRIPTION_REJECTED"
RESUBMIT = "PRESCRIPTION_RESUBMIT"
REVOKED = "PRESCRIPTION_REVOKED"
EXPIRING = "PRESCRIPTION_EXPIRING"

EVENT_TYPES = {
    RECEIVED: "Prescription received",
    APPROVED: "Prescription approved",
    REJECTED: "Prescription rejected",
    RESUBMIT: "Prescription: clearer upload requested",
    REVOKED: "Prescription revoked",
    EXPIRING: "Prescription approval about to expire",
}


class CopyRecordingDispatcher(Dispatcher):
    """Oscar's dispatcher, linking every copy it stores to the prescription the message is about.

    Oscar keeps a copy of each email sent to a user and each notice in their
    account; the retention rule finds them by this link and deletes them with
    the prescription's details. Each copy is written with its link or not at
    all, under a lock on the prescription's row, which the retention rule
    takes too: a copy is either there before the erasure, which then deletes
    it, or finds the prescription erased and is not kept.
    """

    def __init__(self, prescription: Prescription, **kwargs):
        super().__init__(**kwargs)
        self.prescription = prescription

    def _still_kept(self) -> bool:
        return Prescription.objects.select_for_update().filter(pk=self.prescription.pk, erased_at__isnull=True).exists()

    def create_email(self, user, messages, email):
        with transaction.atomic():
            if not self._still_kept():
                return None
            row = super().create_email(user, messages, email)
            if row is not None:
                NoticeCopy.objects.create(prescription=self.prescription, email=row)
        return row

    def notify_user(self, user, subject, **kwargs):
        with transaction.atomic():
            if not self._still_kept():
                return
            notice = Notification.objects.create(recipient=user, subject=subject, **kwargs)
            NoticeCopy.objects.create(prescription=self.prescription, notification=notice)


def send_on_commit(prescription: Prescription, code: str) -> None:
    """Leave the notice in the customer's account and queue the email, both in the caller's transaction.

    The queue's row commits or rolls back with the decision; a worker sends the
    email once the decision is committed, and retries it while the mail server
    is away. The task carries only the prescription's id and the message code:
    the worker renders the message, so no health data waits in the queue.
    """
    try:
        # A message template broken in the dashboard must not undo the decision.
        with transaction.atomic():
            loaded = _load(prescription.pk)
            messages = _render(loaded, code)
            dispatcher = CopyRecordingDispatcher(loaded, logger=logger)
            dispatcher.notify_user(loaded.user, messages["subject"], body=messages["body"])
    except Exception:
        logger.exception("Could not leave the %s notice for prescription id %s", code, prescription.pk)
    send_email.enqueue(prescription.pk, code)


@retrying_task(backoff=EMAIL_BACKOFF)
def send_email(prescription_pk: int, code: str) -> None:
    """Email the customer about their prescription (a worker runs this; a failure is retried)."""
    send(prescription_pk, code)


def send(prescription_pk: int, code: str) -> None:
    prescription = _load(prescription_pk)
    if prescription.erased_at is not None:
        # Nothing more is said about a prescription whose retention is over.
        return
    CopyRecordingDispatcher(prescription, logger=logger).dispatch_user_messages(
        prescription.user, _render(prescription, code)
    )


def _load(prescription_pk: int) -> Prescription:
    return (
        Prescription.objects.select_related("user")
        .prefetch_related("products", "items__product")
        .get(pk=prescription_pk)
    )


def _render(prescription: Prescription, code: str) -> dict:
    path = reverse("prescriptions:detail", kwargs={"public_id": prescription.public_id})
    site = Site.objects.get_current()
    context = {
        "prescription": prescription,
        "user": prescription.user,
        "site": site,
        "status_path": path,
        "status_url": f"{settings.OSCAR_URL_SCHEMA}://{site.domain}{path}",
    }
    return CommunicationEventType.objects.get_and_render(code, context)
