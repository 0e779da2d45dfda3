"""Reads: what a customer or pharmacist may see, and where a basket stands."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone
from django.utils.functional import SimpleLazyObject, cached_property
from oscar.core.loading import get_model

from prescriptions.coverage import (
    AcknowledgementProblem,
    Allocation,
    Conflict,
    Coverage,
    HistoryConflict,
    ProductRules,
    Reason,
    RxLine,
    Shortfall,
    acknowledgement_lapses_on,
    acknowledgement_problem,
    allocate,
    default_policy,
)
from prescriptions.models import (
    Dispense,
    DispensingPolicy,
    DispensingPolicyChange,
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


# What ``product_rules`` reads, to load with the products (select_related).
RULES_RELATED = ("dispensing_policy", "drug_information", "parent__dispensing_policy", "parent__drug_information")


def _own_policy(product) -> DispensingPolicy | None:
    # A missing reverse one-to-one raises RelatedObjectDoesNotExist, an AttributeError.
    return getattr(product, "dispensing_policy", None)


def _with_parent(product) -> list:
    # A variant's own values come first, then its parent's.
    return [product, product.parent] if product.parent_id else [product]


def drug_holder(product):
    """The product whose drug information applies to ``product`` (itself or its parent), or None."""
    return next((p for p in _with_parent(product) if p.drug_information_id is not None), None)


def acknowledgement_product_ids(product) -> frozenset[int]:
    """Acknowledging the pregnancy warning on any of these products counts for ``product``."""
    return frozenset(p.pk for p in _with_parent(product))


def product_rules(product) -> ProductRules:
    """The prescription flag, dispensing rules and drug information that govern ``product``.

    The one place these are resolved: a variant (child) product has each of
    them from its parent when it has none of its own. The gate, the
    interaction check, the upload form, the acknowledgement, the product page
    and the review page all ask here. Reads nothing when the product comes
    with ``RULES_RELATED`` loaded.
    """
    candidates = _with_parent(product)
    policy_holder = next((p for p in candidates if _own_policy(p) is not None), None)
    drugs_from = drug_holder(product)
    drug = drugs_from.drug_information if drugs_from is not None else None
    return ProductRules(
        product_id=product.pk,
        requires_prescription=any(p.requires_prescription for p in candidates),
        policy=_own_policy(policy_holder) if policy_holder is not None else default_policy(drug=drug),
        policy_product_id=policy_holder.pk if policy_holder is not None else None,
        drug=drug,
        drug_product_id=drugs_from.pk if drugs_from is not None else None,
        acknowledgement_product_ids=acknowledgement_product_ids(product),
    )


def rules_for_products(products) -> dict[int, ProductRules]:
    return {product.pk: product_rules(product) for product in products}


def rules_for_ids(product_ids) -> dict[int, ProductRules]:
    return rules_for_products(Product.objects.filter(pk__in=set(product_ids)).select_related(*RULES_RELATED))


def requires_prescription(product) -> bool:
    return product_rules(product).requires_prescription


def prescription_only_products() -> QuerySet:
    """Products a customer can buy that need a prescription: what an upload may be for.

    The queryset twin of ``product_rules(...).requires_prescription``: a
    variant counts when it or its parent is prescription-only. Parents
    themselves are left out, because only their variants can be bought.
    """
    return (
        Product.objects.filter(Q(requires_prescription=True) | Q(parent__requires_prescription=True))
        .exclude(structure=Product.PARENT)
        .filter(is_public=True)
        .exclude(parent__is_public=False)
        .select_related("parent")
    )


def products_under_dispensing_rules() -> QuerySet:
    """Every prescription-only product, parents and variants included, with what ``product_rules`` reads."""
    return (
        Product.objects.filter(Q(requires_prescription=True) | Q(parent__requires_prescription=True))
        .select_related("parent", *RULES_RELATED)
        .order_by(Coalesce(NullIf("title", Value("")), "parent__title"), "pk")
    )


def dispensing_policy_history(*, product) -> list[DispensingPolicyChange]:
    """Every change to the product's own dispensing rules, newest first."""
    return list(DispensingPolicyChange.objects.filter(product=product).select_related("actor"))


def rx_lines(lines, rules: dict[int, ProductRules] | None = None) -> list[RxLine]:
    """The prescription-only lines among basket lines."""
    rules = rules if rules is not None else rules_for_products({line.product for line in lines})
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


def _warning_url(product, rules: ProductRules) -> str:
    """The page that shows the product's pregnancy warning: its own, or its parent's when the drug is the parent's."""
    if product.parent_id and rules.drug_product_id == product.parent_id:
        return product.parent.get_absolute_url()
    return product.get_absolute_url()


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


