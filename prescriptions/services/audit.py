"""The audit trail: every write that changes a prescription appends an event here."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from prescriptions.models import Prescription, PrescriptionEvent


def log_event(
    prescription: Prescription,
    *,
    actor: AbstractBaseUser | AnonymousUser | None,
    action: str,
    from_status: str = "",
    to_status: str = "",
    reason: str = "",
    checklist: dict | None = None,
    data: dict | None = None,
) -> PrescriptionEvent:
    return PrescriptionEvent.objects.create(
        prescription=prescription,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        checklist=checklist or {},
        data=data or {},
    )
