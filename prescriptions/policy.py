"""What governs one product, and the predicates both the gate and the approval use.

Pure: nothing here reads the database. The gate (``coverage.allocate``) and
the pharmacist's approval (``approval.approval_problems``) ask the same
questions of a product's dispensing rules: how long a prescription can be
dispensed, how many days' supply and packs one approval may cover, whether a
pregnancy test is needed and still recent, whether an acknowledgement of the
pregnancy warning counts. Each is answered once, here.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from django.utils import timezone

from prescriptions.models import DispensingPolicy, RiskAcknowledgement, warning_fingerprint

if TYPE_CHECKING:
    from catalogue.models import DrugInformation

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


@dataclass(frozen=True)
class ProductRules:
    """What governs one product: the prescription flag, the dispensing rules and the drug information.

    A variant (child) product has each of them from its parent when it has
    none of its own, so a variant of a prescription-only medicine can never
    be sold under looser rules than the medicine itself. Built by
    ``selectors.products.product_rules``, the one place that resolves them.
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


def dispensing_window_end(
    *, issued_on: datetime.date, policy: DispensingPolicy, can_become_pregnant: bool | None
) -> datetime.date:
    """The last day a prescription written on ``issued_on`` can be dispensed under ``policy``."""
    return issued_on + datetime.timedelta(days=policy.validity_window_days(can_become_pregnant=can_become_pregnant))


def exceeds_supply_limit(policy: DispensingPolicy, days_supply: int | None) -> bool:
    """Whether an approval for ``days_supply`` days breaks the rules' most days' supply (unknown breaks it)."""
    return bool(policy.max_supply_days) and (days_supply is None or days_supply > policy.max_supply_days)


def exceeds_pack_limit(most: int | None, packs: int) -> bool:
    """Whether ``packs`` is more than ``most`` (``ProductRules.most_packs``; None: no limit)."""
    return most is not None and packs > most


def pregnancy_test_needed(policy: DispensingPolicy, *, can_become_pregnant: bool | None) -> bool:
    """Whether the rules ask for a negative pregnancy test for this patient.

    Unknown counts as "can become pregnant": only a pharmacist's record that
    the patient cannot spares the test.
    """
    return policy.pregnancy_test_required and can_become_pregnant is not False


def pregnancy_test_current(tested_on: datetime.date | None, *, window_days: int, today: datetime.date) -> bool:
    """Whether a pregnancy test taken on ``tested_on`` still counts today: not in the future, nor too old."""
    return tested_on is not None and tested_on <= today and (today - tested_on).days <= window_days


def pregnancy_test_window(policy: DispensingPolicy) -> int:
    """How many days a negative pregnancy test counts for: the window for a patient who can become pregnant."""
    return policy.validity_window_days(can_become_pregnant=True)


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
