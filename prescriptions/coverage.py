"""The prescription rule itself, as a pure function.

``allocate`` decides, for each prescription-only line of a basket, which
approved prescription covers it, or why none does. It reads nothing from the
database: the selectors (to show the customer where they stand) and the
services (to lock, re-check and consume when the order is written) load the
same inputs and call this one function, so the rule the customer is shown and
the rule that is enforced cannot drift apart.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from prescriptions.models import (
    DispensingPolicy,
    Prescription,
    PrescriptionItem,
    RiskAcknowledgement,
    warning_fingerprint,
)

if TYPE_CHECKING:
    from catalogue.models import DrugInformation


class Reason(StrEnum):
    NONE_ON_FILE = "none_on_file"
    PENDING = "pending"
    RESUBMIT = "resubmit"
    REJECTED = "rejected"
    REVOKED = "revoked"
    EXPIRED = "expired"
    WINDOW_PASSED = "window_passed"
    NOT_ENOUGH_LEFT = "not_enough_left"
    TOO_MANY_DAYS = "too_many_days"
    TOO_MANY_PACKS = "too_many_packs"
    NO_PREGNANCY_TEST = "no_pregnancy_test"
    ACKNOWLEDGEMENT_MISSING = "acknowledgement_missing"
    LOGIN_REQUIRED = "login_required"


# Fail closed: a prescription-only product nobody has written rules for is
# dispensed as strictly as the pregnancy prevention programmes ask (MHRA/EMA,
# iPLEDGE): 30 days from the date of issue, at most 30 days' supply, no
# refills; and, when its drug information says it must not be used in
# pregnancy, a 7-day window, a negative pregnancy test and the customer's
# acknowledgement of the risk.
DEFAULT_VALIDITY_DAYS = 30
DEFAULT_VALIDITY_DAYS_IF_CAN_BECOME_PREGNANT = 7
DEFAULT_MAX_SUPPLY_DAYS = 30
# Without rules nobody has said how much a pack holds, nor how much a day is
# safe: one approval covers one pack.
DEFAULT_MOST_PACKS = 1


def default_policy(*, drug: DrugInformation | None) -> DispensingPolicy:
    """The rules for a prescription-only product without rules of its own (nor its parent's)."""
    contraindicated = drug is not None and drug.has_prominent_pregnancy_warning
    return DispensingPolicy(
        validity_days=DEFAULT_VALIDITY_DAYS,
        validity_days_if_can_become_pregnant=DEFAULT_VALIDITY_DAYS_IF_CAN_BECOME_PREGNANT if contraindicated else None,
        max_supply_days=DEFAULT_MAX_SUPPLY_DAYS,
        refills_allowed=False,
        pregnancy_test_required=contraindicated,
        risk_acknowledgement_required=contraindicated,
    )


# The pharmacist's checklist, in the order it is done. Every item that applies
# must be ticked before a prescription is approved; the answers go into the
# audit trail with every decision.
CHECKLIST = [
    (
        "prescriber_verified",
        gettext_lazy("Prescriber's name, qualification and PMDC registration number are present and valid"),
    ),
    ("patient_matches", gettext_lazy("Patient's name matches the customer and the details given")),
    ("date_within_window", gettext_lazy("Date of issue is within the dispensing window for this medicine")),
    ("drug_details_ok", gettext_lazy("Generic name, strength, dose, frequency and quantity are clear")),
    ("signature_present", gettext_lazy("Prescriber's signature (and stamp) is present")),
]
PREGNANCY_CHECKLIST = [
    ("contraception_confirmed", gettext_lazy("Patient who can become pregnant: effective contraception confirmed")),
    ("monitoring_ok", gettext_lazy("Liver function and fasting lipid tests are recent and acceptable")),
    ("no_interacting_medicines", gettext_lazy("No tetracycline or vitamin A in this order or the customer's history")),
]


def pregnancy_rules_apply(policies: Iterable[DispensingPolicy]) -> bool:
    return any(p.pregnancy_test_required or p.risk_acknowledgement_required for p in policies)


def checklist_for(*, policies: Iterable[DispensingPolicy]) -> list[tuple[str, str]]:
    """The checklist the pharmacist sees for a prescription for products under these rules."""
    return CHECKLIST + (PREGNANCY_CHECKLIST if pregnancy_rules_apply(policies) else [])


def unticked_checklist(
    checklist: Mapping[str, bool], *, policies: Iterable[DispensingPolicy], patient_can_become_pregnant: bool | None
) -> list[str]:
    """The labels of the items that must be ticked to approve, and are not."""
    required = checklist_for(policies=policies)
    if patient_can_become_pregnant is False:
        # Contraception does not apply to a patient who cannot become pregnant.
        required = [item for item in required if item[0] != "contraception_confirmed"]
    return [str(label) for key, label in required if checklist.get(key) is not True]


@dataclass(frozen=True)
class ProductRules:
    """What governs one product: the prescription flag, the dispensing rules and the drug information.

    A variant (child) product has each of them from its parent when it has
    none of its own, so a variant of a prescription-only medicine can never
    be sold under looser rules than the medicine itself. Built by
    ``selectors.product_rules``, the one place that resolves them.
    """

    product_id: int
    requires_prescription: bool
    policy: DispensingPolicy
    # The product whose own DispensingPolicy this is (the product or its
    # parent), or None when neither has one and the defaults apply.
    policy_product_id: int | None
    drug: DrugInformation | None
    # The product whose drug information applies, and whose page shows its
    # pregnancy warning: the product itself, or its parent.
    drug_product_id: int | None
    # Acknowledging the warning on any of these products counts for this one.
    acknowledgement_product_ids: frozenset[int] = frozenset()

    @property
    def has_own_rules(self) -> bool:
        return self.policy_product_id is not None

    @property
    def warning_text(self) -> str:
        return self.drug.pregnancy_warning if self.drug is not None else ""

    @property
    def inherits_rules(self) -> bool:
        return self.policy_product_id is not None and self.policy_product_id != self.product_id

    def most_packs(self, *, days_supply: int | None) -> int | None:
        """The most packs one approval for ``days_supply`` days may cover, or None for no limit.

        packs x units in a pack <= days' supply x most units a day. Only rules
        that leave the daily maximum blank set no limit; the defaults allow
        one pack, and rules that cannot be worked out (no pack size, no days'
        supply) allow none.
        """
        if not self.has_own_rules:
            return DEFAULT_MOST_PACKS
        policy = self.policy
        if policy.max_units_per_day is None:
            return None
        if not policy.units_per_pack or not days_supply:
            return 0
        return days_supply * policy.max_units_per_day // policy.units_per_pack


class AcknowledgementProblem(StrEnum):
    MISSING = "missing"
    WARNING_CHANGED = "warning_changed"
    LAPSED = "lapsed"


def acknowledgement_lapses_on(ack: RiskAcknowledgement, rules: ProductRules) -> datetime.date:
    """The last day an acknowledgement counts.

    It lasts as long as a prescription for the medicine can be dispensed: the
    rules' general validity (``validity_days``, 30 days for isotretinoin) from
    the day it was given. A new course needs a new prescription, and the
    customer reads the warning again.
    """
    return timezone.localdate(ack.acknowledged_at) + datetime.timedelta(days=rules.policy.validity_days)


def acknowledgement_problem(
    ack: RiskAcknowledgement | None, rules: ProductRules, today: datetime.date
) -> AcknowledgementProblem | None:
    """Why ``ack`` does not count as the customer's acknowledgement of the product's warning, or None if it does.

    It counts only for the wording the customer saw: an edit of the warning
    asks again.
    """
    if ack is None:
        return AcknowledgementProblem.MISSING
    if ack.warning_sha256 != warning_fingerprint(rules.warning_text):
        return AcknowledgementProblem.WARNING_CHANGED
    if acknowledgement_lapses_on(ack, rules) < today:
        return AcknowledgementProblem.LAPSED
    return None


def acknowledgement_message(
    problem: AcknowledgementProblem, *, title: str, ack: RiskAcknowledgement | None, rules: ProductRules
) -> str:
    if problem is AcknowledgementProblem.WARNING_CHANGED:
        return _(
            "The pregnancy warning for %(title)s has changed since you acknowledged it. "
            "Please read it and acknowledge it again."
        ) % {"title": title}
    if problem is AcknowledgementProblem.LAPSED:
        return _(
            "You acknowledged the pregnancy warning for %(title)s on %(date)s, more than %(days)s days ago. "
            "Please read it and acknowledge it again."
        ) % {"title": title, "date": _date(timezone.localdate(ack.acknowledged_at)), "days": rules.policy.validity_days}
    return _("Please read and acknowledge the pregnancy warning for %(title)s.") % {"title": title}


@dataclass(frozen=True)
class RxLine:
    """A prescription-only line of a basket or order."""

    key: int
    product_id: int
    title: str
    quantity: int
    url: str = ""


@dataclass(frozen=True)
class Shortfall:
    line: RxLine
    reason: Reason
    message: str
    prescription: Prescription | None = None


@dataclass(frozen=True)
class Allocation:
    line: RxLine
    item: PrescriptionItem


@dataclass(frozen=True)
class Conflict:
    """Two products in one order that must not be taken together."""

    first: str
    second: str
    explanation: str

    @property
    def message(self) -> str:
        return _("%(first)s and %(second)s cannot be ordered together. %(why)s") % {
            "first": self.first,
            "second": self.second,
            "why": self.explanation,
        }


@dataclass(frozen=True)
class HistoryConflict(Conflict):
    """``first`` (on this order or prescription) must not be taken with ``second``, from the customer's history:
    an order placed in the last ``days`` days, or an approval they can still order against."""

    days: int = 0
    order_number: str = ""
    ordered_on: datetime.date | None = None
    approval_reference: str = ""
    approval_valid_until: datetime.date | None = None

    @property
    def source(self) -> str:
        if self.order_number:
            return _("ordered on %(date)s (order %(number)s)") % {
                "date": _date(self.ordered_on),
                "number": self.order_number,
            }
        return _("approved on prescription %(ref)s, valid until %(date)s") % {
            "ref": self.approval_reference,
            "date": _date(self.approval_valid_until),
        }

    @property
    def message(self) -> str:
        if self.order_number:
            return _(
                "%(first)s cannot be ordered until %(until)s: you ordered %(second)s on %(date)s (order %(number)s), "
                "and the two must not be taken within %(days)s days of each other. %(why)s"
            ) % {
                "first": self.first,
                "second": self.second,
                "until": _date(self.ordered_on + datetime.timedelta(days=self.days + 1)),
                "date": _date(self.ordered_on),
                "number": self.order_number,
                "days": self.days,
                "why": self.explanation,
            }
        return _("%(first)s clashes with %(second)s, %(source)s. %(why)s") % {
            "first": self.first,
            "second": self.second,
            "source": self.source,
            "why": self.explanation,
        }


@dataclass
class Coverage:
    allocations: list[Allocation] = field(default_factory=list)
    shortfalls: list[Shortfall] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)

    @property
    def is_covered(self) -> bool:
        return not self.shortfalls and not self.conflicts


