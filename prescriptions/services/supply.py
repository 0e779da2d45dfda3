"""The supply register: a pharmacist records the batch and expiry of every prescription line of an order.

This is the pharmacy's legal act of supply. It comes after the order is
placed and before it may be packed or dispatched (``selectors.supply.
undispensed_rx_lines``): every prescription line of the order in one call, in
one transaction, with the order row locked so two pharmacists cannot both
record it.
"""

from __future__ import annotations

import datetime
import logging
import re
from collections.abc import Mapping

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from prescriptions.models import Prescription, PrescriptionEvent, SupplyRecord
from prescriptions.roles import can_review_prescriptions
from prescriptions.selectors.products import rules_for_ids
from prescriptions.selectors.supply import CLOSED_STATUSES
from prescriptions.services.audit import log_event

Order = get_model("order", "Order")
Line = get_model("order", "Line")

logger = logging.getLogger(__name__)

BATCH_PATTERN = re.compile(r"[A-Za-z0-9/-]{1,40}")
# When neither the approval nor the product's rules say how many days a course
# lasts, a pack must still be good for a month of use after it leaves.
FALLBACK_COURSE_DAYS = 30

BATCH = "batch_number"
EXPIRY = "expiry_date"


class SupplyRefused(Exception):
    """The supply cannot be recorded. ``general`` holds messages about the order;
    ``fields`` holds, per order line id, a message per field (``batch_number``, ``expiry_date``)."""

    def __init__(self, general: list[str] | None = None, fields: dict[int, dict[str, str]] | None = None):
        self.general = list(general or [])
        self.fields = dict(fields or {})
        super().__init__("; ".join(self.messages))

    @property
    def messages(self) -> list[str]:
        return self.general + [message for per_line in self.fields.values() for message in per_line.values()]


def course_days(*, prescription: Prescription, rules) -> int | None:
    """How many days the supplied course lasts: the days' supply the pharmacist approved, else the rules' most."""
    if prescription.days_supply:
        return prescription.days_supply
    return rules.policy.max_supply_days or None


def expiry_problem(expiry: datetime.date | None, *, days: int | None, today: datetime.date) -> str | None:
    """Why a pack expiring on ``expiry`` cannot be supplied for a course of ``days`` days from today, if not."""
    if expiry is None:
        return _("Give the expiry date printed on the pack.")
    if expiry < today:
        return _("This pack expired on %(date)s; supply one in date.") % {"date": date_format(expiry)}
    if days is None:
        needed = today + datetime.timedelta(days=FALLBACK_COURSE_DAYS)
        if expiry <= needed:
            return _(
                "Neither the approval nor the medicine's rules give a days' supply, so the pack must be good for "
                "more than %(days)s days: after %(date)s."
            ) % {"days": FALLBACK_COURSE_DAYS, "date": date_format(needed)}
        return None
    course_end = today + datetime.timedelta(days=days)
    if expiry < course_end:
        return _(
            "This pack expires on %(expiry)s, before the end of the %(days)s-day course on %(end)s; "
            "supply a pack with a later expiry."
        ) % {"expiry": date_format(expiry), "days": days, "end": date_format(course_end)}
    return None


def batch_problem(batch: str) -> str | None:
    if not batch:
        return _("Give the batch number printed on the pack.")
    if not BATCH_PATTERN.fullmatch(batch):
        return _("A batch number is 1 to 40 letters, digits, dashes or slashes, with no spaces.")
    return None


