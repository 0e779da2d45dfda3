"""What may happen to an order after checkout, and the records each step leaves.

Every status change goes through one of these functions: the dashboard and
scripts reach them through ``order.processing.EventHandler``, the customer's
cancel button calls ``order_cancel``. Each one locks the order row and reads
its status again inside its transaction, so of two people acting on an order
at once (cancel racing dispatch, a double click) one wins and the other gets
``TransitionRefused`` with a message to show.

The pipeline is ``settings.OSCAR_ORDER_STATUS_PIPELINE``; the rules it cannot
say (a prescription line must be dispensed before packing; a customer cancels
only while Pending) live here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _
from oscar.apps.order.exceptions import InvalidOrderStatus
from oscar.apps.partner.exceptions import InvalidStockAdjustment
from oscar.core.loading import get_class, get_model

from checkout.services import CASH_ON_DELIVERY
from order.notifications import order_step_email_enqueue
from prescriptions.roles import can_review_prescriptions
from prescriptions.services.orders import prescriptions_return_for_order

Order = get_model("order", "Order")
OrderNote = get_model("order", "OrderNote")
ShippingEventType = get_model("order", "ShippingEventType")
PaymentEventType = get_model("order", "PaymentEventType")
Source = get_model("payment", "Source")
ReturnCheck = get_model("order", "ReturnCheck")
StockRecord = get_model("partner", "StockRecord")

PENDING = "Pending"
DISPENSED = "Dispensed"
PACKED = "Packed"
DISPATCHED = "Dispatched"
DELIVERED = "Delivered"
RETURNED = "Returned"
CANCELLED = "Cancelled"

# Until this the parcel is still on our shelf, and a cancellation costs nothing.
STAFF_CANCELLABLE = (PENDING, DISPENSED, PACKED)
CUSTOMER_CANCELLABLE = (PENDING,)

# Shipping events that only the services below record, each with its status change
# (seeded by order/migrations/0022_order_pipeline.py).
PIPELINE_SHIPPING_EVENTS = {
    "dispensed": "Dispensed",
    "packed": "Packed",
    "dispatched": "Dispatched",
    "delivered": "Delivered",
    "returned": "Returned",
    "cancelled": "Cancelled",
}
CASH_COLLECTED = ("cash-collected", "Cash collected")

TRACKING_NUMBER = re.compile(r"[A-Za-z0-9-]{6,30}")

Actor = AbstractBaseUser | AnonymousUser | None


class TransitionRefused(Exception):
    """The order cannot make this step now; the message says why, for the person who asked."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


def _lock(order: Order) -> Order:
    """Lock the order row until the transaction ends, and read it again as committed.

    The whole row is read again, not only its status: Oscar's ``set_status``
    saves every field, and the caller's copy may be older than another
    person's change.
    """
    list(Order.objects.select_for_update(no_key=True).filter(pk=order.pk).values_list("pk", flat=True))
    order.refresh_from_db()
    return order


def _require(order: Order, allowed: tuple[str, ...], action: str) -> None:
    if order.status not in allowed:
        raise TransitionRefused(
            _("Order %(number)s cannot be %(action)s: it is %(status)s.")
            % {"number": order.number, "action": action, "status": order.status}
        )


def _set_status(order: Order, new_status: str, *, actor: Actor, note: str) -> None:
    old_status = order.status
    try:
        # Oscar's set_status checks the pipeline, moves the lines with it
        # (OSCAR_ORDER_STATUS_CASCADE) and records an OrderStatusChange.
        order.set_status(new_status)
    except InvalidOrderStatus as refused:
        raise TransitionRefused(
            _("Order %(number)s cannot go from %(old)s to %(new)s.")
            % {"number": order.number, "old": old_status, "new": new_status}
        ) from refused
    message = _("Status changed from %(old)s to %(new)s.") % {"old": old_status, "new": new_status}
    if note:
        message = f"{message} {note}"
    OrderNote.objects.create(
        order=order,
        user=actor if actor is not None and actor.is_authenticated else None,
        note_type=OrderNote.SYSTEM,
        message=message,
    )


