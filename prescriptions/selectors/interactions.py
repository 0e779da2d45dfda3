"""Reads for the interaction check: the rules, and the customer's history they are checked against.

The pairing itself is pure (``prescriptions.interactions``); this module
loads the medicines, the rules involving them, and the customer's recent
orders and open approvals.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet
from django.utils import timezone
from oscar.core.loading import get_model

from catalogue.models import Product
from prescriptions.interactions import (
    INTERACTION_HISTORY_DAYS,
    Conflict,
    HistoryConflict,
    Medicine,
    conflicts_among,
    drug_classes,
    history_conflicts,
    partner_classes,
    rules_both_ways,
)
from prescriptions.models import Interaction, Prescription, PrescriptionItem
from prescriptions.selectors.products import RULES_RELATED, drug_class_of

# An order cancelled before dispatch put nothing in the customer's hands
# (settings.OSCAR_ORDER_STATUS_PIPELINE).
CANCELLED_ORDER_STATUS = "Cancelled"


def _medicine(product: Product) -> Medicine:
    return Medicine(product.pk, product.get_title(), drug_class_of(product=product))


def medicines(*, products: Iterable[Product]) -> list[Medicine]:
    """The products as the interaction rules see them (``RULES_RELATED`` loaded), each once."""
    return [_medicine(p) for p in {p.pk: p for p in products}.values()]


def interaction_conflicts_for_ids(*, product_ids: Iterable[int]) -> list[Conflict]:
    return interaction_conflicts(
        products=Product.objects.filter(pk__in=set(product_ids)).select_related(*RULES_RELATED).order_by("pk")
    )


def interaction_conflicts(*, products: Iterable[Product]) -> list[Conflict]:
    """Pairs among these products (``RULES_RELATED`` loaded) that must not be taken together.

    A variant without drug information of its own is checked as its parent's drug.
    """
    here = medicines(products=products)
    classes = drug_classes(here)
    if len(classes) < 2:
        return []
    rules = Interaction.objects.filter(Q(first_class__in=classes) & Q(second_class__in=classes)).order_by("pk")
    return conflicts_among(here, rules)


def _partner_rules(here: list[Medicine]) -> dict[tuple[str, str], Interaction]:
    """The interaction rules involving these medicines, both ways round."""
    wanted = drug_classes(here)
    if not wanted:
        return {}
    return rules_both_ways(
        Interaction.objects.filter(Q(first_class__in=wanted) | Q(second_class__in=wanted)).order_by("pk")
    )


def _with_drug_class_in(queryset: QuerySet, prefix: str, classes: set[str]) -> QuerySet:
    return queryset.filter(
        Q(**{f"{prefix}drug_information__drug_class__in": classes})
        | Q(**{f"{prefix}drug_information__isnull": True, f"{prefix}parent__drug_information__drug_class__in": classes})
    ).select_related(f"{prefix}drug_information", f"{prefix}parent__drug_information")


def recent_order_conflicts(
    *,
    user: AbstractBaseUser | AnonymousUser | None,
    products: Iterable[Product],
    days: int = INTERACTION_HISTORY_DAYS,
    now: datetime.datetime | None = None,
) -> list[HistoryConflict]:
    """Medicines among ``products`` that clash with one the customer ordered in the last ``days`` days."""
    if not (user and user.is_authenticated):
        return []
    here = medicines(products=products)
    pairs = _partner_rules(here)
    if not pairs:
        return []
    OrderLine = get_model("order", "Line")
    since = (now or timezone.now()) - datetime.timedelta(days=days)
    lines = _with_drug_class_in(
        OrderLine.objects.filter(order__user=user, order__date_placed__gte=since, product__isnull=False)
        .exclude(order__status=CANCELLED_ORDER_STATUS)
        .select_related("order", "product__parent"),
        "product__",
        partner_classes(pairs),
    ).order_by("-order__date_placed", "-pk")
    history = [
        (
            _medicine(line.product),
            {
                "days": days,
                "order_number": line.order.number,
                "ordered_on": timezone.localdate(line.order.date_placed),
            },
        )
        for line in lines
    ]
    return history_conflicts(here, history, pairs)


def active_approval_conflicts(
    *,
    user: AbstractBaseUser,
    products: Iterable[Product],
    exclude: Prescription | None = None,
    today: datetime.date | None = None,
) -> list[HistoryConflict]:
    """Medicines among ``products`` that clash with one the customer can still order on an approval."""
    here = medicines(products=products)
    pairs = _partner_rules(here)
    if not pairs:
        return []
    items = PrescriptionItem.objects.filter(
        prescription__user=user,
        prescription__status=Prescription.Status.APPROVED,
        prescription__valid_until__gte=today or timezone.localdate(),
        quantity_remaining__gt=0,
    )
    if exclude is not None:
        items = items.exclude(prescription=exclude)
    items = _with_drug_class_in(
        items.select_related("prescription", "product__parent"), "product__", partner_classes(pairs)
    ).order_by("prescription__valid_until", "pk")
    history = [
        (
            _medicine(item.product),
            {
                "approval_reference": item.prescription.reference,
                "approval_valid_until": item.prescription.valid_until,
            },
        )
        for item in items
    ]
    return history_conflicts(here, history, pairs)
