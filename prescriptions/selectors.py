"""Reads: what a customer or pharmacist may see, and where a basket stands."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.functional import SimpleLazyObject, cached_property
from oscar.core.loading import get_model

from prescriptions.coverage import Allocation, Conflict, Coverage, Reason, RxLine, Shortfall, allocate
from prescriptions.models import (
    Dispense,
    DispensingPolicy,
    Interaction,
    Prescription,
    PrescriptionEvent,
    PrescriptionItem,
    RiskAcknowledgement,
)

Product = get_model("catalogue", "Product")

REVIEW_PERMISSION = "prescriptions.review_prescription"


def can_review_prescriptions(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.has_perm(REVIEW_PERMISSION))


def requires_prescription(product) -> bool:
    """Child products follow their parent: a variant of a prescription-only medicine is one too."""
    return bool(product.requires_prescription or (product.parent_id and product.parent.requires_prescription))


def rx_lines(lines) -> list[RxLine]:
    """The prescription-only lines among basket lines."""
    return [
        RxLine(
            key=line.pk,
            product_id=line.product_id,
            title=line.product.get_title(),
            quantity=line.quantity,
            url=line.product.get_absolute_url(),
        )
        for line in lines
        if requires_prescription(line.product)
    ]


def policies_for(product_ids) -> dict[int, DispensingPolicy]:
    return {p.product_id: p for p in DispensingPolicy.objects.filter(product_id__in=product_ids)}


def approved_items_for(*, user, product_ids, lock: bool = False) -> list[PrescriptionItem]:
    """The customer's approved prescription items for these products.

    With ``lock``, the rows are locked until the transaction ends
    (SELECT ... FOR UPDATE) so that no other order can consume them meanwhile.
    """
    items = PrescriptionItem.objects.filter(
        prescription__user=user,
        prescription__status=Prescription.Status.APPROVED,
        product_id__in=product_ids,
    )
    if lock:
        # Lock the prescriptions as well as their items: a pharmacist revoking
        # the prescription must wait for this order, or this order for them.
        items = items.select_for_update(of=("self", "prescription"))
    return list(items.select_related("prescription").order_by("pk"))


def other_prescriptions_for(*, user, product_ids) -> list[Prescription]:
    """Pending and decided-but-not-approved prescriptions: only used to explain a refusal."""
    return list(
        Prescription.objects.filter(user=user, products__in=product_ids)
        .exclude(status=Prescription.Status.APPROVED)
        .distinct()
        .prefetch_related("products")
    )


def acknowledged_product_ids(*, user, product_ids) -> set[int]:
    return set(
        RiskAcknowledgement.objects.filter(user=user, product_id__in=product_ids).values_list("product_id", flat=True)
    )


def coverage_for_lines(
    *,
    user,
    lines: list[RxLine],
    today: datetime.date | None = None,
    lock: bool = False,
    policies: dict[int, DispensingPolicy] | None = None,
) -> Coverage:
    if not lines:
        return Coverage()
    if not (user and user.is_authenticated):
        return Coverage(
            shortfalls=[
                Shortfall(line, Reason.LOGIN_REQUIRED, "Please log in to order prescription medicines.")
                for line in lines
            ]
        )
    product_ids = {line.product_id for line in lines}
    return allocate(
        lines,
        items=approved_items_for(user=user, product_ids=product_ids, lock=lock),
        # Only read to explain a refusal, so only queried when there is one.
        other_prescriptions=SimpleLazyObject(lambda: other_prescriptions_for(user=user, product_ids=product_ids)),
        policies=policies if policies is not None else policies_for(product_ids),
        acknowledged_product_ids=acknowledged_product_ids(user=user, product_ids=product_ids),
        today=today or timezone.localdate(),
    )


def interaction_conflicts_for_ids(product_ids) -> list[Conflict]:
    return interaction_conflicts(
        Product.objects.filter(pk__in=set(product_ids)).select_related("drug_information").order_by("pk")
    )


def interaction_conflicts(products) -> list[Conflict]:
    """Pairs among these products (drug information loaded) that must not be taken together."""
    by_class: dict[str, list] = {}
    for product in {p.pk: p for p in products}.values():
        drug = product.drug_information
        if drug is not None and drug.drug_class:
            by_class.setdefault(drug.drug_class, []).append(product)
    if len(by_class) < 2:
        return []
    classes = set(by_class)
    rules = Interaction.objects.filter(Q(first_class__in=classes) & Q(second_class__in=classes))
    return [
        Conflict(first.get_title(), second.get_title(), rule.explanation)
        for rule in rules.order_by("pk")
        for first in by_class.get(rule.first_class, [])
        for second in by_class.get(rule.second_class, [])
    ]


def basket_coverage(*, user, basket, today: datetime.date | None = None, lock: bool = False) -> Coverage:
    """Where the basket stands: each prescription-only line, and any medicines that clash.

    The basket's lines arrive with their products' drug information and
    dispensing policies loaded (basket.models.Basket.all_lines).
    """
    lines = list(basket.all_lines())
    products = [line.product for line in lines]
    policies = {p.pk: policy for p in products if (policy := getattr(p, "dispensing_policy", None)) is not None}
    coverage = coverage_for_lines(user=user, lines=rx_lines(lines), today=today, lock=lock, policies=policies)
    coverage.conflicts = interaction_conflicts(products)
    return coverage


def basket_line_status(*, user, basket) -> dict[int, list[Allocation | Shortfall]]:
    """Per basket line: its covering prescription, or what stands in the way."""
    coverage = basket_coverage(user=user, basket=basket)
    status: dict[int, list[Allocation | Shortfall]] = {}
    for entry in [*coverage.allocations, *coverage.shortfalls]:
        status.setdefault(entry.line.key, []).append(entry)
    return status


def prescriptions_for_owner(*, user) -> QuerySet[Prescription]:
    return (
        Prescription.objects.filter(user=user)
        .prefetch_related("products", Prefetch("items", PrescriptionItem.objects.select_related("product")))
        .order_by("-submitted_at", "-id")
    )


def prescription_for_owner(*, user, public_id: uuid.UUID) -> Prescription:
    """One of the customer's own prescriptions; anyone else's raises DoesNotExist."""
    return prescriptions_for_owner(user=user).get(public_id=public_id)


def prescription_for_file_access(*, user, public_id: uuid.UUID) -> Prescription:
    """A prescription whose file this user may open: their own, or any if they review prescriptions."""
    if can_review_prescriptions(user):
        return Prescription.objects.get(public_id=public_id)
    return Prescription.objects.get(public_id=public_id, user=user)


@dataclass(frozen=True)
class ProductPrescriptionStatus:
    """What the product page tells a logged-in customer about their prescriptions for it."""

    code: str  # approved, pending, resubmit, rejected, revoked, expired, none
    prescription: Prescription | None
    remaining: int | None = None


def product_prescription_status(*, user, product, today: datetime.date | None = None) -> ProductPrescriptionStatus:
    """One query: the customer's prescriptions for this product, with what each has left of it."""
    if not (user and user.is_authenticated):
        return ProductPrescriptionStatus("none", None)
    today = today or timezone.localdate()
    left = PrescriptionItem.objects.filter(prescription=OuterRef("pk"), product=product).values("quantity_remaining")
    prescriptions = list(
        Prescription.objects.filter(user=user, products=product)
        .annotate(remaining=Subquery(left[:1]))
        .order_by("-submitted_at", "-id")
    )
    usable = [
        p
        for p in prescriptions
        if p.status == Prescription.Status.APPROVED and not p.is_expired(today) and (p.remaining or 0) > 0
    ]
    if usable:
        best = min(usable, key=lambda p: (p.valid_until, p.pk))
        return ProductPrescriptionStatus("approved", best, best.remaining)
    if not prescriptions:
        return ProductPrescriptionStatus("none", None)
    latest = prescriptions[0]
    return ProductPrescriptionStatus(latest.display_status_code(today), latest)


