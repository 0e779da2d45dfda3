"""The pharmacist's workspace: the queue, and everything the review page shows beside the file."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.functional import cached_property
from oscar.core.loading import get_model

from catalogue.models import Product
from prescriptions.interactions import INTERACTION_HISTORY_DAYS, Conflict, HistoryConflict
from prescriptions.models import (
    Dispense,
    DispensingPolicy,
    Prescription,
    PrescriptionEvent,
    PrescriptionItem,
    RiskAcknowledgement,
)
from prescriptions.policy import ProductRules, acknowledgement_problem
from prescriptions.selectors.gate import acknowledgements_for
from prescriptions.selectors.interactions import (
    active_approval_conflicts,
    interaction_conflicts_for_ids,
    recent_order_conflicts,
)
from prescriptions.selectors.products import RULES_RELATED, rules_for_products

QUEUE_FILTERS = ("pending", "all", "approved", "expired", "resubmit", "rejected", "revoked")


def pending_review_count() -> int:
    return Prescription.objects.filter(status=Prescription.Status.PENDING).count()


def review_queue(*, status: str = "pending", query: str = "", today: datetime.date | None = None) -> QuerySet:
    """Prescriptions for the pharmacist's queue: pending first, oldest first.

    Every filter is served by an index on (status, submitted_at) or
    (status, valid_until); a page costs the same few queries at any size.
    """
    today = today or timezone.localdate()
    queryset = Prescription.objects.select_related("user").prefetch_related("products")
    if status == "expired":
        queryset = queryset.filter(status=Prescription.Status.APPROVED, valid_until__lt=today)
    elif status == "approved":
        queryset = queryset.filter(status=Prescription.Status.APPROVED, valid_until__gte=today)
    elif status in Prescription.Status.values:
        queryset = queryset.filter(status=status)
    query = (query or "").strip()
    if query:
        queryset = queryset.filter(
            Q(user__email__icontains=query) | Q(patient_name__icontains=query) | Q(reference__iexact=query)
        )
    if status == "pending":
        return queryset.order_by("submitted_at", "id")
    if status == "all":
        return PendingFirst(queryset)
    return queryset.order_by("-submitted_at", "-id")


class PendingFirst:
    """All prescriptions for the queue: the pending ones first, oldest first; then the rest, newest first.

    Two index-ordered queries stitched together at the page boundary, rather
    than one query sorting 100,000 rows by a computed key for every page.
    Django's Paginator only needs ``count()`` and slicing.
    """

    def __init__(self, queryset: QuerySet):
        self.pending = queryset.filter(status=Prescription.Status.PENDING).order_by("submitted_at", "id")
        self.rest = queryset.exclude(status=Prescription.Status.PENDING).order_by("-submitted_at", "-id")

    @cached_property
    def pending_count(self) -> int:
        return self.pending.count()

    def count(self) -> int:
        return self.pending_count + self.rest.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item):
        if not isinstance(item, slice):
            return self[item : item + 1][0]
        start, stop = item.start or 0, item.stop
        split = self.pending_count
        page = list(self.pending[start : min(stop, split)]) if start < split else []
        if stop > split:
            page += list(self.rest[max(start - split, 0) : stop - split])
        return page


def prescription_for_review(*, public_id: uuid.UUID) -> Prescription:
    return (
        Prescription.objects.select_related("user", "decided_by")
        .prefetch_related(
            "products__drug_information",
            Prefetch("items", PrescriptionItem.objects.select_related("product")),
            Prefetch("events", PrescriptionEvent.objects.select_related("actor")),
            Prefetch("dispenses", Dispense.objects.select_related("order_line__order")),
        )
        .get(public_id=public_id)
    )


@dataclass(frozen=True)
class ReviewContext:
    """Everything the pharmacist needs beside the file to decide."""

    earlier: list[Prescription]
    waiting_lines: list
    conflicts: list[Conflict]
    # The prescription's medicines against the customer's recent orders and
    # the approvals they can still order against, each with where it comes from.
    history_conflicts: list[HistoryConflict]
    # For every product on the prescription (a variant's from its parent when it has none).
    rules: dict[int, ProductRules]
    # The customer's acknowledgements that still count, by product; and the
    # ones that no longer do, as (product, acknowledgement, why).
    acknowledgements: dict[int, RiskAcknowledgement]
    orders_count: int
    stale_acknowledgements: list = ()
    products: list = ()
    history_days: int = INTERACTION_HISTORY_DAYS

    @property
    def without_own_rules(self) -> list[tuple]:
        """(product, its default policy) for products without rules, nor a parent with rules."""
        return [(p, self.rules[p.pk].policy) for p in self.products if not self.rules[p.pk].has_own_rules]

    @property
    def with_parents_rules(self) -> list:
        return [p for p in self.products if self.rules[p.pk].inherits_rules]

    @property
    def policies(self) -> dict[int, DispensingPolicy]:
        """The dispensing rules that apply to each product: its own, its parent's, or the defaults."""
        return {product_id: rules.policy for product_id, rules in self.rules.items()}


def review_context(*, prescription: Prescription, recent_days: int = 90) -> ReviewContext:
    Line = get_model("basket", "Line")
    OrderLine = get_model("order", "Line")
    user = prescription.user
    products = list(prescription.products.all())
    product_ids = [p.pk for p in products]
    with_rules = list(Product.objects.filter(pk__in=product_ids).select_related("parent", *RULES_RELATED))
    rules = rules_for_products(products=with_rules)
    today = timezone.localdate()
    acks = {
        pid: (ack, acknowledgement_problem(ack, rules[pid], today))
        for pid, ack in acknowledgements_for(user=user, rules=rules).items()
    }
    waiting_lines = list(
        Line.objects.filter(basket__owner=user, basket__status="Open").select_related("product").order_by("pk")
    )
    since = timezone.now() - datetime.timedelta(days=recent_days)
    recent_product_ids = set(
        OrderLine.objects.filter(order__user=user, order__date_placed__gte=since).values_list("product_id", flat=True)
    )
    considered = set(product_ids) | {line.product_id for line in waiting_lines} | recent_product_ids
    return ReviewContext(
        earlier=list(
            Prescription.objects.filter(user=user)
            .exclude(pk=prescription.pk)
            .prefetch_related("products")
            .order_by("-submitted_at")[:20]
        ),
        waiting_lines=[line for line in waiting_lines if line.product_id in product_ids],
        conflicts=interaction_conflicts_for_ids(product_ids=considered),
        history_conflicts=[
            *recent_order_conflicts(user=user, products=with_rules),
            *active_approval_conflicts(user=user, products=with_rules, exclude=prescription),
        ],
        rules=rules,
        acknowledgements={pid: ack for pid, (ack, problem) in acks.items() if problem is None},
        stale_acknowledgements=[
            (product, *acks[product.pk]) for product in with_rules if acks.get(product.pk, (None, None))[1]
        ],
        orders_count=get_model("order", "Order").objects.filter(user=user).count(),
        products=products,
    )


def next_pending_after(*, prescription: Prescription) -> Prescription | None:
    """The next prescription waiting in the queue, so review can go straight on."""
    return (
        Prescription.objects.filter(status=Prescription.Status.PENDING)
        .exclude(pk=prescription.pk)
        .order_by("submitted_at", "id")
        .first()
    )
