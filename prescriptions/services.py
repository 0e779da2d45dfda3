"""Writes: submitting, deciding and dispensing prescriptions.

Every function is keyword-only and runs in one transaction. Emails and
notices go out only after the transaction commits, so a rolled-back decision
never tells the customer anything.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import partial

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from prescriptions import notifications
from prescriptions.coverage import Allocation, Conflict, Shortfall, acknowledgement_problem, unticked_checklist
from prescriptions.models import (
    POLICY_FIELDS,
    Dispense,
    DispensingPolicy,
    DispensingPolicyChange,
    Prescription,
    PrescriptionEvent,
    PrescriptionItem,
    RiskAcknowledgement,
    policy_values,
    prescription_storage,
    warning_fingerprint,
)
from prescriptions.previews import preview_names
from prescriptions.selectors import (
    basket_coverage,
    can_review_prescriptions,
    has_acknowledged,
    product_rules,
    rules_for_ids,
)
from prescriptions.uploads import CleanFile

Status = Prescription.Status
Action = PrescriptionEvent.Action


class PrescriptionRequired(Exception):
    """An order cannot be placed: a prescription-only line is not covered, or medicines clash."""

    def __init__(self, shortfalls: list[Shortfall], conflicts: list[Conflict] = ()):
        self.shortfalls = shortfalls
        self.conflicts = list(conflicts)
        super().__init__(" ".join([s.message for s in shortfalls] + [c.message for c in self.conflicts]))


class DecisionNotAllowed(ValidationError):
    """A pharmacist's decision breaks a rule (own prescription, already decided...)."""


# --- Customers ------------------------------------------------------------------