def _shipping_event(order: Order, code: str, *, notes: str = "", tell_customer: bool = True):
    # get_or_create: a database flushed after a transactional test has lost the seeded rows.
    event_type, _created = ShippingEventType.objects.get_or_create(
        code=code, defaults={"name": PIPELINE_SHIPPING_EVENTS[code]}
    )
    event = order.shipping_events.create(event_type=event_type, notes=notes)
    for line in order.lines.all():
        event.line_quantities.create(line=line, quantity=line.quantity)
    if tell_customer:
        order_step_email_enqueue(order, code)
    return event


def _event_handler(actor: Actor):
    return get_class("order.processing", "EventHandler")(user=actor)


def order_has_prescription_lines(order: Order) -> bool:
    return order.lines.filter(
        Q(prescription_dispense__isnull=False)
        | Q(product__requires_prescription=True)
        | Q(product__parent__requires_prescription=True)
    ).exists()


def order_mark_dispensed(order: Order, actor: Actor) -> Order:
    """The pharmacist's final check is done: the order's medicines may be packed.

    The supply register calls this once it has recorded each prescription
    line's batch and expiry; it is the only way to Dispensed.
    """
    with transaction.atomic():
        _lock(order)
        _require(order, (PENDING,), _("marked dispensed"))
        _set_status(order, DISPENSED, actor=actor, note="")
        _shipping_event(order, "dispensed")
    return order


def order_pack(*, order: Order, actor: Actor) -> Order:
    """The parcel is packed and waits for the courier."""
    with transaction.atomic():
        _lock(order)
        _require(order, (PENDING, DISPENSED), _("packed"))
        if order.status == PENDING and order_has_prescription_lines(order):
            raise TransitionRefused(
                _("Order %(number)s holds prescription medicine: a pharmacist must dispense it before it is packed.")
                % {"number": order.number}
            )
        # After dispensing the customer has just been told; one email for the two steps.
        first_step = order.status == PENDING
        _set_status(order, PACKED, actor=actor, note="")
        _shipping_event(order, "packed", tell_customer=first_step)
    return order


def courier_choices() -> list[tuple[str, str]]:
    return [(code, courier["name"]) for code, courier in settings.SHOP_COURIERS.items()]


def tracking_url(*, courier: str, tracking_number: str) -> str:
    entry = settings.SHOP_COURIERS.get(courier)
    return entry["tracking_url"].format(number=tracking_number) if entry else ""


def validate_tracking_number(tracking_number: str) -> str:
    number = tracking_number.strip()
    if not TRACKING_NUMBER.fullmatch(number):
        raise TransitionRefused(
            _("A tracking number is 6 to 30 letters, digits or dashes, as printed on the courier's receipt.")
        )
    return number.upper()


def order_dispatch(*, order: Order, actor: Actor, courier: str, tracking_number: str) -> Order:
    """The courier has the parcel: record who and the tracking number, and take the stock off the shelf."""
    if courier not in settings.SHOP_COURIERS:
        raise TransitionRefused(_("Choose a courier from the list."))
    number = validate_tracking_number(tracking_number)
    name = settings.SHOP_COURIERS[courier]["name"]
    with transaction.atomic():
        _lock(order)
        _require(order, (PACKED,), _("dispatched"))
        lines = list(order.lines.select_related("stockrecord").order_by("stockrecord_id", "pk"))
        handler = _event_handler(actor)
        if not handler.are_stock_allocations_available(lines, [line.quantity for line in lines]):
            raise TransitionRefused(
                _("Order %(number)s has no stock allocated to it any more; check the stock records.")
                % {"number": order.number}
            )
        try:
            handler.consume_stock_allocations(order, lines, [line.quantity for line in lines])
        except InvalidStockAdjustment as refused:
            # More allocated than on the shelf: the stock record was edited
            # down after the order. Nothing is consumed (the transaction rolls back).
            raise TransitionRefused(
                _("The shelf holds fewer packs than order %(number)s needs; correct the stock record first.")
                % {"number": order.number}
            ) from refused
        _set_status(order, DISPATCHED, actor=actor, note=f"{name} {number}")
        # The timeline and the customer's tracking link read the courier
        # code and number back from the event's notes ("code:number").
        _shipping_event(order, "dispatched", notes=f"{courier}:{number}")
    return order


