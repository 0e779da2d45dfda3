"""Reads for the gate: what the customer holds for a basket's prescription-only lines, and where it stands.

The rule is ``coverage.allocate``; these functions load its inputs. The
order's own check (``services.orders``) locks the approved items first and
hands them in, so the answer it enforces is the one the pages show.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from catalogue.models import Product
from prescriptions.coverage import Allocation, Coverage, Reason, RxLine, Shortfall, allocate
from prescriptions.models import Prescription, PrescriptionItem, RiskAcknowledgement
from prescriptions.policy import ProductRules
from prescriptions.selectors.interactions import interaction_conflicts, recent_order_conflicts
from prescriptions.selectors.products import acknowledgement_product_ids, rules_for_ids, rules_for_products

if TYPE_CHECKING:
    from basket.models import Basket, Line

User = AbstractBaseUser | AnonymousUser


def rx_lines(*, lines: Iterable[Line], rules: Mapping[int, ProductRules] | None = None) -> list[RxLine]:
    """The prescription-only lines among basket lines."""
    lines = list(lines)
    rules = rules if rules is not None else rules_for_products(products={line.product for line in lines})
    return [
        RxLine(
            key=line.pk,
            product_id=line.product_id,
            title=line.product.get_title(),
            quantity=line.quantity,
            url=_warning_url(line.product, rules[line.product_id]),
        )
        for line in lines
        if rules[line.product_id].requires_prescription
    ]


def _warning_url(product: Product, rules: ProductRules) -> str:
    """The page that shows the product's pregnancy warning: its own, or its parent's when the drug is the parent's."""
    if product.parent_id and rules.drug_product_id == product.parent_id:
        return product.parent.get_absolute_url()
    return product.get_absolute_url()


def approved_items(*, user: AbstractBaseUser, product_ids: Iterable[int]) -> QuerySet[PrescriptionItem]:
    """The customer's approved prescription items for these products, with their prescriptions."""
    return (
        PrescriptionItem.objects.filter(
            prescription__user=user,
            prescription__status=Prescription.Status.APPROVED,
            product_id__in=product_ids,
        )
        .select_related("prescription")
        .order_by("pk")
    )


def other_prescriptions_for(*, user: AbstractBaseUser, product_ids: Iterable[int]) -> dict[int, list[Prescription]]:
    """Pending and decided-but-not-approved prescriptions, by product: only used to explain a refusal."""
    Link = Prescription.products.through
    others: dict[int, list[Prescription]] = {}
    for link in (
        Link.objects.filter(prescription__user=user, product_id__in=product_ids)
        .exclude(prescription__status=Prescription.Status.APPROVED)
        .select_related("prescription")
    ):
        others.setdefault(link.product_id, []).append(link.prescription)
    return others


def coverage_for_lines(
    *,
    user: User | None,
    lines: list[RxLine],
    today: datetime.date | None = None,
    rules: Mapping[int, ProductRules] | None = None,
    items: Iterable[PrescriptionItem] | None = None,
) -> Coverage:
    """Which of the customer's approvals covers each line, or why none does.

    ``items``: the customer's approved items for the lines' products, when the
    caller has already loaded (and locked) them; read here otherwise.
    """
    if not lines:
        return Coverage()
    if not (user and user.is_authenticated):
        return Coverage(shortfalls=[Shortfall(line, Reason.LOGIN_REQUIRED) for line in lines])
    product_ids = {line.product_id for line in lines}
    rules = rules if rules is not None else rules_for_ids(product_ids=product_ids)
    return allocate(
        lines,
        items=items if items is not None else approved_items(user=user, product_ids=product_ids),
        # Only read to explain a refusal, so only queried when there is one.
        other_prescriptions=SimpleLazyObject(lambda: other_prescriptions_for(user=user, product_ids=product_ids)),
        rules=rules,
        acknowledgements=acknowledgements_for(user=user, rules=rules),
        today=today or timezone.localdate(),
    )


def basket_coverage(
    *,
    user: User | None,
    basket: Basket,
    today: datetime.date | None = None,
    interactions: bool = True,
    items: Iterable[PrescriptionItem] | None = None,
) -> Coverage:
    """Where the basket stands: each prescription-only line, and any medicines that clash,
    with each other or with what the customer ordered in the last ``INTERACTION_HISTORY_DAYS`` days.

    The basket's lines arrive with their products' rules loaded, their
    parents' too (basket.models.Basket.all_lines). Without ``interactions``,
    only the lines' coverage (what the basket page shows beside each line).
    ``items`` as for ``coverage_for_lines``.
    """
    lines = list(basket.all_lines())
    products = [line.product for line in lines]
    rules = rules_for_products(products=products)
    coverage = coverage_for_lines(
        user=user, lines=rx_lines(lines=lines, rules=rules), today=today, rules=rules, items=items
    )
    if interactions:
        coverage.conflicts = [
            *interaction_conflicts(products=products),
            *recent_order_conflicts(user=user, products=products),
        ]
    return coverage


def basket_line_status(*, user: User | None, basket: Basket) -> dict[int, list[Allocation | Shortfall]]:
    """Per basket line: its covering prescription, or what stands in the way."""
    coverage = basket_coverage(user=user, basket=basket, interactions=False)
    status: dict[int, list[Allocation | Shortfall]] = {}
    for entry in [*coverage.allocations, *coverage.shortfalls]:
        status.setdefault(entry.line.key, []).append(entry)
    return status


def acknowledgements_for(
    *, user: AbstractBaseUser, rules: Mapping[int, ProductRules]
) -> dict[int, RiskAcknowledgement]:
    """Per product: the customer's acknowledgement of its pregnancy warning, given on it or on its parent."""
    return _latest_acknowledgements(
        user=user, asked={product_id: r.acknowledgement_product_ids for product_id, r in rules.items()}
    )


def _latest_acknowledgements(
    *, user: AbstractBaseUser, asked: Mapping[int, frozenset[int]]
) -> dict[int, RiskAcknowledgement]:
    wanted = set().union(*asked.values()) if asked else set()
    given = {
        a.product_id: a
        for a in RiskAcknowledgement.objects.filter(user=user, product_id__in=wanted).order_by("acknowledged_at", "pk")
    }
    found = {}
    for product_id, product_ids in asked.items():
        candidates = [given[pid] for pid in product_ids if pid in given]
        if candidates:
            found[product_id] = max(candidates, key=lambda a: (a.acknowledged_at, a.pk))
    return found


def has_acknowledged(*, user: User | None, product: Product) -> RiskAcknowledgement | None:
    if not (user and user.is_authenticated):
        return None
    return _latest_acknowledgements(user=user, asked={product.pk: acknowledgement_product_ids(product=product)}).get(
        product.pk
    )