def dispenses_for_order(*, order) -> dict[int, Dispense]:
    """Which prescription authorised each line of an order, by line id."""
    return {d.order_line_id: d for d in Dispense.objects.filter(order_line__order=order).select_related("prescription")}


def has_acknowledged(*, user, product) -> RiskAcknowledgement | None:
    if not (user and user.is_authenticated):
        return None
    return RiskAcknowledgement.objects.filter(user=user, product=product).first()


# --- The pharmacist's workspace -----------------------------------------------------

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
    policies: dict[int, DispensingPolicy]
    acknowledgements: dict[int, RiskAcknowledgement]
    orders_count: int


def review_context(*, prescription: Prescription, recent_days: int = 90) -> ReviewContext:
    Line = get_model("basket", "Line")
    OrderLine = get_model("order", "Line")
    user = prescription.user
    product_ids = [p.pk for p in prescription.products.all()]
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
        conflicts=interaction_conflicts_for_ids(considered),
        policies=policies_for(product_ids),
        acknowledgements={
            a.product_id: a for a in RiskAcknowledgement.objects.filter(user=user, product_id__in=product_ids)
        },
        orders_count=get_model("order", "Order").objects.filter(user=user).count(),
    )


def next_pending_after(prescription: Prescription) -> Prescription | None:
    """The next prescription waiting in the queue, so review can go straight on."""
    return (
        Prescription.objects.filter(status=Prescription.Status.PENDING)
        .exclude(pk=prescription.pk)
        .order_by("submitted_at", "id")
        .first()
    )
