"""The gate's rule: which approved prescription covers each line of an order, as a pure function.

``allocate`` decides, for each prescription-only line of a basket, which
approved prescription covers it, or why none does. It reads nothing from the
database: the selectors (to show the customer where they stand) and the
services (to lock, re-check and consume when the order is written) load the
same inputs and call this one function, so the rule the customer is shown and
the rule that is enforced cannot drift apart.

Its answers are codes (``Reason``) with the facts behind them; the sentences
the customer reads are made from those in ``prescriptions.messages``.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from prescriptions.models import Prescription, PrescriptionItem, RiskAcknowledgement
from prescriptions.policy import (
    ProductRules,
    acknowledgement_problem,
    dispensing_window_end,
    exceeds_pack_limit,
    exceeds_supply_limit,
    pregnancy_test_current,
    pregnancy_test_needed,
    pregnancy_test_window,
)


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


@dataclass(frozen=True)
class RxLine:
    """A prescription-only line of a basket or order."""

    key: int
    product_id: int
    title: str
    quantity: int
    url: str = ""


@dataclass(frozen=True)
class ItemProblem:
    """Why one approved prescription item cannot cover a line today, with the facts that say so."""

    reason: Reason
    details: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Shortfall:
    """A line no prescription covers, and why.

    ``on_approval``: the reason is a problem of an approved prescription the
    customer holds (``item_problem``), not the absence of one.
    ``details``: the facts the reason rests on (dates, days, packs).
    """

    line: RxLine
    reason: Reason
    prescription: Prescription | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    on_approval: bool = False


@dataclass(frozen=True)
class Allocation:
    line: RxLine
    item: PrescriptionItem


@dataclass
class Coverage:
    allocations: list[Allocation] = field(default_factory=list)
    shortfalls: list[Shortfall] = field(default_factory=list)
    # prescriptions.interactions.Conflict and HistoryConflict
    conflicts: list = field(default_factory=list)

    @property
    def is_covered(self) -> bool:
        return not self.shortfalls and not self.conflicts


def item_problem(
    item: PrescriptionItem, quantity: int, rules: ProductRules, today: datetime.date, *, in_order: int = 0
) -> ItemProblem | None:
    """Why this approved item cannot cover ``quantity`` more today, or None if it can.

    ``in_order``: what earlier lines of the same order already take from it.
    """
    policy = rules.policy
    prescription = item.prescription
    if prescription.status == Prescription.Status.REVOKED:
        return ItemProblem(Reason.REVOKED)
    if prescription.status != Prescription.Status.APPROVED:
        return ItemProblem(Reason.PENDING)
    if prescription.valid_until is None or prescription.valid_until < today:
        return ItemProblem(Reason.EXPIRED, {"valid_until": prescription.valid_until})
    window_end = dispensing_window_end(
        issued_on=prescription.issued_on, policy=policy, can_become_pregnant=prescription.patient_can_become_pregnant
    )
    if window_end < today:
        return ItemProblem(
            Reason.WINDOW_PASSED, {"window_end": window_end, "days": (window_end - prescription.issued_on).days}
        )
    if exceeds_supply_limit(policy, prescription.days_supply):
        return ItemProblem(Reason.TOO_MANY_DAYS, {"max_supply_days": policy.max_supply_days})
    most = rules.most_packs(days_supply=prescription.days_supply)
    if exceeds_pack_limit(most, in_order + quantity):
        return ItemProblem(
            Reason.TOO_MANY_PACKS,
            {"most": most, "days_supply": prescription.days_supply or 0, "wanted": in_order + quantity},
        )
    if pregnancy_test_needed(policy, can_become_pregnant=prescription.patient_can_become_pregnant):
        window = pregnancy_test_window(policy)
        if not pregnancy_test_current(prescription.pregnancy_test_on, window_days=window, today=today):
            return ItemProblem(Reason.NO_PREGNANCY_TEST, {"days": window})
    if item.quantity_remaining < quantity:
        return ItemProblem(Reason.NOT_ENOUGH_LEFT, {"left": item.quantity_remaining, "wanted": quantity})
    return None


def use_order(items: Iterable[PrescriptionItem]) -> list[PrescriptionItem]:
    """The order in which a customer's approvals are used: the one that runs out soonest first."""
    return sorted(items, key=lambda i: (i.prescription.valid_until or datetime.date.max, i.pk))


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

    ``rules`` holds each line's product's rules (``selectors.products.product_rules``);
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
    items = list(items)
    remaining = {item.pk: item.quantity_remaining for item in items}
    taken = dict.fromkeys(remaining, 0)
    by_product: dict[int, list[PrescriptionItem]] = {}
    for item in use_order(items):
        by_product.setdefault(item.product_id, []).append(item)

    for line in lines:
        line_rules = rules[line.product_id]
        # Both problems are reported: a customer who has not acknowledged the
        # warning and has no prescription needs to hear about both at once.
        ack = acknowledgements.get(line.product_id)
        ack_problem = (
            acknowledgement_problem(ack, line_rules, today)
            if check_acknowledgements and line_rules.policy.risk_acknowledgement_required
            else None
        )
        unacknowledged = ack_problem is not None
        if unacknowledged:
            coverage.shortfalls.append(
                Shortfall(
                    line,
                    Reason.ACKNOWLEDGEMENT_MISSING,
                    details={
                        "problem": ack_problem,
                        "acknowledged_at": ack.acknowledged_at if ack is not None else None,
                        "days": line_rules.policy.validity_days,
                    },
                )
            )
        first_problem: tuple[ItemProblem, Prescription] | None = None
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
            first_problem = first_problem or (problem, item.prescription)
        else:
            others = other_prescriptions.get(line.product_id, ()) if other_prescriptions is not None else ()
            coverage.shortfalls.append(_explain(line, first_problem, others))
    return coverage


def _with_remaining(item: PrescriptionItem, quantity_remaining: int) -> PrescriptionItem:
    if item.quantity_remaining == quantity_remaining:
        return item
    return PrescriptionItem(
        pk=item.pk,
        prescription=item.prescription,
        product_id=item.product_id,
        quantity_approved=item.quantity_approved,
        quantity_remaining=quantity_remaining,
    )


_DECIDED = {
    Prescription.Status.REJECTED: Reason.REJECTED,
    Prescription.Status.RESUBMIT: Reason.RESUBMIT,
    Prescription.Status.REVOKED: Reason.REVOKED,
}


def _explain(
    line: RxLine, problem: tuple[ItemProblem, Prescription] | None, others: Sequence[Prescription]
) -> Shortfall:
    """The most useful thing to tell the customer about an uncovered line; ``others`` are for its product."""
    waiting = [p for p in others if p.status == Prescription.Status.PENDING]
    if waiting:
        return Shortfall(line, Reason.PENDING, max(waiting, key=lambda p: p.submitted_at))
    if problem is not None:
        found, prescription = problem
        return Shortfall(line, found.reason, prescription, found.details, on_approval=True)
    decided = sorted(others, key=lambda p: p.decided_at or p.submitted_at, reverse=True)
    if decided:
        latest = decided[0]
        return Shortfall(line, _DECIDED.get(latest.status, Reason.NONE_ON_FILE), latest)
    return Shortfall(line, Reason.NONE_ON_FILE)