def _window_end(prescription: Prescription, policy: DispensingPolicy) -> datetime.date:
    days = policy.validity_window_days(can_become_pregnant=prescription.patient_can_become_pregnant)
    return prescription.issued_on + datetime.timedelta(days=days)


def item_problem(
    item: PrescriptionItem, quantity: int, rules: ProductRules, today: datetime.date, *, in_order: int = 0
) -> tuple[Reason, str] | None:
    """Why this approved item cannot cover ``quantity`` more today, or None if it can.

    ``in_order``: what earlier lines of the same order already take from it.
    """
    policy = rules.policy
    prescription = item.prescription
    ref = prescription.reference
    if prescription.status == Prescription.Status.REVOKED:
        return Reason.REVOKED, _("Prescription %(ref)s was revoked by our pharmacist.") % {"ref": ref}
    if prescription.status != Prescription.Status.APPROVED:
        return Reason.PENDING, _("Prescription %(ref)s is not approved.") % {"ref": ref}
    if prescription.valid_until is None or prescription.valid_until < today:
        return Reason.EXPIRED, _("Prescription %(ref)s expired on %(date)s.") % {
            "ref": ref,
            "date": _date(prescription.valid_until),
        }
    window_end = _window_end(prescription, policy)
    if window_end < today:
        return Reason.WINDOW_PASSED, _(
            "Prescription %(ref)s can only be dispensed until %(date)s, %(days)s days after it was written."
        ) % {
            "ref": ref,
            "date": _date(window_end),
            "days": (window_end - prescription.issued_on).days,
        }
    if policy.max_supply_days and (
        prescription.days_supply is None or prescription.days_supply > policy.max_supply_days
    ):
        return Reason.TOO_MANY_DAYS, _(
            "Prescription %(ref)s is approved for more than %(max)s days' supply, the most allowed at once."
        ) % {"ref": ref, "max": policy.max_supply_days}
    most = rules.most_packs(days_supply=prescription.days_supply)
    if most is not None and in_order + quantity > most:
        return Reason.TOO_MANY_PACKS, ngettext(
            "Prescription %(ref)s covers at most %(most)s pack in one order, %(days)s days' supply; "
            "your basket has %(wanted)s.",
            "Prescription %(ref)s covers at most %(most)s packs in one order, %(days)s days' supply; "
            "your basket has %(wanted)s.",
            most,
        ) % {"ref": ref, "most": most, "days": prescription.days_supply or 0, "wanted": in_order + quantity}
    if policy.pregnancy_test_required and prescription.patient_can_become_pregnant is not False:
        test = prescription.pregnancy_test_on
        window = policy.validity_window_days(can_become_pregnant=True)
        if test is None or test > today or (today - test).days > window:
            return Reason.NO_PREGNANCY_TEST, _(
                "Prescription %(ref)s needs a negative pregnancy test from the last %(days)s days."
            ) % {"ref": ref, "days": window}
    if item.quantity_remaining < quantity:
        return Reason.NOT_ENOUGH_LEFT, _("Prescription %(ref)s covers %(left)s more; your basket has %(wanted)s.") % {
            "ref": ref,
            "left": item.quantity_remaining,
            "wanted": quantity,
        }
    return None


