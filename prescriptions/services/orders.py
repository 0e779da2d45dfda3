"""Prescriptions and orders: lock and check the covering approvals, then consume them.

Both functions run inside the order's transaction (``order.utils.OrderCreator``).
``prescriptions_return_for_order`` gives the packs back when the order is
cancelled or returned undelivered (``order.services``).
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
        # the second sees the first's order instead of an empty history. The
        # lock is NO KEY: a pharmacist's decision in progress, holding the
        # prescription this order waits for, writes a notice that refers to the
        # customer, and a full row lock here would deadlock with it.
        list(get_user_model().objects.select_for_update(no_key=True).filter(pk=user.pk).values_list("pk", flat=True))
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
        dispenses.append(
            Dispense.objects.create(item=item, prescription=item.prescription, order_line=order_line, quantity=quantity)
        )
    cleared: dict[int, int] = {}
    for item in items.values():
        if not rules[item.product_id].policy.refills_allowed:
            # Without refills an approval is good for one order, whatever is left.
            cleared[item.pk] = item.quantity_remaining
            item.quantity_remaining = 0
        item.save(update_fields=["quantity_remaining"])
    for dispense in dispenses:
        # What the no-refill rule cleared is recorded once per item, so that a
        # cancelled order can give the approval back exactly as it was.
        log_event(
            dispense.prescription,
            actor=order.user,
            action=PrescriptionEvent.Action.DISPENSED,
            reason=f"Order {order.number}: {dispense.quantity} x product {dispense.item.product_id}",
            data={
                "order": str(order.number),
                "line": dispense.order_line_id,
                "item": dispense.item_id,
                "quantity": dispense.quantity,
                "cleared": cleared.pop(dispense.item_id, 0),
            },
        )
    return dispenses


def prescriptions_return_for_order(
    *, order: Order, actor: AbstractBaseUser | AnonymousUser | None, reason: str
) -> list[PrescriptionItem]:
    """Give the prescriptions back the packs this order took: it was cancelled or came back undelivered.

    Each approval gets back what each of the order's lines took, and what the
    no-refill rule cleared when the order was placed, so it covers exactly
    what it covered before. Must run inside the transaction that changes the
    order's status, with the order row locked, so it runs once per order.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("prescriptions_return_for_order must run inside the order's transaction")
    dispenses = list(Dispense.objects.filter(order_line__order=order).order_by("pk"))
    if not dispenses:
        return []
    items = {
        item.pk: item
        for item in PrescriptionItem.objects.select_for_update()
        .filter(pk__in={d.item_id for d in dispenses})
        .select_related("prescription")
        .order_by("pk")
    }
    given_back: dict[int, int] = dict.fromkeys(items, 0)
    for dispense in dispenses:
        given_back[dispense.item_id] += dispense.quantity
    taken_events = PrescriptionEvent.objects.filter(
        prescription__in={item.prescription_id for item in items.values()},
        action=PrescriptionEvent.Action.DISPENSED,
        data__order=str(order.number),
    )
    for event in taken_events:
        item_id = event.data.get("item")
        if item_id in given_back:
            given_back[item_id] += int(event.data.get("cleared", 0))
    for item_id, quantity in given_back.items():
        item = items[item_id]
        before = item.quantity_remaining
        item.quantity_remaining = before + quantity
        item.save(update_fields=["quantity_remaining"])
        log_event(
            item.prescription,
            actor=actor,
            action=PrescriptionEvent.Action.RETURNED,
            reason=f"Order {order.number}: {reason}",
            data={
                "order": str(order.number),
                "item": item.pk,
                "given_back": quantity,
                "remaining": item.quantity_remaining,
            },
        )
    return list(items.values())
