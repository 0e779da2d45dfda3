"""Reads about an order's life after checkout, for the customer's pages and the dashboard."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from oscar.core.loading import get_model

from order.services import CUSTOMER_CANCELLABLE, STAFF_CANCELLABLE, tracking_url

Order = get_model("order", "Order")
ReturnCheck = get_model("order", "ReturnCheck")


def customer_can_cancel(order: Order) -> bool:
    """Whether the customer's order page offers the cancel button (``order.services.order_cancel`` decides)."""
    return order.status in CUSTOMER_CANCELLABLE


def staff_can_cancel(order: Order) -> bool:
    return order.status in STAFF_CANCELLABLE


@dataclass(frozen=True)
class Tracking:
    courier: str
    number: str
    url: str


def order_tracking(order: Order) -> Tracking | None:
    """The courier and tracking number recorded at dispatch (``order.services.order_dispatch``), if any."""
    event = order.shipping_events.filter(event_type__code="dispatched").order_by("-pk").first()
    return None if event is None else _tracking_from(event.notes)


@dataclass(frozen=True)
class TimelineStep:
    when: datetime.datetime
    title: str
    detail: str = ""
    tracking: Tracking | None = None


# What each step means to the customer, in the order it happens.
TIMELINE_TITLES = {
    "dispensed": _("A pharmacist checked and dispensed your medicines"),
    "packed": _("Packed and ready for the courier"),
    "dispatched": _("Handed to the courier"),
    "delivered": _("Delivered"),
    "cancelled": _("Cancelled"),
    "returned": _("The parcel came back to us"),
}


def order_timeline(order: Order) -> list[TimelineStep]:
    """What happened to the order and when, oldest first, for the customer's order page.

    Read from the shipping events the services record with each status change,
    so the timeline and the status cannot tell different stories.
    """
    steps = [TimelineStep(when=order.date_placed, title=_("Order placed"))]
    events = order.shipping_events.select_related("event_type").order_by("date_created", "pk")
    for event in events:
        code = event.event_type.code
        if code not in TIMELINE_TITLES:
            continue
        steps.append(
            TimelineStep(
                when=event.date_created,
                title=TIMELINE_TITLES[code],
                # The reason a customer or courier gave; dispatch's notes are the tracking number.
                detail=event.notes if code in ("cancelled", "returned") else "",
                tracking=_tracking_from(event.notes) if code == "dispatched" else None,
            )
        )
    return steps


def _tracking_from(notes: str) -> Tracking | None:
    if ":" not in notes:
        return None
    code, number = notes.split(":", 1)
    courier = settings.SHOP_COURIERS.get(code, {}).get("name", code)
    return Tracking(courier=courier, number=number, url=tracking_url(courier=code, tracking_number=number))


def orders_with_returns_to_check():
    """Returned parcels with a line no pharmacist has checked yet, oldest first."""
    return (
        Order.objects.filter(status="Returned", lines__return_check__isnull=True)
        .distinct()
        .select_related("user", "shipping_address")
        .order_by("date_placed", "pk")
    )


def returned_order(*, number: str) -> Order | None:
    return Order.objects.filter(number=number, status="Returned").select_related("user").first()


def returned_lines_to_check(order: Order) -> list:
    """The lines of a returned order that no pharmacist has checked yet."""
    if order.status != "Returned":
        return []
    return list(order.lines.filter(return_check__isnull=True).select_related("stockrecord").order_by("pk"))


def return_checks(order: Order) -> list:
    return list(ReturnCheck.objects.filter(line__order=order).select_related("line", "pharmacist").order_by("pk"))
