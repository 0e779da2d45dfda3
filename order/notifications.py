"""The customer hears of each step of their order's life, by email, once.

A service queues the email in the transaction of the step it records
(``order.services._shipping_event``): a refused or rolled-back step sends
nothing, and a double click that the second time is refused sends one email.
The task carries the order's id and the step, not the message: the worker
renders it, so no medicine names sit in the task rows, and staff can edit the
words in the dashboard (Communications) as Oscar communication event types.
"""

from __future__ import annotations

import logging

from django.urls import reverse
from oscar.core.loading import get_class, get_model

from shop.emails import EMAIL_BACKOFF
from shop.tasks import retrying_task

logger = logging.getLogger(__name__)

Order = get_model("order", "Order")

# The step (the shipping event the service records) and the message it sends.
STEP_EMAILS = {
    "dispensed": "ORDER_DISPENSED",
    "packed": "ORDER_PACKED",
    "dispatched": "ORDER_DISPATCHED",
    "delivered": "ORDER_DELIVERED",
    "cancelled": "ORDER_CANCELLED",
    "returned": "ORDER_RETURNED",
}


def order_step_email_enqueue(order: Order, step: str) -> None:
    """Queue the email for ``step``; must run inside the step's transaction."""
    send_order_step_email.enqueue(order.pk, step)


@retrying_task(backoff=EMAIL_BACKOFF)
def send_order_step_email(order_id: int, step: str) -> None:
    """Render and send one step's email (a worker runs this; a failure is retried)."""
    # The services queue these emails, and the selectors read the services' constants.
    from order.selectors import order_tracking

    order = Order.objects.select_related("user", "shipping_address").get(pk=order_id)
    event = order.shipping_events.filter(event_type__code=step).order_by("-pk").first()
    if order.user_id:
        path = reverse("customer:order", kwargs={"order_number": order.number})
    else:
        path = reverse("customer:anon-order", kwargs={"order_number": order.number, "hash": order.verification_hash()})
    context = {
        "order": order,
        "user": order.user,
        "lines": order.lines.all(),
        "reason": event.notes if event is not None and step in ("cancelled", "returned") else "",
        "tracking": order_tracking(order) if step == "dispatched" else None,
        "status_path": path,
        "first_name": _first_name(order),
    }
    code = STEP_EMAILS[step]
    dispatcher = get_class("order.utils", "OrderDispatcher")(logger=logger)
    dispatcher.dispatch_order_messages(order, dispatcher.dispatcher.get_messages(code, context), code)


def _first_name(order: Order) -> str:
    if order.user is not None and order.user.first_name:
        return order.user.first_name
    if order.shipping_address is not None and order.shipping_address.first_name:
        return order.shipping_address.first_name
    return ""
