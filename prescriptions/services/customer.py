"""A customer's writes: uploading a prescription, acknowledging a pregnancy warning."""

from __future__ import annotations

import datetime
import logging
import secrets
from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalogue.models import Product
from prescriptions import notifications, tasks
from prescriptions.models import Prescription, PrescriptionEvent, RiskAcknowledgement, warning_fingerprint
from prescriptions.policy import acknowledgement_problem
from prescriptions.selectors.gate import has_acknowledged
from prescriptions.selectors.products import product_rules
from prescriptions.services.audit import log_event
from prescriptions.uploads import CleanFile

logger = logging.getLogger(__name__)


class PrescriptionNotStored(Exception):
    """The storage refused the file (disk full or read-only, a bucket error): nothing was kept."""


def prescription_submit(
    *,
    user: AbstractBaseUser,
    clean_file: CleanFile,
    patient_name: str,
    prescriber_name: str,
    prescriber_registration: str,
    issued_on: datetime.date,
    products: Iterable[Product],
    note: str = "",
) -> Prescription:
    """Store a checked upload and queue it for a pharmacist."""
    products = list(products)
    if not products:
        raise ValidationError(_("Choose the medicine this prescription is for."))
    prescription = Prescription(
        user=user,
        file_kind=clean_file.kind,
        content_type=clean_file.content_type,
        file_size=len(clean_file.content),
        file_sha256=clean_file.sha256,
        patient_name=patient_name.strip(),
        prescriber_name=prescriber_name.strip(),
        prescriber_registration=prescriber_registration.strip().upper(),
        issued_on=issued_on,
        note=note.strip(),
    )
    # A name the server makes up: nothing of the customer's file name is kept.
    name = secrets.token_hex(16) + clean_file.extension
    try:
        prescription.file.save(name, ContentFile(clean_file.content), save=False)
    except Exception as refused:
        _remove_partial(prescription.file.storage, prescription.file.field.generate_filename(prescription, name))
        logger.exception("Could not store an uploaded prescription")
        raise PrescriptionNotStored from refused
    try:
        with transaction.atomic():
            prescription.full_clean(exclude=["file"])
            prescription.save()
            prescription.products.set(products)
            log_event(
                prescription,
                actor=user,
                action=PrescriptionEvent.Action.SUBMITTED,
                to_status=Prescription.Status.PENDING,
            )
            notifications.send_on_commit(prescription, notifications.RECEIVED)
            if prescription.file_kind == Prescription.FileKind.PDF:
                # What the pharmacist will read, drawn by a worker: up to 15 s of a sandboxed renderer.
                tasks.draw_prescription_pages.enqueue(prescription.pk)
    except BaseException:
        # No row, no file: a stored file without its record would be health
        # data nobody can see or delete.
        prescription.file.storage.delete(prescription.file.name)
        raise
    return prescription


def _remove_partial(storage, name: str) -> None:
    """A write that failed half-way (a full disk) leaves the half; a failed delete is only logged."""
    try:
        if storage.exists(name):
            storage.delete(name)
    except Exception:
        logger.exception("Could not remove the partial upload %s", name)


def risk_acknowledge(*, user: AbstractBaseUser, product: Product, warning_text: str) -> RiskAcknowledgement:
    """Record that the customer read the pregnancy warning shown beside the checkbox.

    An acknowledgement that still counts for this wording is kept as it is;
    otherwise (none yet, the wording changed, or it lapsed) a new one is
    recorded beside the old.
    """
    latest = has_acknowledged(user=user, product=product)
    if (
        latest is not None
        and latest.warning_sha256 == warning_fingerprint(warning_text)
        and acknowledgement_problem(latest, product_rules(product=product), timezone.localdate()) is None
    ):
        return latest
    return RiskAcknowledgement.objects.create(user=user, product=product, warning_text=warning_text)
