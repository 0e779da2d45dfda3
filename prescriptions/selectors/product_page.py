"""Where a customer stands with one product: for its page, by the gate's own rule."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from catalogue.models import Product
from prescriptions.coverage import Reason, RxLine, Shortfall, allocate
from prescriptions.models import Prescription, PrescriptionItem, RiskAcknowledgement
from prescriptions.policy import (
    AcknowledgementProblem,
    ProductRules,
    acknowledgement_lapses_on,
    acknowledgement_problem,
)
from prescriptions.selectors.products import RULES_RELATED, acknowledgement_product_ids, product_rules


@dataclass(frozen=True)
class ProductPageState:
    rules: ProductRules
    acknowledgement: RiskAcknowledgement | None


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
    # What stands in the way, as the gate has it (worded by prescriptions.messages).
    shortfalls: tuple[Shortfall, ...] = ()


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


def product_page_state(*, user: AbstractBaseUser, product: Product) -> ProductPageState:
    """The product's rules and the customer's latest acknowledgement of its warning, in one query."""
    latest = RiskAcknowledgement.objects.filter(
        user=user, product_id__in=acknowledgement_product_ids(product=product)
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
    return ProductPageState(rules=product_rules(product=loaded), acknowledgement=ack)


def product_prescription_status(
    *,
    user: AbstractBaseUser | AnonymousUser | None,
    product: Product,
    today: datetime.date | None = None,
    state: ProductPageState | None = None,
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
            shortfalls=(acknowledgement[0],),
        )
    [shortfall] = [s for s in coverage.shortfalls if s.reason != Reason.ACKNOWLEDGEMENT_MISSING]
    return ProductPrescriptionStatus(
        _STATUS_CODES.get(shortfall.reason, shortfall.reason.value),
        shortfall.prescription,
        shortfalls=(shortfall, *acknowledgement),
    )


@dataclass(frozen=True)
class AcknowledgementStatus:
    """Where the customer stands with a product's pregnancy warning, for its page."""

    acknowledgement: RiskAcknowledgement | None
    problem: AcknowledgementProblem | None
    lapses_on: datetime.date | None = None

    @property
    def current(self) -> bool:
        return self.problem is None


def acknowledgement_status(*, state: ProductPageState, today: datetime.date | None = None) -> AcknowledgementStatus:
    ack, rules = state.acknowledgement, state.rules
    return AcknowledgementStatus(
        acknowledgement=ack,
        problem=acknowledgement_problem(ack, rules, today or timezone.localdate()),
        lapses_on=acknowledgement_lapses_on(ack, rules) if ack is not None else None,
    )
