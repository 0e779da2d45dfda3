"""A pharmacist's decisions about a prescription: approve, reject, ask for a clearer copy, revoke."""

from __future__ import annotations

from collections.abc import Mapping

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalogue.models import Product
from prescriptions import notifications
from prescriptions.approval import Approval, approval_problems, approved_quantities
from prescriptions.messages import approval_problem_text
from prescriptions.models import Prescription, PrescriptionEvent, PrescriptionItem
from prescriptions.roles import can_review_prescriptions
from prescriptions.selectors.products import rules_for_ids
from prescriptions.services.audit import log_event

Status = Prescription.Status
Action = PrescriptionEvent.Action


class DecisionNotAllowed(ValidationError):
    """A pharmacist's decision breaks a rule (own prescription, already decided...)."""


@transaction.atomic
def prescription_approve(
    *, prescription: Prescription, pharmacist: AbstractBaseUser, approval: Approval, checklist: dict | None = None
) -> Prescription:
    """Approve a pending prescription for the given products and quantities.

    Refused unless every item of the pharmacist's checklist that applies is
    ticked, and the approval keeps to each product's dispensing rules
    (``approval.approval_problems``). The audit event records the checklist
    and the terms approved.
    """
    prescription = _lock_for_decision(prescription, pharmacist, allowed=(Status.PENDING,))
    requested = set(prescription.products.values_list("pk", flat=True))
    problems = approval_problems(
        approval=approval,
        checklist=checklist or {},
        issued_on=prescription.issued_on,
        requested_product_ids=requested,
        rules=rules_for_ids(product_ids=requested),
        today=timezone.localdate(),
    )
    if problems:
        raise DecisionNotAllowed(_refusals(problems))
    quantities = approved_quantities(approval)

    prescription.status = Status.APPROVED
    prescription.valid_until = approval.valid_until
    prescription.days_supply = approval.days_supply
    prescription.patient_can_become_pregnant = approval.patient_can_become_pregnant
    prescription.pregnancy_test_on = approval.pregnancy_test_on
    _decide(prescription, pharmacist, reason="")
    PrescriptionItem.objects.bulk_create(
        PrescriptionItem(prescription=prescription, product=product, quantity_approved=qty, quantity_remaining=qty)
        for product, qty in quantities.items()
    )
    log_event(
        prescription,
        actor=pharmacist,
        action=Action.APPROVED,
        from_status=Status.PENDING,
        to_status=Status.APPROVED,
        checklist=checklist or {},
        data=_approval_terms(approval, quantities),
    )
    notifications.send_on_commit(prescription, notifications.APPROVED)
    return prescription


@transaction.atomic
def prescription_reject(
    *, prescription: Prescription, pharmacist: AbstractBaseUser, reason: str, checklist: dict | None = None
) -> Prescription:
    return _refuse(
        prescription, pharmacist, reason, checklist, Status.REJECTED, Action.REJECTED, notifications.REJECTED
    )


@transaction.atomic
def prescription_request_resubmit(
    *, prescription: Prescription, pharmacist: AbstractBaseUser, reason: str, checklist: dict | None = None
) -> Prescription:
    return _refuse(
        prescription, pharmacist, reason, checklist, Status.RESUBMIT, Action.RESUBMIT_REQUESTED, notifications.RESUBMIT
    )


@transaction.atomic
def prescription_revoke(*, prescription: Prescription, pharmacist: AbstractBaseUser, reason: str) -> Prescription:
    """Withdraw an approval. Orders already placed stand; nothing more can be ordered against it."""
    prescription = _lock_for_decision(prescription, pharmacist, allowed=(Status.APPROVED,))
    if not reason.strip():
        raise DecisionNotAllowed(_("Say why the prescription is revoked; the customer will see it."))
    prescription.status = Status.REVOKED
    _decide(prescription, pharmacist, reason=reason)
    log_event(
        prescription,
        actor=pharmacist,
        action=Action.REVOKED,
        from_status=Status.APPROVED,
        to_status=Status.REVOKED,
        reason=reason,
    )
    notifications.send_on_commit(prescription, notifications.REVOKED)
    return prescription


def prescription_log_file_view(*, prescription: Prescription, viewer: AbstractBaseUser) -> None:
    """Staff opening a customer's file is recorded; the owner looking at their own is not."""
    if viewer.pk != prescription.user_id:
        log_event(prescription, actor=viewer, action=Action.FILE_VIEWED)


def _refusals(problems) -> list[ValidationError]:
    """One error per sentence, each carrying its problem's code."""
    errors: dict[str, ValidationError] = {}
    for problem in problems:
        text = approval_problem_text(problem)
        errors.setdefault(text, ValidationError(text, code=problem.code.value))
    return list(errors.values())


def _lock_for_decision(prescription: Prescription, pharmacist: AbstractBaseUser, *, allowed) -> Prescription:
    locked = Prescription.objects.select_for_update().get(pk=prescription.pk)
    if not can_review_prescriptions(pharmacist):
        raise DecisionNotAllowed(_("Only pharmacists can decide prescriptions."))
    if locked.user_id == pharmacist.pk:
        raise DecisionNotAllowed(_("You cannot decide a prescription you uploaded yourself."))
    if locked.erased_at is not None:
        raise DecisionNotAllowed(
            _("Prescription %(ref)s was deleted at the end of its retention period; it cannot be decided.")
            % {"ref": locked.reference}
        )
    if locked.status not in allowed:
        raise DecisionNotAllowed(
            _("Prescription %(ref)s is already %(status)s; it cannot be decided again.")
            % {"ref": locked.reference, "status": locked.get_status_display().lower()}
        )
    return locked


def _approval_terms(approval: Approval, quantities: Mapping[Product, int]) -> dict:
    """What was approved, for the audit trail: the record stays true if the prescription row changes later."""
    return {
        "items": [
            {"product_id": product.pk, "title": product.get_title(), "quantity": quantity}
            for product, quantity in quantities.items()
        ],
        "valid_until": approval.valid_until.isoformat(),
        "days_supply": approval.days_supply,
        "patient_can_become_pregnant": approval.patient_can_become_pregnant,
        "pregnancy_test_on": approval.pregnancy_test_on.isoformat() if approval.pregnancy_test_on else None,
    }


def _refuse(prescription, pharmacist, reason, checklist, status, action, message_code) -> Prescription:
    prescription = _lock_for_decision(prescription, pharmacist, allowed=(Status.PENDING,))
    if not reason.strip():
        raise DecisionNotAllowed(_("Give a reason; the customer will see it."))
    prescription.status = status
    _decide(prescription, pharmacist, reason=reason)
    log_event(
        prescription,
        actor=pharmacist,
        action=action,
        from_status=Status.PENDING,
        to_status=status,
        reason=reason,
        checklist=checklist or {},
    )
    notifications.send_on_commit(prescription, message_code)
    return prescription


def _decide(prescription: Prescription, pharmacist: AbstractBaseUser, *, reason: str) -> None:
    prescription.decided_by = pharmacist
    prescription.decided_at = timezone.now()
    prescription.decision_reason = reason.strip()
    prescription.save()