@transaction.atomic
def supply_record_order(
    *,
    order,
    pharmacist: AbstractBaseUser,
    entries: Mapping[int, tuple[str, datetime.date | None]],
    today: datetime.date | None = None,
) -> list[SupplyRecord]:
    """Record the pharmacist's final check of every prescription line of ``order``: batch and expiry per line.

    ``entries`` maps each prescription line's id to (batch number, expiry
    date). All lines or none: any problem raises ``SupplyRefused`` and writes
    nothing.
    """
    if not can_review_prescriptions(pharmacist):
        raise PermissionDenied(_("Only a pharmacist can record the supply of a prescription medicine."))
    today = today or timezone.localdate()
    # The order row alone: PostgreSQL refuses FOR UPDATE on the nullable side of the join to the address.
    order = Order.objects.select_for_update(of=("self",)).select_related("shipping_address").get(pk=order.pk)
    if order.user_id is not None and order.user_id == pharmacist.pk:
        # The final check is a second pair of eyes, as the approval is (decisions refuses one's own prescription).
        raise SupplyRefused([_("You cannot make the final check of your own order; ask another pharmacist.")])
    if order.status in CLOSED_STATUSES:
        raise SupplyRefused([_("Order %(number)s is %(status)s: nothing to supply.") % _order_words(order)])
    lines = list(
        Line.objects.filter(order=order, prescription_dispense__isnull=False)
        .select_related("prescription_dispense__prescription", "prescription_dispense__item", "product")
        .order_by("pk")
    )
    if not lines:
        raise SupplyRefused([_("Order %(number)s holds no prescription medicine.") % {"number": order.number}])
    earlier = SupplyRecord.objects.filter(order_line__in=lines).select_related("pharmacist").first()
    if earlier is not None:
        raise SupplyRefused(
            [
                _("The supply for order %(number)s was already recorded by %(who)s on %(when)s.")
                % {
                    "number": order.number,
                    "who": earlier.pharmacist_name,
                    "when": date_format(timezone.localtime(earlier.created_at), "DATETIME_FORMAT"),
                }
            ]
        )
    line_ids = {line.pk for line in lines}
    unknown = set(entries) - line_ids
    if unknown:
        raise SupplyRefused([_("Only this order's prescription lines can be recorded here.")])

    rules = rules_for_ids(product_ids={line.prescription_dispense.item.product_id for line in lines})
    errors: dict[int, dict[str, str]] = {}
    cleaned: dict[int, tuple[str, datetime.date]] = {}
    for line in lines:
        batch, expiry = entries.get(line.pk, ("", None))
        batch = (batch or "").strip()
        dispense = line.prescription_dispense
        days = course_days(prescription=dispense.prescription, rules=rules[dispense.item.product_id])
        problems = {BATCH: batch_problem(batch), EXPIRY: expiry_problem(expiry, days=days, today=today)}
        problems = {field: message for field, message in problems.items() if message}
        if problems:
            errors[line.pk] = problems
        else:
            cleaned[line.pk] = (batch, expiry)
    if errors:
        raise SupplyRefused(fields=errors)

    address = _address_text(order)
    pharmacist_name = pharmacist.get_full_name() or pharmacist.get_username()
    records = []
    for line in lines:
        dispense = line.prescription_dispense
        prescription = dispense.prescription
        batch, expiry = cleaned[line.pk]
        records.append(
            SupplyRecord.objects.create(
                order_line=line,
                dispense=dispense,
                product_id=dispense.item.product_id,
                batch_number=batch,
                expiry_date=expiry,
                pharmacist=pharmacist,
                order_number=order.number,
                medicine_name=line.title,
                quantity=line.quantity,
                prescription_reference=prescription.reference,
                prescriber_name=prescription.prescriber_name,
                prescriber_registration=prescription.prescriber_registration,
                prescription_issued_on=prescription.issued_on,
                patient_name=prescription.patient_name,
                patient_address=address,
                pharmacist_name=pharmacist_name,
            )
        )
        log_event(
            prescription,
            actor=pharmacist,
            action=PrescriptionEvent.Action.SUPPLIED,
            data={
                "order": order.number,
                "line": line.pk,
                "quantity": line.quantity,
                "batch_number": batch,
                "expiry_date": expiry.isoformat(),
            },
        )
    _order_dispensed(order, pharmacist)
    return records


def _order_dispensed(order, pharmacist: AbstractBaseUser) -> None:
    """The order's move to "Dispensed" once its supply is recorded.

    The order's status belongs to the order fork's event handler; until that
    is wired in here, the supply events above are the record and this only logs.
    """
    logger.info("supply recorded", extra={"order_number": order.number, "pharmacist_id": pharmacist.pk})


def _order_words(order) -> dict:
    return {"number": order.number, "status": order.status}


def _address_text(order) -> str:
    address = order.shipping_address
    if address is None:
        return ""
    return ", ".join(address.active_address_fields())
