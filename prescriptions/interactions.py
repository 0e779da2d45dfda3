"""Which medicines must not be taken together, as pure functions.

The interaction rules (``models.Interaction``) pair drug classes. Given the
medicines of a basket or prescription, and those of the customer's recent
orders and open approvals, these functions say which pairs clash. The
selectors (``selectors.interactions``) load the medicines and the rules; the
sentences are in ``prescriptions.messages``.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from prescriptions.models import Interaction

# Medicines that must not be taken together must not be ordered within this
# many days of each other either: isotretinoin a week after doxycycline is the
# same risk as both in one basket.
INTERACTION_HISTORY_DAYS = 30


class Medicine(NamedTuple):
    """A product as the interaction rules see it: its drug class (its parent's for a variant without one)."""

    product_id: int
    title: str
    drug_class: str


@dataclass(frozen=True)
class Conflict:
    """Two products in one order that must not be taken together."""

    first: str
    second: str
    explanation: str


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
    def from_order(self) -> bool:
        return bool(self.order_number)

    @property
    def allowed_from(self) -> datetime.date | None:
        """The first day ``first`` may be ordered, when the clash is with an order."""
        if self.ordered_on is None:
            return None
        return self.ordered_on + datetime.timedelta(days=self.days + 1)


def drug_classes(medicines: Iterable[Medicine]) -> set[str]:
    return {m.drug_class for m in medicines if m.drug_class}


def conflicts_among(medicines: Iterable[Medicine], rules: Iterable[Interaction]) -> list[Conflict]:
    """Every pair among ``medicines`` that a rule forbids, in the rules' order.

    A rule names its two classes in one order; each medicine of the first
    class is paired with each of the second.
    """
    by_class: dict[str, list[Medicine]] = {}
    for medicine in {m.product_id: m for m in medicines}.values():
        if medicine.drug_class:
            by_class.setdefault(medicine.drug_class, []).append(medicine)
    if len(by_class) < 2:
        return []
    return [
        Conflict(first.title, second.title, rule.explanation)
        for rule in rules
        for first in by_class.get(rule.first_class, [])
        for second in by_class.get(rule.second_class, [])
    ]


def rules_both_ways(rules: Iterable[Interaction]) -> dict[tuple[str, str], Interaction]:
    """The rules by (a class, the class it must not meet), each rule both ways round; the first rule wins."""
    pairs: dict[tuple[str, str], Interaction] = {}
    for rule in rules:
        pairs.setdefault((rule.first_class, rule.second_class), rule)
        pairs.setdefault((rule.second_class, rule.first_class), rule)
    return pairs


def partner_classes(pairs: Mapping[tuple[str, str], Interaction]) -> set[str]:
    """The classes some medicine here must not meet: what to look for in the customer's history."""
    return {other for (_mine, other) in pairs}


def history_conflicts(
    medicines: Iterable[Medicine],
    history: Iterable[tuple[Medicine, Mapping[str, Any]]],
    pairs: Mapping[tuple[str, str], Interaction],
) -> list[HistoryConflict]:
    """Medicines here that clash with one in the customer's ``history``, once per pair of products.

    ``history``: (medicine, where it comes from) pairs, the most relevant
    first (``HistoryConflict``'s fields: an order's number and date, or an
    approval's reference and end).
    """
    mine = [m for m in {m.product_id: m for m in medicines}.values() if m.drug_class]
    found: dict[tuple[int, int], HistoryConflict] = {}
    for other, source in history:
        for medicine in mine:
            rule = pairs.get((medicine.drug_class, other.drug_class))
            if rule is not None and (medicine.product_id, other.product_id) not in found:
                found[medicine.product_id, other.product_id] = HistoryConflict(
                    medicine.title, other.title, rule.explanation, **source
                )
    return list(found.values())