def allocate(
    lines: Iterable[RxLine],
    *,
    items: Iterable[PrescriptionItem],
    other_prescriptions: Mapping[int, Sequence[Prescription]] | None = None,
    rules: Mapping[int, ProductRules],
    acknowledgements: Mapping[int, RiskAcknowledgement],
    today: datetime.date,
    check_acknowledgements: bool = True,
) -> Coverage:
    """Match each line to one approved prescription item that covers all of it.

    ``rules`` holds each line's product's rules (``selectors.product_rules``);
    ``acknowledgements`` the customer's latest acknowledgement of each line's
    product's pregnancy warning (given on it or its parent), if any. ``items`` are the customer's approved
    prescription items for the lines' products; ``other_prescriptions`` their
    pending, rejected or revoked prescriptions, by product, used only to
    explain a refusal (so it may be lazy, and is only read when a line is not
    covered). Without ``check_acknowledgements``, only the prescriptions are
    checked: what the product page shows beside a missing acknowledgement. Among several items
    that qualify, the one that runs out soonest is used first.
    """
    coverage = Coverage()
    remaining = {item.pk: item.quantity_remaining for item in items}
    taken = dict.fromkeys(remaining, 0)
    by_product: dict[int, list[PrescriptionItem]] = {}
    for item in sorted(items, key=lambda i: (i.prescription.valid_until or datetime.date.max, i.pk)):
        by_product.setdefault(item.product_id, []).append(item)

    for line in lines:
        line_rules = rules[line.product_id]
        policy = line_rules.policy
        # Both problems are reported: a customer who has not acknowledged the
        # warning and has no prescription needs to hear about both at once.
        ack = acknowledgements.get(line.product_id)
        ack_problem = (
            acknowledgement_problem(ack, line_rules, today)
            if check_acknowledgements and policy.risk_acknowledgement_required
            else None
        )
        unacknowledged = ack_problem is not None
        if unacknowledged:
            coverage.shortfalls.append(
                Shortfall(
                    line,
                    Reason.ACKNOWLEDGEMENT_MISSING,
                    acknowledgement_message(ack_problem, title=line.title, ack=ack, rules=line_rules),
                )
            )
        first_problem: tuple[Reason, str, Prescription] | None = None
        for item in by_product.get(line.product_id, []):
            problem = item_problem(
                _with_remaining(item, remaining[item.pk]), line.quantity, line_rules, today, in_order=taken[item.pk]
            )
            if problem is None:
                if not unacknowledged:
                    remaining[item.pk] -= line.quantity
                    taken[item.pk] += line.quantity
                    coverage.allocations.append(Allocation(line, item))
                break
            first_problem = first_problem or (*problem, item.prescription)
        else:
            others = other_prescriptions.get(line.product_id, ()) if other_prescriptions is not None else ()
            coverage.shortfalls.append(_explain(line, first_problem, others))
    return coverage