def order_deliver(*, order: Order, actor: Actor, cash_collected: Decimal) -> Order:
    """The customer has the parcel; the courier collected this much cash for it."""
    if cash_collected is None or cash_collected < 0:
        raise TransitionRefused(_("Enter the cash the courier collected, in rupees (0 or more)."))
    cash_collected = Decimal(cash_collected).quantize(Decimal("0.01"))
    with transaction.atomic():
        _lock(order)
        _require(order, (DISPATCHED,), _("marked delivered"))
        _set_status(order, DELIVERED, actor=actor, note=_("Cash collected: PKR %s.") % cash_collected)
        delivered = _shipping_event(order, "delivered")
        payment = order.payment_events.create(
            event_type=PaymentEventType.objects.get_or_create(
                code=CASH_COLLECTED[0], defaults={"name": CASH_COLLECTED[1]}
            )[0],
            amount=cash_collected,
            reference=order.number,
            shipping_event=delivered,
        )
        for line in order.lines.all():
            payment.line_quantities.create(line=line, quantity=line.quantity)
        source = Source.objects.select_for_update().filter(order=order, source_type__code=CASH_ON_DELIVERY).first()
        if source is not None and cash_collected:
            source.debit(cash_collected, reference=order.number)
    return order


def order_cancel(*, order: Order, actor: Actor, reason: str, by_customer: bool = False) -> Order:
    """Cancel the order: its stock goes back on sale and its prescriptions cover their packs again.

    Staff may cancel until the parcel leaves; a customer only while nothing
    has been done to the order yet (``order.selectors.customer_can_cancel``).
    """
    reason = (reason or "").strip()
    if not reason:
        raise TransitionRefused(_("Give a reason for the cancellation."))
    with transaction.atomic():
        _lock(order)
        if by_customer:
            if order.user_id is None or actor is None or actor.pk != order.user_id:
                raise TransitionRefused(_("Only the customer who placed the order can cancel it here."))
            if order.status not in (*CUSTOMER_CANCELLABLE, CANCELLED):
                raise TransitionRefused(
                    _("Order %(number)s can no longer be cancelled here (it is %(status)s); please call us.")
                    % {"number": order.number, "status": order.status}
                )
        _require(order, STAFF_CANCELLABLE, _("cancelled"))
        lines = list(order.lines.select_related("stockrecord").order_by("stockrecord_id", "pk"))
        _event_handler(actor).cancel_stock_allocations(order, lines, [line.quantity for line in lines])
        prescriptions_return_for_order(order=order, actor=actor, reason=_("cancelled: %s") % reason)
        _set_status(order, CANCELLED, actor=actor, note=_("Reason: %s") % reason)
        _shipping_event(order, "cancelled", notes=reason)
    return order


def order_return(*, order: Order, actor: Actor, reason: str) -> Order:
    """The parcel came back undelivered: the patient never had the packs, so the prescriptions get them back.

    The stock stays consumed: the packs return to the shelf only after a
    pharmacist has checked them (``order_return_check``).
    """
    reason = (reason or "").strip()
    if not reason:
        raise TransitionRefused(_("Give the reason the parcel came back."))
    with transaction.atomic():
        _lock(order)
        _require(order, (DISPATCHED,), _("marked returned"))
        prescriptions_return_for_order(order=order, actor=actor, reason=_("returned: %s") % reason)
        _set_status(order, RETURNED, actor=actor, note=_("Reason: %s") % reason)
        _shipping_event(order, "returned", notes=reason)
    return order