def prescription_submit(
    *,
    user,
    clean_file: CleanFile,
    patient_name: str,
    prescriber_name: str,
    prescriber_registration: str,
    issued_on: datetime.date,
    products: Iterable,
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
    prescription.file.save(secrets.token_hex(16) + clean_file.extension, ContentFile(clean_file.content), save=False)
    try:
        with transaction.atomic():
            prescription.full_clean(exclude=["file"])
            prescription.save()
            prescription.products.set(products)
            _log(prescription, actor=user, action=Action.SUBMITTED, to_status=Status.PENDING)
            notifications.send_on_commit(prescription, notifications.RECEIVED)
    except BaseException:
        # No row, no file: a stored file without its record would be health
        # data nobody can see or delete.
        prescription.file.storage.delete(prescription.file.name)
        raise
    return prescription


def risk_acknowledge(*, user, product, warning_text: str) -> RiskAcknowledgement:
    """Record that the customer read the pregnancy warning shown beside the checkbox.

    An acknowledgement that still counts for this wording is kept as it is;
    otherwise (none yet, the wording changed, or it lapsed) a new one is
    recorded beside the old.
    """
    latest = has_acknowledged(user=user, product=product)
    if (
        latest is not None
        and latest.warning_sha256 == warning_fingerprint(warning_text)
        and acknowledgement_problem(latest, product_rules(product), timezone.localdate()) is None
    ):
        return latest
    return RiskAcknowledgement.objects.create(user=user, product=product, warning_text=warning_text)


# --- Pharmacists ------------------------------------------------------------------


@dataclass(frozen=True)
class Approval:
    quantities: Mapping  # product -> quantity approved
    valid_until: datetime.date
    days_supply: int | None = None
    patient_can_become_pregnant: bool | None = None
    pregnancy_test_on: datetime.date | None = None


@transaction.atomic
def prescription_approve(
    *, prescription: Prescription, pharmacist, approval: Approval, checklist: dict | None = None
) -> Prescription:
    """Approve a pending prescription for the given products and quantities.

    Refused unless every item of the pharmacist's checklist that applies is
    ticked, and the approval keeps to each product's dispensing rules. The
    audit event records the checklist and the terms approved.
    """
    prescription = _lock_for_decision(prescription, pharmacist, allowed=(Status.PENDING,))
    requested = set(prescription.products.values_list("pk", flat=True))
    rules = rules_for_ids(requested)
    unticked = unticked_checklist(
        checklist or {},
        policies=[r.policy for r in rules.values()],
        patient_can_become_pregnant=approval.patient_can_become_pregnant,
    )
    if unticked:
        raise DecisionNotAllowed(
            _("Tick every item of the checklist before approving. Not ticked: %(items)s")
            % {"items": "; ".join(unticked)}
        )
    quantities = {product: qty for product, qty in approval.quantities.items() if qty and qty > 0}
    if not quantities:
        raise DecisionNotAllowed(_("Approve at least one medicine with a quantity above zero."))
    if any(product.pk not in requested for product in quantities):
        raise DecisionNotAllowed(_("A prescription can only cover the medicines the customer uploaded it for."))
    _check_policies(prescription, approval, quantities, rules)

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
    _log(
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
def prescription_reject(*, prescription: Prescription, pharmacist, reason: str, checklist: dict | None = None):
    return _refuse(
        prescription, pharmacist, reason, checklist, Status.REJECTED, Action.REJECTED, notifications.REJECTED
    )


@transaction.atomic
def prescription_request_resubmit(
    *, prescription: Prescription, pharmacist, reason: str, checklist: dict | None = None
):
    return _refuse(
        prescription, pharmacist, reason, checklist, Status.RESUBMIT, Action.RESUBMIT_REQUESTED, notifications.RESUBMIT
    )


@transaction.atomic
def prescription_revoke(*, prescription: Prescription, pharmacist, reason: str) -> Prescription:
    """Withdraw an approval. Orders already placed stand; nothing more can be ordered against it."""
    prescription = _lock_for_decision(prescription, pharmacist, allowed=(Status.APPROVED,))
    if not reason.strip():
        raise DecisionNotAllowed(_("Say why the prescription is revoked; the customer will see it."))
    prescription.status = Status.REVOKED
    _decide(prescription, pharmacist, reason=reason)
    _log(
        prescription,
        actor=pharmacist,
        action=Action.REVOKED,
        from_status=Status.APPROVED,
        to_status=Status.REVOKED,
        reason=reason,
    )
    notifications.send_on_commit(prescription, notifications.REVOKED)
    return prescription


CHANGE_POLICY_PERMISSION = "prescriptions.change_dispensingpolicy"


@transaction.atomic
def dispensing_policy_save(*, product, pharmacist, values: Mapping[str, object]) -> DispensingPolicy:
    """Write a product's own dispensing rules, and record what changed in their history."""
    if not (can_review_prescriptions(pharmacist) and pharmacist.has_perm(CHANGE_POLICY_PERMISSION)):
        raise PermissionDenied(_("Only pharmacists can change dispensing rules."))
    unknown = set(values) - set(POLICY_FIELDS)
    if unknown:
        raise ValueError(f"Not dispensing rules: {sorted(unknown)}")
    # Locked, so two pharmacists saving at once each record what they changed.
    policy = DispensingPolicy.objects.select_for_update().filter(product=product).first()
    before = policy_values(policy)
    policy = policy or DispensingPolicy(product=product)
    for name, value in values.items():
        setattr(policy, name, value)
    policy.full_clean()
    policy.save()
    after = policy_values(policy)
    if after != before:
        DispensingPolicyChange.objects.create(
            product=product, actor=pharmacist, before=before, after=after, created_at=timezone.now()
        )
    return policy


def prescription_log_file_view(*, prescription: Prescription, viewer) -> None:
    """Staff opening a customer's file is recorded; the owner looking at their own is not."""
    if viewer.pk != prescription.user_id:
        _log(prescription, actor=viewer, action=Action.FILE_VIEWED)


# --- Orders -----------------------------------------------------------------------


@dataclass(frozen=True)
class Reservation:
    """Prescription items locked and checked for one order, in the current transaction."""

    allocations: list[Allocation]


def prescriptions_reserve_for_basket(*, user, basket, today: datetime.date | None = None) -> Reservation:
    """Lock the prescriptions that cover the basket and check them again.

    Must run inside the order's transaction: the rows stay locked until it
    ends, so a revocation, a second order against the same prescription or
    another order of the same customer waits, and then sees the result of
    this one.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("prescriptions_reserve_for_basket must run inside the order's transaction")
    if user is not None and user.pk is not None:
        # The interaction check reads the customer's recent orders. Locking the
        # customer makes two of their baskets check out one after the other, so
        # the second sees the first's order instead of an empty history.
        list(get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))
    coverage = basket_coverage(user=user, basket=basket, today=today, lock=True)
    if not coverage.is_covered:
        raise PrescriptionRequired(coverage.shortfalls, coverage.conflicts)
    return Reservation(coverage.allocations)


def prescriptions_dispense(*, reservation: Reservation, order, order_lines: Mapping[int, object]) -> list[Dispense]:
    """Consume the reserved prescriptions for the order's lines and record which authorised each.

    ``order_lines`` maps each basket line's id to the order line made from it:
    two basket lines can hold the same product (with different options), and
    each order line records its own prescription.
    """
    if not reservation.allocations:
        return []
    rules = rules_for_ids({a.item.product_id for a in reservation.allocations})
    items: dict[int, PrescriptionItem] = {}
    dispenses = []
    for allocation in reservation.allocations:
        item = items.get(allocation.item.pk)
        if item is None:
            item = items[allocation.item.pk] = allocation.item
            item.refresh_from_db(fields=["quantity_remaining"])
        quantity = allocation.line.quantity
        order_line = order_lines.get(allocation.line.key)
        if item.quantity_remaining < quantity or order_line is None:  # cannot happen while the rows are locked
            raise PrescriptionRequired([])
        item.quantity_remaining -= quantity
        dispense = Dispense.objects.create(
            item=item,
            prescription=item.prescription,
            order_line=order_line,
            quantity=quantity,
        )
        _log(
            item.prescription,
            actor=order.user,
            action=Action.DISPENSED,
            reason=f"Order {order.number}: {quantity} x product {item.product_id}",
        )
        dispenses.append(dispense)
    for item in items.values():
        if not rules[item.product_id].policy.refills_allowed:
            # Without refills an approval is good for one order, whatever is left.
            item.quantity_remaining = 0
        item.save(update_fields=["quantity_remaining"])
    return dispenses


# --- Reminders --------------------------------------------------------------------


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
            _log(prescription, actor=None, action=Action.REMINDER_SENT)
            notifications.send_on_commit(prescription, notifications.EXPIRING)
            sent += 1
    return sent


# --- Retention --------------------------------------------------------------------

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
            _log(prescription, actor=None, action=Action.ERASED)
            # Only once the record says so: a failure before this keeps the file.
            transaction.on_commit(partial(_delete_files, prescription_storage(), names))
            erased += 1
    return erased


def _delete_files(storage, names: list[str]) -> None:
    for name in names:
        storage.delete(name)


# --- Helpers ----------------------------------------------------------------------


def _lock_for_decision(prescription: Prescription, pharmacist, *, allowed) -> Prescription:
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


def _approval_terms(approval: Approval, quantities: Mapping) -> dict:
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


def _check_policies(prescription: Prescription, approval: Approval, quantities: Mapping, rules: Mapping) -> None:
    today = timezone.localdate()
    errors = []
    if approval.valid_until < today:
        errors.append(_("The valid-until date is in the past."))
    for product, quantity in quantities.items():
        product_rules = rules[product.pk]
        policy = product_rules.policy
        window = policy.validity_window_days(can_become_pregnant=approval.patient_can_become_pregnant)
        latest = prescription.issued_on + datetime.timedelta(days=window)
        if approval.valid_until > latest:
            errors.append(
                _("It cannot be valid after %(date)s: %(days)s days from the date of issue.")
                % {"date": latest.strftime("%-d %B %Y"), "days": window}
            )
        if policy.max_supply_days and (approval.days_supply is None or approval.days_supply > policy.max_supply_days):
            errors.append(_("Approve at most %(days)s days' supply.") % {"days": policy.max_supply_days})
        most = product_rules.most_packs(days_supply=approval.days_supply)
        if most is not None and quantity > most:
            errors.append(_pack_limit_message(product, product_rules, most, approval.days_supply))
        if policy.pregnancy_test_required:
            if approval.patient_can_become_pregnant is None:
                errors.append(_("Record whether the patient can become pregnant."))
            elif approval.patient_can_become_pregnant:
                test = approval.pregnancy_test_on
                if test is None or test > today or (today - test).days > window:
                    errors.append(
                        _("Record the date of a negative pregnancy test from the last %(days)s days.")
                        % {"days": window}
                    )
    if errors:
        raise DecisionNotAllowed(sorted(set(errors), key=errors.index))


def _pack_limit_message(product, rules, most: int, days_supply: int | None) -> str:
    title = product.get_title()
    if not rules.has_own_rules:
        return _(
            "Approve at most one pack of %(title)s: it has no dispensing rules saying how much a pack holds. "
            "Set its units in a pack and most units a day to approve more."
        ) % {"title": title}
    policy = rules.policy
    if not days_supply:
        return _(
            "Enter the days' supply: the rules for %(title)s limit the packs by the units a patient may take a day."
        ) % {"title": title}
    if not policy.units_per_pack:
        return _("The rules for %(title)s set the most units a day but not the units in a pack; set them first.") % {
            "title": title
        }
    return ngettext(
        "Approve at most %(most)s pack of %(title)s for %(days)s days: %(per_pack)s in a pack, "
        "at most %(per_day)s a day.",
        "Approve at most %(most)s packs of %(title)s for %(days)s days: %(per_pack)s in a pack, "
        "at most %(per_day)s a day.",
        most,
    ) % {
        "most": most,
        "title": title,
        "days": days_supply,
        "per_pack": policy.units_per_pack,
        "per_day": policy.max_units_per_day,
    }


def _refuse(prescription, pharmacist, reason, checklist, status, action, message_code):
    prescription = _lock_for_decision(prescription, pharmacist, allowed=(Status.PENDING,))
    if not reason.strip():
        raise DecisionNotAllowed(_("Give a reason; the customer will see it."))
    prescription.status = status
    _decide(prescription, pharmacist, reason=reason)
    _log(
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


def _decide(prescription: Prescription, pharmacist, *, reason: str) -> None:
    prescription.decided_by = pharmacist
    prescription.decided_at = timezone.now()
    prescription.decision_reason = reason.strip()
    prescription.save()


def _log(prescription, *, actor, action, from_status="", to_status="", reason="", checklist=None, data=None) -> None:
    PrescriptionEvent.objects.create(
        prescription=prescription,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        checklist=checklist or {},
        data=data or {},
    )