def _with_remaining(item: PrescriptionItem, quantity_remaining: int) -> PrescriptionItem:
    if item.quantity_remaining == quantity_remaining:
        return item
    copy = PrescriptionItem(
        pk=item.pk,
        prescription=item.prescription,
        product_id=item.product_id,
        quantity_approved=item.quantity_approved,
        quantity_remaining=quantity_remaining,
    )
    return copy


def _explain(
    line: RxLine, problem: tuple[Reason, str, Prescription] | None, others: Sequence[Prescription]
) -> Shortfall:
    """The most useful thing to tell the customer about an uncovered line; ``others`` are for its product."""
    waiting = [p for p in others if p.status == Prescription.Status.PENDING]
    if waiting:
        latest = max(waiting, key=lambda p: p.submitted_at)
        return Shortfall(
            line,
            Reason.PENDING,
            _("Your prescription %(ref)s for %(title)s is waiting for our pharmacist's review.")
            % {"ref": latest.reference, "title": line.title},
            latest,
        )
    if problem is not None:
        reason, message, prescription = problem
        return Shortfall(line, reason, f"{line.title}: {message}", prescription)
    decided = sorted(others, key=lambda p: p.decided_at or p.submitted_at, reverse=True)
    if decided:
        latest = decided[0]
        reason = {
            Prescription.Status.REJECTED: Reason.REJECTED,
            Prescription.Status.RESUBMIT: Reason.RESUBMIT,
            Prescription.Status.REVOKED: Reason.REVOKED,
        }.get(latest.status, Reason.NONE_ON_FILE)
        if reason is Reason.RESUBMIT:
            message = _("Our pharmacist asked for a clearer copy of prescription %(ref)s for %(title)s.")
        elif reason is Reason.REVOKED:
            message = _("Prescription %(ref)s for %(title)s was revoked by our pharmacist.")
        else:
            message = _("Prescription %(ref)s for %(title)s was not approved.")
        return Shortfall(line, reason, message % {"ref": latest.reference, "title": line.title}, latest)
    return Shortfall(
        line,
        Reason.NONE_ON_FILE,
        _("%(title)s needs a prescription approved by our pharmacist before you can order it.") % {"title": line.title},
    )


def _date(value: datetime.date | None) -> str:
    return value.strftime("%-d %B %Y") if value else "-"