def other_prescriptions_for(*, user, product_ids) -> dict[int, list[Prescription]]:
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
    user,
    lines: list[RxLine],
    today: datetime.date | None = None,
    lock: bool = False,
    rules: dict[int, ProductRules] | None = None,
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
    rules = rules if rules is not None else rules_for_ids(product_ids)
    return allocate(
        lines,
        items=approved_items_for(user=user, product_ids=product_ids, lock=lock),
        # Only read to explain a refusal, so only queried when there is one.
        other_prescriptions=SimpleLazyObject(lambda: other_prescriptions_for(user=user, product_ids=product_ids)),
        rules=rules,
        acknowledgements=acknowledgements_for(user=user, rules=rules),
        today=today or timezone.localdate(),
    )


def interaction_conflicts_for_ids(product_ids) -> list[Conflict]:
    return interaction_conflicts(
        Product.objects.filter(pk__in=set(product_ids)).select_related(*RULES_RELATED).order_by("pk")
    )


def _drug_class(product) -> str:
    # Through drug_holder rather than product_rules: only the drug information is needed.
    holder = drug_holder(product)
    return holder.drug_information.drug_class if holder is not None else ""


def interaction_conflicts(products) -> list[Conflict]:
    """Pairs among these products (``RULES_RELATED`` loaded) that must not be taken together.

    A variant without drug information of its own is checked as its parent's drug.
    """
    by_class: dict[str, list] = {}
    for product in {p.pk: p for p in products}.values():
        if drug_class := _drug_class(product):
            by_class.setdefault(drug_class, []).append(product)
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


# Medicines that must not be taken together must not be ordered within this
# many days of each other either: isotretinoin a week after doxycycline is the
# same risk as both in one basket.
INTERACTION_HISTORY_DAYS = 30
# An order cancelled before dispatch put nothing in the customer's hands
# (settings.OSCAR_ORDER_STATUS_PIPELINE).
CANCELLED_ORDER_STATUS = "Cancelled"


def _partner_rules(products) -> tuple[dict, dict[tuple[str, str], Interaction]]:
    """The products' drug classes, and the interaction rules involving them, both ways round."""
    classes = {p.pk: c for p in {p.pk: p for p in products}.values() if (c := _drug_class(p))}
    if not classes:
        return classes, {}
    wanted = set(classes.values())
    pairs = {}
    for rule in Interaction.objects.filter(Q(first_class__in=wanted) | Q(second_class__in=wanted)).order_by("pk"):
        pairs.setdefault((rule.first_class, rule.second_class), rule)
        pairs.setdefault((rule.second_class, rule.first_class), rule)
    return classes, pairs


def _with_drug_class_in(queryset: QuerySet, prefix: str, classes: set[str]) -> QuerySet:
    return queryset.filter(
        Q(**{f"{prefix}drug_information__drug_class__in": classes})
        | Q(**{f"{prefix}drug_information__isnull": True, f"{prefix}parent__drug_information__drug_class__in": classes})
    ).select_related(f"{prefix}drug_information", f"{prefix}parent__drug_information")


def _history_conflicts(products, history, classes, pairs) -> list[HistoryConflict]:
    found: dict[tuple[int, int], HistoryConflict] = {}
    by_pk = {p.pk: p for p in products}
    for other, details in history:
        other_class = _drug_class(other)
        for pk, drug_class in classes.items():
            rule = pairs.get((drug_class, other_class))
            if rule is not None and (pk, other.pk) not in found:
                found[pk, other.pk] = HistoryConflict(
                    by_pk[pk].get_title(), other.get_title(), rule.explanation, **details
                )
    return list(found.values())


def recent_order_conflicts(
    *, user, products, days: int = INTERACTION_HISTORY_DAYS, now: datetime.datetime | None = None
) -> list[HistoryConflict]:
    """Medicines among ``products`` that clash with one the customer ordered in the last ``days`` days."""
    if not (user and user.is_authenticated):
        return []
    classes, pairs = _partner_rules(products)
    if not pairs:
        return []
    OrderLine = get_model("order", "Line")
    since = (now or timezone.now()) - datetime.timedelta(days=days)
    lines = _with_drug_class_in(
        OrderLine.objects.filter(order__user=user, order__date_placed__gte=since, product__isnull=False)
        .exclude(order__status=CANCELLED_ORDER_STATUS)
        .select_related("order", "product__parent"),
        "product__",
        {other for (_mine, other) in pairs},
    ).order_by("-order__date_placed", "-pk")
    history = [
        (
            line.product,
            {
                "days": days,
                "order_number": line.order.number,
                "ordered_on": timezone.localdate(line.order.date_placed),
            },
        )
        for line in lines
    ]
    return _history_conflicts(products, history, classes, pairs)


