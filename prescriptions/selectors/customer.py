"""A customer's own prescriptions, the file access rule, and what authorised an order's lines."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Prefetch, QuerySet

from prescriptions.models import Dispense, Prescription, PrescriptionItem
from prescriptions.roles import can_review_prescriptions

if TYPE_CHECKING:
    from order.models import Order


def prescriptions_for_owner(*, user: AbstractBaseUser) -> QuerySet[Prescription]:
    return (
        Prescription.objects.filter(user=user)
        .prefetch_related("products", Prefetch("items", PrescriptionItem.objects.select_related("product")))
        .order_by("-submitted_at", "-id")
    )


def prescription_for_owner(*, user: AbstractBaseUser, public_id: uuid.UUID) -> Prescription:
    """One of the customer's own prescriptions; anyone else's raises DoesNotExist."""
    return prescriptions_for_owner(user=user).get(public_id=public_id)


def prescription_for_file_access(*, user: AbstractBaseUser, public_id: uuid.UUID) -> Prescription:
    """A prescription whose file this user may open: their own, or any if they review prescriptions.

    Never one whose file was deleted under the retention rule.
    """
    still_kept = Prescription.objects.filter(erased_at__isnull=True)
    if can_review_prescriptions(user):
        return still_kept.get(public_id=public_id)
    return still_kept.get(public_id=public_id, user=user)


def dispenses_for_order(*, order: Order) -> dict[int, Dispense]:
    """Which prescription authorised each line of an order, by line id."""
    return {d.order_line_id: d for d in Dispense.objects.filter(order_line__order=order).select_related("prescription")}
