"""Prescriptions and orders: lock and check the covering approvals, then consume them.

Both functions run inside the order's transaction (``order.utils.OrderCreator``).
A write that gives packs back to a prescription (an order cancelled before
dispatch, say) belongs here too, beside the one that takes them.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import connection

from prescriptions.coverage import Allocation, Shortfall
from prescriptions.interactions import Conflict
from prescriptions.messages import refusal_text
from prescriptions.models import Dispense, PrescriptionEvent, PrescriptionItem
from prescriptions.selectors.gate import approved_items, basket_coverage, rx_lines
from prescriptions.selectors.products import rules_for_ids
from prescriptions.services.audit import log_event

if TYPE_CHECKING:
    from basket.models import Basket
    from order.models import Line, Order


class PrescriptionRequired(Exception):
    """An order cannot be placed: a prescription-only line is not covered, or medicines clash."""

    def __init__(self, shortfalls: list[Shortfall], conflicts: list[Conflict] = ()):
        self.shortfalls = shortfalls
        self.conflicts = list(conflicts)
        super().__init__(refusal_text(self.shortfalls, self.conflicts))


@dataclass(frozen=True)
class Reservation:
    """Prescription items locked and checked for one order, in the current transaction."""

    allocations: list[Allocation]


def prescriptions_reserve_for_basket(
    *, user: AbstractBaseUser | AnonymousUser | None, basket: Basket, today: datetime.date | None = None
) -> Reservation:
    """Lock the prescriptions that cover the basket and check them again.

    Must run inside the order's transaction: the rows stay locked until it
    ends, so a revocation, a second order against the same prescription or
    another order of the same customer waits, and then sees the result of
    this one.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("prescriptions_reserve_for_basket must run inside the order's transaction")
    items = None
    if user is not None and user.pk is not None:
        # The interaction check reads the customer's recent orders. Locking the
        # customer makes two of their baskets check out one after the other, so
        # the second sees the first's order instead of an empty history.
        list(get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))
        product_ids = {line.product_id for line in rx_lines(lines=basket.all_lines())}
        if product_ids:
            items = _lock_approved_items(user=user, product_ids=product_ids)
    coverage = basket_coverage(user=user, basket=basket, today=today, items=items)
    if not coverage.is_covered:
        raise PrescriptionRequired(coverage.shortfalls, coverage.conflicts)
    return Reservation(coverage.allocations)


def _lock_approved_items(*, user: AbstractBaseUser, product_ids: set[int]) -> list[PrescriptionItem]:
    # Lock the prescriptions as well as their items: a pharmacist revoking
    # the prescription must wait for this order, or this order for them; no
    # other order can consume them meanwhile.
    return list(approved_items(user=user, product_ids=product_ids).select_for_update(of=("self", "prescription")))


def prescriptions_dispense(
    *, reservation: Reservation, order: Order, order_lines: Mapping[int, Line]
) -> list[Dispense]:
    """Consume the reserved prescriptions for the order's lines and record which authorised each.

    ``order_lines`` maps each basket line's id to the order line made from it:
    two basket lines can hold the same product (with different options), and
    each order line records its own prescription.
    """
    if not reservation.allocations:
        return []
    rules = rules_for_ids(product_ids={a.item.product_id for a in reservation.allocations})
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
        log_event(
            item.prescription,
            actor=order.user,
            action=PrescriptionEvent.Action.DISPENSED,
            reason=f"Order {order.number}: {quantity} x product {item.product_id}",
        )
        dispenses.append(dispense)
    for item in items.values():
        if not rules[item.product_id].policy.refills_allowed:
            # Without refills an approval is good for one order, whatever is left.
            item.quantity_remaining = 0
        item.save(update_fields=["quantity_remaining"])
    return dispenses