def active_approval_conflicts(
    *, user, products, exclude=None, today: datetime.date | None = None
) -> list[HistoryConflict]:
    """Medicines among ``products`` that clash with one the customer can still order on an approval."""
    classes, pairs = _partner_rules(products)
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
        items.select_related("prescription", "product__parent"),
        "product__",
        {other for (_mine, other) in pairs},
    ).order_by("prescription__valid_until", "pk")
    history = [
        (
            item.product,
            {
                "approval_reference": item.prescription.reference,
                "approval_valid_until": item.prescription.valid_until,
            },
        )
        for item in items
    ]
    return _history_conflicts(products, history, classes, pairs)


def basket_coverage(
    *, user, basket, today: datetime.date | None = None, lock: bool = False, interactions: bool = True
) -> Coverage:
    """Where the basket stands: each prescription-only line, and any medicines that clash,
    with each other or with what the customer ordered in the last ``INTERACTION_HISTORY_DAYS`` days.

    The basket's lines arrive with their products' rules loaded, their
    parents' too (basket.models.Basket.all_lines). Without ``interactions``,
    only the lines' coverage (what the basket page shows beside each line).
    """
    lines = list(basket.all_lines())
    products = [line.product for line in lines]
    rules = rules_for_products(products)
    coverage = coverage_for_lines(user=user, lines=rx_lines(lines, rules), today=today, lock=lock, rules=rules)
    if interactions:
        coverage.conflicts = [*interaction_conflicts(products), *recent_order_conflicts(user=user, products=products)]
    return coverage


def basket_line_status(*, user, basket) -> dict[int, list[Allocation | Shortfall]]:
    """Per basket line: its covering prescription, or what stands in the way."""
    coverage = basket_coverage(user=user, basket=basket, interactions=False)
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
    """A prescription whose file this user may open: their own, or any if they review prescriptions.

    Never one whose file was deleted under the retention rule.
    """
    still_kept = Prescription.objects.filter(erased_at__isnull=True)
    if can_review_prescriptions(user):
        return still_kept.get(public_id=public_id)
    return still_kept.get(public_id=public_id, user=user)


@dataclass(frozen=True)
class ProductPrescriptionStatus:
    """What the product page tells a logged-in customer: the gate's own answer for one pack of the product."""

    # approved: the gate would let one pack through; acknowledgement_missing:
    # a prescription covers it but the warning must be acknowledged first;
    # pending, resubmit, rejected, revoked, expired, none: where the latest
    # prescription stands; used_up: approved, none left; otherwise the gate's
    # reason (window_passed, no_pregnancy_test, too_many_days, too_many_packs).
    code: str
    prescription: Prescription | None
    remaining: int | None = None
    # What stands in the way, as the gate says it.
    messages: tuple[str, ...] = ()


_STATUS_CODES = {
    Reason.PENDING: "pending",
    Reason.RESUBMIT: "resubmit",
    Reason.REJECTED: "rejected",
    Reason.REVOKED: "revoked",
    Reason.EXPIRED: "expired",
    Reason.NONE_ON_FILE: "none",
    # For one pack, "not enough left" can only mean none left.
    Reason.NOT_ENOUGH_LEFT: "used_up",
}


def product_prescription_status(
    *, user, product, today: datetime.date | None = None, state: ProductPageState | None = None
) -> ProductPrescriptionStatus:
    """Where the customer stands for one pack of ``product``, by the same rule as the gate (``coverage.allocate``).

    One query for the prescriptions, with what each has left of the product,
    beside ``state`` (``product_page_state``: the rules and the
    acknowledgement, shared with the acknowledgement on the same page).
    """
    if not (user and user.is_authenticated):
        return ProductPrescriptionStatus("none", None)
    today = today or timezone.localdate()
    state = state or product_page_state(user=user, product=product)
    item = PrescriptionItem.objects.filter(prescription=OuterRef("pk"), product=product)
    prescriptions = list(
        Prescription.objects.filter(user=user, products=product)
        .annotate(
            item_pk=Subquery(item.values("pk")[:1]),
            item_approved=Subquery(item.values("quantity_approved")[:1]),
            item_remaining=Subquery(item.values("quantity_remaining")[:1]),
        )
        .order_by("-submitted_at", "-id")
    )
    items = [
        PrescriptionItem(
            pk=p.item_pk,
            prescription=p,
            product_id=product.pk,
            quantity_approved=p.item_approved,
            quantity_remaining=p.item_remaining,
        )
        for p in prescriptions
        if p.status == Prescription.Status.APPROVED and p.item_pk is not None
    ]
    line = RxLine(key=product.pk, product_id=product.pk, title=product.get_title(), quantity=1)
    inputs = {
        "items": items,
        "other_prescriptions": {product.pk: [p for p in prescriptions if p.status != Prescription.Status.APPROVED]},
        "rules": {product.pk: state.rules},
        "acknowledgements": {product.pk: state.acknowledgement} if state.acknowledgement else {},
        "today": today,
    }
    coverage = allocate([line], **inputs)
    if coverage.allocations:
        covering = coverage.allocations[0].item
        return ProductPrescriptionStatus("approved", covering.prescription, covering.quantity_remaining)
    acknowledgement = [s for s in coverage.shortfalls if s.reason == Reason.ACKNOWLEDGEMENT_MISSING]
    covered_otherwise = allocate([line], **inputs, check_acknowledgements=False).allocations
    if acknowledgement and covered_otherwise:
        covering = covered_otherwise[0].item
        return ProductPrescriptionStatus(
            "acknowledgement_missing",
            covering.prescription,
            covering.quantity_remaining,
            messages=(acknowledgement[0].message,),
        )
    [shortfall] = [s for s in coverage.shortfalls if s.reason != Reason.ACKNOWLEDGEMENT_MISSING]
    return ProductPrescriptionStatus(
        _STATUS_CODES.get(shortfall.reason, shortfall.reason.value),
        shortfall.prescription,
        messages=tuple(s.message for s in [shortfall, *acknowledgement]),
    )


