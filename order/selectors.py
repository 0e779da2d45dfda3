"""Reads about an order's life after checkout, for the customer's pages and the dashboard."""

from __future__ import annotations

from oscar.core.loading import get_model

from order.services import CUSTOMER_CANCELLABLE, STAFF_CANCELLABLE

Order = get_model("order", "Order")


def customer_can_cancel(order: Order) -> bool:
    """Whether the customer's order page offers the cancel button (``order.services.order_cancel`` decides)."""
    return order.status in CUSTOMER_CANCELLABLE


def staff_can_cancel(order: Order) -> bool:
    return order.status in STAFF_CANCELLABLE