def order_change_status(
    *,
    order: Order,
    actor: Actor,
    new_status: str,
    note: str = "",
    courier: str | None = None,
    tracking_number: str | None = None,
    cash_collected: Decimal | None = None,
) -> Order:
    """A request for a new status (the dashboard, a script), sent to the step it means.

    ``note`` is the reason for a cancellation or a return. Dispatch needs the
    courier and tracking number, delivery the cash collected: a bare status
    change to either is refused with a pointer to the form that asks for them.
    """
    if new_status == CANCELLED:
        return order_cancel(order=order, actor=actor, reason=note or _("Cancelled by staff."))
    if new_status == PACKED:
        return order_pack(order=order, actor=actor)
    if new_status == RETURNED:
        return order_return(order=order, actor=actor, reason=note or _("Returned by the courier."))
    if new_status == DISPENSED:
        if order_has_prescription_lines(order):
            raise TransitionRefused(
                _("A prescription order is dispensed from the pharmacist's supply register, batch by batch.")
            )
        return order_mark_dispensed(order, actor)
    if new_status == DISPATCHED:
        if courier is None or tracking_number is None:
            raise TransitionRefused(_("Dispatch with the courier and tracking number form."))
        return order_dispatch(order=order, actor=actor, courier=courier, tracking_number=tracking_number)
    if new_status == DELIVERED:
        if cash_collected is None:
            raise TransitionRefused(_("Mark delivered with the cash collected form."))
        return order_deliver(order=order, actor=actor, cash_collected=cash_collected)
    raise TransitionRefused(
        _("Order %(number)s cannot go from %(old)s to %(new)s.")
        % {"number": order.number, "old": order.status, "new": new_status}
    )


# --- A parcel that came back ---------------------------------------------------------


def order_return_check(
    *, order: Order, pharmacist: AbstractBaseUser, outcomes: Mapping[int, tuple[str, str]]
) -> list[ReturnCheck]:
    """Record a pharmacist's check of every line of a returned parcel.

    ``outcomes`` maps each line's id to ``(outcome, reason)``: ``restocked``
    puts the line's packs back into its stock record (only what a pharmacist
    saw sealed and in date may be sold again), ``written_off`` needs the
    reason. All lines in one call and one transaction, each line once.
    """
    if not can_review_prescriptions(pharmacist):
        raise TransitionRefused(_("Only a pharmacist may check returned packs."))
    with transaction.atomic():
        _lock(order)
        _require(order, (RETURNED,), _("checked after its return"))
        lines = list(order.lines.filter(return_check__isnull=True).select_related("stockrecord").order_by("pk"))
        if not lines:
            raise TransitionRefused(_("The returned packs of order %s are already checked.") % order.number)
        if set(outcomes) != {line.pk for line in lines}:
            raise TransitionRefused(_("Check every returned line of order %s, each once.") % order.number)
        checks = []
        for line in lines:
            outcome, reason = outcomes[line.pk]
            reason = (reason or "").strip()
            if outcome not in ReturnCheck.Outcome.values:
                raise TransitionRefused(_("Choose what happens to %s.") % line.title)
            if outcome == ReturnCheck.Outcome.WRITTEN_OFF and not reason:
                raise TransitionRefused(_("Say why %s is written off.") % line.title)
            if len(reason) > 200:
                raise TransitionRefused(_("Keep the reason for %s under 200 characters.") % line.title)
            if outcome == ReturnCheck.Outcome.RESTOCKED:
                if line.stockrecord_id is None:
                    raise TransitionRefused(_("%s has no stock record any more: write it off.") % line.title)
                # The same row lock as checkout's stock check, so a sale and a restock wait for each other.
                StockRecord.objects.select_for_update().filter(pk=line.stockrecord_id).update(
                    num_in_stock=F("num_in_stock") + line.quantity
                )
            checks.append(
                ReturnCheck.objects.create(
                    line=line, outcome=outcome, quantity=line.quantity, reason=reason, pharmacist=pharmacist
                )
            )
        OrderNote.objects.create(
            order=order,
            user=pharmacist,
            note_type=OrderNote.SYSTEM,
            message=_("Returned packs checked: %s.")
            % "; ".join(f"{check.line.title} x {check.quantity}: {check.get_outcome_display()}" for check in checks),
        )
    return checks