def dispenses_for_order(*, order) -> dict[int, Dispense]:
    """Which prescription authorised each line of an order, by line id."""
    return {d.order_line_id: d for d in Dispense.objects.filter(order_line__order=order).select_related("prescription")}


def acknowledgements_for(*, user, rules: dict[int, ProductRules]) -> dict[int, RiskAcknowledgement]:
    """Per product: the customer's acknowledgement of its pregnancy warning, given on it or on its parent."""
    return _latest_acknowledgements(
        user=user, asked={product_id: r.acknowledgement_product_ids for product_id, r in rules.items()}
    )


def _latest_acknowledgements(*, user, asked: dict[int, frozenset[int]]) -> dict[int, RiskAcknowledgement]:
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


@dataclass(frozen=True)
class AcknowledgementStatus:
    """Where the customer stands with a product's pregnancy warning, for its page."""

    acknowledgement: RiskAcknowledgement | None
    problem: AcknowledgementProblem | None
    lapses_on: datetime.date | None = None

    @property
    def current(self) -> bool:
        return self.problem is None


@dataclass(frozen=True)
class ProductPageState:
    rules: ProductRules
    acknowledgement: RiskAcknowledgement | None


def product_page_state(*, user, product) -> ProductPageState:
    """The product's rules and the customer's latest acknowledgement of its warning, in one query."""
    latest = RiskAcknowledgement.objects.filter(
        user=user, product_id__in=acknowledgement_product_ids(product)
    ).order_by("-acknowledged_at", "-pk")
    fields = ("pk", "product_id", "acknowledged_at", "warning_sha256")
    loaded = (
        Product.objects.select_related("parent", *RULES_RELATED)
        .annotate(**{f"ack_{name}": Subquery(latest.values(name)[:1]) for name in fields})
        .get(pk=product.pk)
    )
    ack = None
    if loaded.ack_pk is not None:
        ack = RiskAcknowledgement(
            pk=loaded.ack_pk,
            user_id=user.pk,
            product_id=loaded.ack_product_id,
            acknowledged_at=loaded.ack_acknowledged_at,
            warning_sha256=loaded.ack_warning_sha256,
        )
    return ProductPageState(rules=product_rules(loaded), acknowledgement=ack)


def acknowledgement_status(*, state: ProductPageState, today: datetime.date | None = None) -> AcknowledgementStatus:
    ack, rules = state.acknowledgement, state.rules
    return AcknowledgementStatus(
        acknowledgement=ack,
        problem=acknowledgement_problem(ack, rules, today or timezone.localdate()),
        lapses_on=acknowledgement_lapses_on(ack, rules) if ack is not None else None,
    )


def has_acknowledged(*, user, product) -> RiskAcknowledgement | None:
    if not (user and user.is_authenticated):
        return None
    return _latest_acknowledgements(user=user, asked={product.pk: acknowledgement_product_ids(product)}).get(product.pk)


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
    rules = rules_for_products(with_rules)
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
        conflicts=interaction_conflicts_for_ids(considered),
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


def next_pending_after(prescription: Prescription) -> Prescription | None:
    """The next prescription waiting in the queue, so review can go straight on."""
    return (
        Prescription.objects.filter(status=Prescription.Status.PENDING)
        .exclude(pk=prescription.pk)
        .order_by("submitted_at", "id")
        .first()
    )
