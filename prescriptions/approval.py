"""The pharmacist's rule: what must be checked and which terms an approval may have, as pure functions.

``approval_problems`` is what ``services.decisions.prescription_approve``
enforces; the review page's checklist comes from ``checklist_for``. The terms
are held to the same predicates as the gate (``prescriptions.policy``), so an
approval the pharmacist can give is one the gate can honour. Problems are
codes with their facts; ``prescriptions.messages`` words them.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy

from prescriptions.models import DispensingPolicy
from prescriptions.policy import (
    ProductRules,
    dispensing_window_end,
    exceeds_pack_limit,
    exceeds_supply_limit,
    pregnancy_test_current,
    pregnancy_test_needed,
    pregnancy_test_window,
)

if TYPE_CHECKING:
    from catalogue.models import Product

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
    """The keys of the items that must be ticked to approve, and are not, in the checklist's order."""
    required = checklist_for(policies=policies)
    if patient_can_become_pregnant is False:
        # Contraception does not apply to a patient who cannot become pregnant.
        required = [item for item in required if item[0] != "contraception_confirmed"]
    return [key for key, _label in required if checklist.get(key) is not True]


@dataclass(frozen=True)
class Approval:
    """The terms a pharmacist approves a prescription on."""

    quantities: Mapping[Product, int]  # product -> packs approved
    valid_until: datetime.date
    days_supply: int | None = None
    patient_can_become_pregnant: bool | None = None
    pregnancy_test_on: datetime.date | None = None


class Problem(StrEnum):
    UNTICKED = "unticked"
    NOTHING_APPROVED = "nothing_approved"
    NOT_ON_PRESCRIPTION = "not_on_prescription"
    VALID_UNTIL_PASSED = "valid_until_passed"
    AFTER_WINDOW = "after_window"
    TOO_MANY_DAYS = "too_many_days"
    TOO_MANY_PACKS = "too_many_packs"
    PREGNANCY_STATUS_UNKNOWN = "pregnancy_status_unknown"
    NO_PREGNANCY_TEST = "no_pregnancy_test"


@dataclass(frozen=True)
class ApprovalProblem:
    code: Problem
    details: Mapping[str, Any] = field(default_factory=dict)


def approved_quantities(approval: Approval) -> dict[Product, int]:
    """The products the approval covers: those with a quantity above zero."""
    return {product: qty for product, qty in approval.quantities.items() if qty and qty > 0}


def approval_problems(
    *,
    approval: Approval,
    checklist: Mapping[str, bool],
    issued_on: datetime.date,
    requested_product_ids: Iterable[int],
    rules: Mapping[int, ProductRules],
    today: datetime.date,
) -> list[ApprovalProblem]:
    """Why a prescription written on ``issued_on`` for ``requested_product_ids`` cannot be approved on these terms.

    ``rules`` holds the rules of every requested product. The first of these
    that fails is the answer: the checklist, a quantity, the medicines the
    prescription is for; then every term that breaks a product's rules, each
    once, in the order found.
    """
    requested = set(requested_product_ids)
    unticked = unticked_checklist(
        checklist,
        policies=[rules[pk].policy for pk in requested],
        patient_can_become_pregnant=approval.patient_can_become_pregnant,
    )
    if unticked:
        return [ApprovalProblem(Problem.UNTICKED, {"items": unticked})]
    quantities = approved_quantities(approval)
    if not quantities:
        return [ApprovalProblem(Problem.NOTHING_APPROVED)]
    if any(product.pk not in requested for product in quantities):
        return [ApprovalProblem(Problem.NOT_ON_PRESCRIPTION)]
    problems: list[ApprovalProblem] = []
    if approval.valid_until < today:
        problems.append(ApprovalProblem(Problem.VALID_UNTIL_PASSED))
    for product, quantity in quantities.items():
        product_rules = rules[product.pk]
        policy = product_rules.policy
        latest = dispensing_window_end(
            issued_on=issued_on, policy=policy, can_become_pregnant=approval.patient_can_become_pregnant
        )
        if approval.valid_until > latest:
            problems.append(ApprovalProblem(Problem.AFTER_WINDOW, {"date": latest, "days": (latest - issued_on).days}))
        if exceeds_supply_limit(policy, approval.days_supply):
            problems.append(ApprovalProblem(Problem.TOO_MANY_DAYS, {"days": policy.max_supply_days}))
        most = product_rules.most_packs(days_supply=approval.days_supply)
        if exceeds_pack_limit(most, quantity):
            problems.append(
                ApprovalProblem(
                    Problem.TOO_MANY_PACKS,
                    {"product": product, "rules": product_rules, "most": most, "days_supply": approval.days_supply},
                )
            )
        if policy.pregnancy_test_required and approval.patient_can_become_pregnant is None:
            problems.append(ApprovalProblem(Problem.PREGNANCY_STATUS_UNKNOWN))
        elif pregnancy_test_needed(policy, can_become_pregnant=approval.patient_can_become_pregnant):
            window = pregnancy_test_window(policy)
            if not pregnancy_test_current(approval.pregnancy_test_on, window_days=window, today=today):
                problems.append(ApprovalProblem(Problem.NO_PREGNANCY_TEST, {"days": window}))
    return problems
