"""Reads of the supply register: what still waits for a pharmacist, and the register itself."""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from oscar.core.loading import get_model

from catalogue.models import Product
from prescriptions.models import Prescription, SupplyRecord

Order = get_model("order", "Order")
Line = get_model("order", "Line")

# An order in one of these states is not going out, so there is nothing to supply.
CLOSED_STATUSES = ("Cancelled", "Returned")


def undispensed_rx_lines(order) -> list:
    """The order's prescription lines with no supply record yet: while there are any, it must not be packed or sent."""
    return list(
        Line.objects.filter(order=order, prescription_dispense__isnull=False, supply_record__isnull=True).order_by("pk")
    )


def order_for_supply(*, number: str):
    """The order the pharmacist checks, with its delivery address, or None."""
    return Order.objects.select_related("shipping_address").filter(number=number).first()


def rx_lines_for_supply(*, order) -> list:
    """The order's prescription lines with the prescription, patient and quantity the supply form shows."""
    return list(
        Line.objects.filter(order=order, prescription_dispense__isnull=False)
        .select_related("prescription_dispense__prescription", "supply_record")
        .order_by("pk")
    )


def orders_to_dispense() -> QuerySet:
    """Open orders holding a prescription line that no pharmacist has supplied yet, oldest first."""
    waiting = Line.objects.filter(order=OuterRef("pk"), prescription_dispense__isnull=False, supply_record__isnull=True)
    return (
        Order.objects.filter(Exists(waiting))
        .exclude(status__in=CLOSED_STATUSES)
        .select_related("user", "shipping_address")
        .order_by("date_placed", "pk")
    )


def supply_records_for_order(*, order) -> list[SupplyRecord]:
    return list(SupplyRecord.objects.filter(order_line__order=order).order_by("order_line_id"))


def supply_records_for_prescription(*, prescription: Prescription) -> list[SupplyRecord]:
    return list(SupplyRecord.objects.filter(dispense__prescription=prescription).order_by("created_at", "pk"))


def supplied_products() -> QuerySet:
    """The products the register holds, for the export's filter."""
    return Product.objects.filter(pk__in=SupplyRecord.objects.values("product_id")).order_by("title", "pk")


def supply_register(
    *, date_from: datetime.date | None = None, date_to: datetime.date | None = None, product=None
) -> QuerySet:
    """The register's rows, oldest first, supplied between the two dates (inclusive, shop's time zone)."""
    records = SupplyRecord.objects.all()
    if date_from is not None:
        records = records.filter(created_at__gte=_start_of(date_from))
    if date_to is not None:
        records = records.filter(created_at__lt=_start_of(date_to + datetime.timedelta(days=1)))
    if product is not None:
        records = records.filter(product=product)
    return records.order_by("created_at", "pk")


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
