"""A synthetic catalogue and prescription queue, for load tests and benchmarks.

``generate_catalogue`` adds N products (PKR stock records from the partner
"jild", spread over the demo's categories, about 5% prescription-only with the
demo's drug information) and M prescriptions for the pharmacist's queue, then
rebuilds the search index.

Everything is derived from the seed and a row's number, never from the clock
or a shared random state: product number 17 of seed 1 is always the same
product, whatever else is in the database and however many runs it took to
get there. Only timestamps (relative to now) and the database ids differ.

Synthetic rows are known by their keys: products by the UPC
``SYN-<seed>-<number>``, customers by the username ``synthetic-<seed>-<number>``.
A run creates only the rows of its seed that are missing, so running it again
with the same numbers creates nothing, and a larger N tops the catalogue up.

Rows are written with ``bulk_create`` in batches. That skips model signals on
purpose: the per-product re-index in ``search/receivers.py`` would make 100,000
products take hours. So the load does once what those receivers do per product:
it rebuilds the search index at the end and renews the cached listing version.
"""

from __future__ import annotations

import datetime
import hashlib
import itertools
import random
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from io import BytesIO

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from oscar.core.loading import get_model
from PIL import Image, ImageDraw

from catalogue.selectors import new_listing_version
from demo import loader
from demo.products import MEDICINE, SKIN_CARE
from prescriptions.models import (
    REFERENCE_ALPHABET,
    Prescription,
    PrescriptionEvent,
    PrescriptionItem,
    prescription_storage,
)
from prescriptions.roles import PHARMACIST_GROUP, ensure_pharmacist_group
from search.index import rebuild_index
from shop.db import refresh_planner_statistics

Product = get_model("catalogue", "Product")
ProductCategory = get_model("catalogue", "ProductCategory")
Category = get_model("catalogue", "Category")
DrugInformation = get_model("catalogue", "DrugInformation")
ProductClass = get_model("catalogue", "ProductClass")
Partner = get_model("partner", "Partner")
StockRecord = get_model("partner", "StockRecord")
User = get_user_model()

Status = Prescription.Status
Action = PrescriptionEvent.Action

BATCH_SIZE = 2000
CURRENCY = "PKR"
# Every 20th product is prescription-only (5%), every 25th is out of stock (4%).
PRESCRIPTION_EVERY = 20
OUT_OF_STOCK_EVERY = 25
# The queue's newest prescriptions wait for review: a tenth of them, at most this many.
MAX_PENDING = 300
# Each new prescription comes from a new customer or a returning one: about four per customer.
PRESCRIPTIONS_PER_CUSTOMER = 4
# The one picture every synthetic prescription points at, in the prescription storage.
PRESCRIPTION_FILE_NAME = "synthetic/synthetic-prescription.jpg"
SYNTHETIC_PHARMACIST = "synthetic-pharmacist"

ProgressFn = Callable[[str], None]


# --- What a synthetic product is ----------------------------------------------------


@dataclass(frozen=True)
class _Kind:
    """A family of similar products: where they are listed and what they are called."""

    categories: tuple[str, ...]
    names: tuple[str, ...]
    packs: tuple[str, ...]
    price_range: tuple[int, int]  # rupees
    product_class: str = SKIN_CARE
    drug: str | None = None
    weight: int = 1


ISOTRETINOIN = "Isotretinoin (oral)"
ACNE_RX = ("Prescription medicines", "Acne")

SHOP_KINDS: tuple[_Kind, ...] = (
    _Kind(
        ("Cleansers",),
        (
            "gentle hydrating cleanser",
            "foaming face wash",
            "micellar cleansing water",
            "oil-control gel cleanser",
            "cream cleanser",
            "cleansing balm",
        ),
        ("100 ml", "150 ml", "200 ml", "236 ml", "400 ml"),
        (650, 3200),
        weight=4,
    ),
    _Kind(
        ("Cleansers", "Acne"),
        ("salicylic acid 2% cleanser", "tea tree face wash", "clarifying foaming wash"),
        ("150 ml", "200 ml"),
        (900, 2600),
        weight=2,
    ),
    _Kind(
        ("Moisturisers",),
        (
            "ceramide moisturising cream",
            "oil-free gel moisturiser",
            "night repair cream",
            "barrier repair lotion",
            "urea 10% body lotion",
            "light daily moisturiser",
        ),
        ("50 ml", "100 ml", "200 g", "340 g"),
        (900, 4500),
        weight=4,
    ),
    _Kind(
        ("Moisturisers > Lip care",),
        ("repairing lip balm", "lip ointment", "overnight lip mask"),
        ("4 g", "10 g", "15 ml"),
        (350, 1200),
    ),
    _Kind(
        ("Sunscreens",),
        (
            "mineral sunscreen SPF 50",
            "invisible fluid sunscreen SPF 50+",
            "tinted sunscreen SPF 30",
            "gel sunscreen SPF 50",
            "sunscreen stick SPF 50",
            "body sun lotion SPF 30",
        ),
        ("40 ml", "50 ml", "75 ml", "100 ml"),
        (1200, 4200),
        weight=4,
    ),
    _Kind(
        ("Serums",),
        (
            "niacinamide 10% serum",
            "vitamin C 15% serum",
            "hyaluronic acid 2% serum",
            "alpha arbutin 2% serum",
            "retinol 0.3% serum",
            "peptide serum",
        ),
        ("15 ml", "30 ml", "60 ml"),
        (1100, 5500),
        weight=4,
    ),
    _Kind(("Acne", "Serums"), ("azelaic acid 10% cream", "sulphur clay mask"), ("30 g", "50 g"), (1200, 2800)),
    _Kind(
        ("Acne > Spot treatments",),
        ("spot gel", "overnight spot cream"),
        ("10 ml", "15 ml"),
        (450, 1400),
    ),
    _Kind(("Acne > Spot treatments",), ("hydrocolloid acne patches",), ("24", "36", "72"), (500, 1500)),
    _Kind(
        ("Acne",),
        ("adapalene 0.1% gel",),
        ("15 g", "30 g"),
        (700, 1600),
        product_class=MEDICINE,
        drug="Adapalene (topical)",
    ),
    _Kind(
        ("Acne", "Acne > Spot treatments"),
        ("benzoyl peroxide 5% gel", "benzoyl peroxide 2.5% gel"),
        ("30 g", "60 g"),
        (600, 1800),
        product_class=MEDICINE,
        drug="Benzoyl peroxide (topical)",
    ),
    _Kind(
        ("Supplements",),
        ("zinc 50 mg tablets", "biotin 5000 mcg tablets", "omega-3 capsules", "vitamin D3 1000 IU tablets"),
        ("30", "60", "90"),
        (500, 3500),
        weight=2,
    ),
    _Kind(
        ("Supplements",),
        ("vitamin A 10,000 IU capsules",),
        ("30", "60"),
        (400, 1200),
        product_class=MEDICINE,
        drug="Vitamin A (retinyl palmitate) supplement",
    ),
)

PRESCRIPTION_KINDS: tuple[_Kind, ...] = (
    _Kind(
        ACNE_RX,
        ("isotretinoin 10 mg capsules", "isotretinoin 20 mg capsules", "isotretinoin 40 mg capsules"),
        ("30", "60"),
        (1500, 6500),
        product_class=MEDICINE,
        drug=ISOTRETINOIN,
        weight=2,
    ),
    _Kind(
        ACNE_RX,
        ("tretinoin 0.025% cream", "tretinoin 0.05% cream", "tretinoin 0.1% gel"),
        ("20 g", "30 g"),
        (450, 1400),
        product_class=MEDICINE,
        drug="Tretinoin (topical)",
    ),
    _Kind(
        ACNE_RX,
        ("clindamycin 1% gel",),
        ("15 g", "30 g"),
        (400, 1200),
        product_class=MEDICINE,
        drug="Clindamycin (topical)",
    ),
    _Kind(
        ("Prescription medicines",),
        ("doxycycline 100 mg capsules", "doxycycline 50 mg tablets"),
        ("14", "20", "28"),
        (300, 900),
        product_class=MEDICINE,
        drug="Doxycycline",
    ),
)

# Made-up brand names; none is a real maker.
BRANDS = (
    "Aab",
    "Barg",
    "Chandni",
    "Dermaline",
    "Gulab",
    "Hunza",
    "Indus",
    "Jheel",
    "Karakoram",
    "Khaas",
    "Margalla",
    "Mehr",
    "Nafees",
    "Noor",
    "Ravi",
    "Rooh",
    "Saaf",
    "Sehat",
    "Shifa",
    "Sitara",
    "Tarang",
    "Zeenat",
)
QUALIFIERS = ("for oily skin", "for dry skin", "for sensitive skin", "fragrance-free", "travel size")
BENEFITS = (
    "Gentle enough for every day, morning and evening.",
    "Dermatologist-tested, non-comedogenic and free of fragrance.",
    "Made for hot, humid summers: light, quick to absorb and never greasy.",
    "Suits skin that is dry or irritated by acne treatment.",
    "Kind to sensitive skin and tested on all skin tones.",
    "Packed in an airless pump that keeps the formula fresh.",
)
USES = (
    "Apply a thin layer to clean, dry skin.",
    "Use once or twice a day, or as your pharmacist advises.",
    "Patch-test on the inner arm before the first use.",
    "Store below 30 °C, away from direct sunlight.",
)
_CUM_WEIGHTS = {
    rx: tuple(itertools.accumulate(kind.weight for kind in kinds))
    for rx, kinds in ((False, SHOP_KINDS), (True, PRESCRIPTION_KINDS))
}
RX_NOTE = "Prescription only: we dispatch it once our pharmacist has checked your prescription."


@dataclass(frozen=True)
class ProductSpec:
    """Everything about one synthetic product that its seed and number decide."""

    number: int
    upc: str
    title: str
    slug: str
    description: str
    product_class: str
    categories: tuple[str, ...]
    price: Decimal
    num_in_stock: int
    requires_prescription: bool
    drug: str | None


def upc_prefix(seed: int) -> str:
    return f"SYN-{seed}-"


def product_upc(seed: int, number: int) -> str:
    return f"{upc_prefix(seed)}{number:06d}"


def product_spec(seed: int, number: int) -> ProductSpec:
    """Synthetic product ``number`` (from 1) of ``seed``; the same arguments give the same product."""
    rng = random.Random(f"jild:{seed}:product:{number}")
    requires_prescription = number % PRESCRIPTION_EVERY == 7
    kinds = PRESCRIPTION_KINDS if requires_prescription else SHOP_KINDS
    kind = rng.choices(kinds, cum_weights=_CUM_WEIGHTS[requires_prescription])[0]
    name = rng.choice(kind.names)
    if not requires_prescription and rng.random() < 0.35:
        name = f"{name} {rng.choice(QUALIFIERS)}"
    title = f"{rng.choice(BRANDS)} {name}, {rng.choice(kind.packs)}"
    upc = product_upc(seed, number)
    low, high = kind.price_range
    price = Decimal(rng.randint(low // 10, high // 10) * 10)
    stock = 0 if number % OUT_OF_STOCK_EVERY == 3 else rng.randint(1, 250)
    sentences = [f"{title[0].upper()}{title[1:]}.", rng.choice(BENEFITS)]
    if requires_prescription:
        sentences.append(RX_NOTE)
    description = f"<p>{' '.join(sentences)}</p><p>{rng.choice(USES)}</p>"
    return ProductSpec(
        number=number,
        upc=upc,
        title=title,
        slug=slugify(f"{title} {upc}")[:255],
        description=description,
        product_class=kind.product_class,
        categories=kind.categories,
        price=price,
        num_in_stock=stock,
        requires_prescription=requires_prescription,
        drug=kind.drug,
    )


# --- What a synthetic prescription is ------------------------------------------------

FIRST_NAMES = (
    "Ayesha",
    "Bilal",
    "Fatima",
    "Hamza",
    "Hina",
    "Imran",
    "Kiran",
    "Mahnoor",
    "Omar",
    "Rabia",
    "Saad",
    "Sana",
    "Usman",
    "Zainab",
    "Zara",
)
LAST_NAMES = ("Ahmed", "Baig", "Butt", "Chaudhry", "Hussain", "Iqbal", "Khan", "Malik", "Qureshi", "Raza", "Shah")
DOCTORS = ("Dr. Farah Khan", "Dr. Asad Mirza", "Dr. Nadia Rehman", "Dr. Tariq Javed", "Dr. Saima Anwar")
REFUSAL_REASONS = {
    Status.REJECTED: "The prescription is older than the time allowed for this medicine.",
    Status.RESUBMIT: "Part of the prescription cannot be read. Please upload a clearer photo or scan of all of it.",
    Status.REVOKED: "The prescribing doctor asked us to stop this treatment.",
}
CHECKLIST_DONE = {
    "prescriber_verified": True,
    "patient_matches": True,
    "date_within_window": True,
    "drug_details_ok": True,
    "signature_present": True,
}
# Decided prescriptions, by number modulo 20: 70% approved, 15% rejected,
# 10% clearer copy requested, 5% approved and later revoked.
_DECIDED_PATTERN = (Status.APPROVED,) * 14 + (Status.REJECTED,) * 3 + (Status.RESUBMIT,) * 2 + (Status.REVOKED,)


def pending_count(total: int) -> int:
    """How many of ``total`` synthetic prescriptions wait for review: the newest ones."""
    return min(MAX_PENDING, max(1, total // 10)) if total > 0 else 0


def customer_prefix(seed: int) -> str:
    return f"synthetic-{seed}-"


def customer_username(seed: int, number: int) -> str:
    return f"{customer_prefix(seed)}{number:06d}"


def customers_needed(total_prescriptions: int) -> int:
    return (total_prescriptions - 1) // PRESCRIPTIONS_PER_CUSTOMER + 1 if total_prescriptions > 0 else 0


@dataclass(frozen=True)
class CustomerSpec:
    username: str
    email: str
    first_name: str
    last_name: str


def customer_spec(seed: int, number: int) -> CustomerSpec:
    rng = random.Random(f"jild:{seed}:customer:{number}")
    username = customer_username(seed, number)
    return CustomerSpec(username, f"{username}@example.invalid", rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES))


@dataclass(frozen=True)
class PrescriptionSpec:
    number: int
    public_id: uuid.UUID
    customer_number: int
    product_picks: tuple[int, ...]  # indexes into the list of prescription-only products
    status: str
    submitted_ago: datetime.timedelta
    decided_after: datetime.timedelta
    revoked_after: datetime.timedelta
    issued_days_before: int
    validity_days: int
    patient_can_become_pregnant: bool | None
    quantities: tuple[tuple[int, int], ...]  # (approved, remaining) for each product
    prescriber: str
    registration: str


def prescription_references(seed: int, number: int) -> Iterator[str]:
    """Candidate references for one prescription, in order: the first one not yet taken is used."""
    rng = random.Random(f"jild:{seed}:reference:{number}")
    while True:
        yield "RX-" + "".join(rng.choice(REFERENCE_ALPHABET) for _ in range(8))


def prescription_spec(seed: int, number: int, *, total: int, rx_product_count: int) -> PrescriptionSpec:
    """Synthetic prescription ``number`` (from 0) of ``total``; the newest ``pending_count`` wait for review."""
    rng = random.Random(f"jild:{seed}:prescription:{number}")
    pending = number >= total - pending_count(total)
    status = Status.PENDING if pending else _DECIDED_PATTERN[number % len(_DECIDED_PATTERN)]
    if pending:
        submitted_ago = datetime.timedelta(minutes=rng.uniform(5, 72 * 60))
    else:
        submitted_ago = datetime.timedelta(days=rng.uniform(4, 730))
    picks = tuple(sorted(rng.sample(range(rx_product_count), k=min(rx_product_count, rng.choice((1, 1, 1, 2))))))
    quantities = []
    for _pick in picks:
        approved = rng.randint(1, 3)
        quantities.append((approved, rng.randint(0, approved)))
    return PrescriptionSpec(
        number=number,
        public_id=uuid.UUID(int=rng.getrandbits(128), version=4),
        customer_number=rng.randrange(number // PRESCRIPTIONS_PER_CUSTOMER + 1),
        product_picks=picks,
        status=status,
        submitted_ago=submitted_ago,
        decided_after=datetime.timedelta(minutes=rng.uniform(15, 36 * 60)),
        revoked_after=datetime.timedelta(days=rng.uniform(1, 3)),
        issued_days_before=rng.randint(0, 14),
        validity_days=rng.choice((30, 90)),
        patient_can_become_pregnant=rng.choice((True, False, None)),
        quantities=tuple(quantities),
        prescriber=rng.choice(DOCTORS),
        registration=f"{rng.randint(10000, 99999)}-P",
    )


def synthetic_prescription_jpeg() -> bytes:
    """A tiny but real JPEG that every synthetic prescription points at."""
    image = Image.new("RGB", (160, 120), (250, 250, 245))
    draw = ImageDraw.Draw(image)
    draw.rectangle((6, 6, 153, 113), outline=(40, 40, 40), width=2)
    draw.text((14, 16), "Rx", fill=(20, 20, 120))
    draw.text((14, 40), "SYNTHETIC", fill=(40, 40, 40))
    draw.text((14, 56), "benchmark data", fill=(40, 40, 40))
    draw.line((14, 92, 120, 92), fill=(20, 20, 120), width=1)
    out = BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()


# --- Writing it -----------------------------------------------------------------------


@dataclass
class GenerationReport:
    products_created: int = 0
    products_existing: int = 0
    prescriptions_created: int = 0
    prescriptions_existing: int = 0
    customers_created: int = 0
    index_rows: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())


@dataclass(frozen=True)
class _Base:
    partner: Partner
    classes: dict[str, ProductClass]
    categories: dict[str, Category]
    drugs: dict[str, DrugInformation]


def _batches(items: Sequence, size: int = BATCH_SIZE) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _base() -> _Base:
    """The demo's partner, product classes, category tree and drug information, created if missing."""
    created: Counter = Counter()
    return _Base(
        partner=loader._partner(created),
        classes=loader._product_classes(created),
        categories=loader._categories(created),
        drugs=loader._drug_information(created),
    )


def generate_catalogue(
    *, products: int, prescriptions: int = 0, seed: int = 1, progress: ProgressFn | None = None
) -> GenerationReport:
    """Make sure products 1..``products`` and prescriptions 0..``prescriptions``-1 of ``seed`` exist.

    Creates only the missing ones, then rebuilds the search index.
    """
    if products < 0 or prescriptions < 0 or seed < 0:
        raise ValueError("products, prescriptions and seed must not be negative")
    say = progress or (lambda message: None)
    report = GenerationReport()

    started = time.perf_counter()
    with transaction.atomic():
        base = _base()
        report.products_created, report.products_existing = _create_products(base, seed, products, say)
        if report.products_created:
            # What catalogue/receivers.py does on every product save: cached listing
            # counts (in a cache other processes share) must not outlive this load.
            transaction.on_commit(new_listing_version)
    report.seconds["products"] = time.perf_counter() - started

    if prescriptions:
        started = time.perf_counter()
        with transaction.atomic():
            created, existing, customers = _create_prescriptions(seed, prescriptions, say)
        report.prescriptions_created, report.prescriptions_existing, report.customers_created = (
            created,
            existing,
            customers,
        )
        report.seconds["prescriptions"] = time.perf_counter() - started

    started = time.perf_counter()
    say("Rebuilding the search index")
    with transaction.atomic():
        report.index_rows = rebuild_index()
    report.seconds["search index"] = time.perf_counter() - started
    refresh_planner_statistics()
    return report


def _create_products(base: _Base, seed: int, count: int, say: ProgressFn) -> tuple[int, int]:
    existing = set(Product.objects.filter(upc__startswith=upc_prefix(seed)).values_list("upc", flat=True))
    missing = [n for n in range(1, count + 1) if product_upc(seed, n) not in existing]
    created = 0
    for batch in _batches(missing):
        specs = [product_spec(seed, n) for n in batch]
        rows = [
            Product(
                structure=Product.STANDALONE,
                is_public=True,
                upc=spec.upc,
                title=spec.title,
                slug=spec.slug,
                description=spec.description,
                product_class=base.classes[spec.product_class],
                requires_prescription=spec.requires_prescription,
                drug_information=base.drugs[spec.drug] if spec.drug else None,
            )
            for spec in specs
        ]
        Product.objects.bulk_create(rows)
        pks = _pks_by_upc(rows)
        StockRecord.objects.bulk_create(
            StockRecord(
                product_id=pks[spec.upc],
                partner=base.partner,
                partner_sku=spec.upc,
                price_currency=CURRENCY,
                price=spec.price,
                num_in_stock=spec.num_in_stock,
            )
            for spec in specs
        )
        ProductCategory.objects.bulk_create(
            ProductCategory(product_id=pks[spec.upc], category=base.categories[path])
            for spec in specs
            for path in spec.categories
        )
        created += len(specs)
        say(f"  products: {created:,} of {len(missing):,} created")
    return created, count - len(missing)


def _pks_by_upc(rows: list) -> dict[str, int]:
    """Primary keys of bulk-created products (databases without RETURNING leave them unset)."""
    if all(row.pk is not None for row in rows):
        return {row.upc: row.pk for row in rows}
    return dict(Product.objects.filter(upc__in=[row.upc for row in rows]).values_list("upc", "pk"))


def _create_prescriptions(seed: int, total: int, say: ProgressFn) -> tuple[int, int, int]:
    rx_products = list(
        Product.objects.filter(requires_prescription=True, is_public=True, structure=Product.STANDALONE)
        .order_by("upc")
        .values_list("pk", flat=True)
    )
    if not rx_products:
        raise ValueError("There are no prescription-only products to prescribe: generate products first.")
    customers, customers_created = _customers(seed, customers_needed(total))
    pharmacist = _pharmacist()
    file_fields = _prescription_file()
    start = Prescription.objects.filter(user__username__startswith=customer_prefix(seed)).count()
    references = set(Prescription.objects.values_list("reference", flat=True))
    now = timezone.now()
    created = 0
    numbers = range(start, total)
    for batch in _batches(numbers):
        specs = [prescription_spec(seed, n, total=total, rx_product_count=len(rx_products)) for n in batch]
        rows = [_prescription_row(seed, spec, customers, pharmacist, file_fields, references, now) for spec in specs]
        Prescription.objects.bulk_create(rows)
        if any(row.pk is None for row in rows):
            by_reference = dict(
                Prescription.objects.filter(reference__in=[r.reference for r in rows]).values_list("reference", "pk")
            )
            for row in rows:
                row.pk = row.id = by_reference[row.reference]
        links, items, events = [], [], []
        for spec, row in zip(specs, rows, strict=True):
            product_ids = [rx_products[pick] for pick in spec.product_picks]
            links += [Prescription.products.through(prescription_id=row.pk, product_id=pid) for pid in product_ids]
            if spec.status in (Status.APPROVED, Status.REVOKED):
                items += [
                    PrescriptionItem(
                        prescription_id=row.pk,
                        product_id=pid,
                        quantity_approved=approved,
                        quantity_remaining=remaining,
                    )
                    for pid, (approved, remaining) in zip(product_ids, spec.quantities, strict=True)
                ]
            events += _events(spec, row, pharmacist)
        Prescription.products.through.objects.bulk_create(links)
        PrescriptionItem.objects.bulk_create(items)
        PrescriptionEvent.objects.bulk_create(events)
        created += len(rows)
        say(f"  prescriptions: {created:,} of {len(numbers):,} created")
    return created, start, customers_created


def _prescription_row(
    seed: int, spec: PrescriptionSpec, customers, pharmacist, file_fields, references: set[str], now
) -> Prescription:
    reference = next(ref for ref in prescription_references(seed, spec.number) if ref not in references)
    references.add(reference)
    customer = customers[spec.customer_number]
    submitted_at = now - spec.submitted_ago
    issued_on = timezone.localdate(submitted_at) - datetime.timedelta(days=spec.issued_days_before)
    row = Prescription(
        public_id=spec.public_id,
        reference=reference,
        user_id=customer.pk,
        patient_name=f"{customer.first_name} {customer.last_name}",
        prescriber_name=spec.prescriber,
        prescriber_registration=spec.registration,
        issued_on=issued_on,
        status=spec.status,
        submitted_at=submitted_at,
        **file_fields,
    )
    if spec.status == Status.PENDING:
        return row
    row.decided_by_id = pharmacist.pk
    row.decided_at = min(submitted_at + spec.decided_after, now)
    row.decision_reason = REFUSAL_REASONS.get(spec.status, "")
    if spec.status in (Status.APPROVED, Status.REVOKED):
        row.valid_until = issued_on + datetime.timedelta(days=spec.validity_days)
        row.days_supply = 30
        row.patient_can_become_pregnant = spec.patient_can_become_pregnant
        row.pregnancy_test_on = issued_on if spec.patient_can_become_pregnant else None
    if spec.status == Status.REVOKED:
        row.decided_at = min(row.decided_at + spec.revoked_after, now)
    return row


def _events(spec: PrescriptionSpec, row: Prescription, pharmacist) -> list[PrescriptionEvent]:
    events = [
        PrescriptionEvent(
            prescription_id=row.pk,
            actor_id=row.user_id,
            action=Action.SUBMITTED,
            to_status=Status.PENDING,
            created_at=row.submitted_at,
        )
    ]
    if spec.status == Status.PENDING:
        return events
    first_decision = row.submitted_at + spec.decided_after
    decided = Status.APPROVED if spec.status == Status.REVOKED else spec.status
    events.append(
        PrescriptionEvent(
            prescription_id=row.pk,
            actor_id=pharmacist.pk,
            action={Status.APPROVED: Action.APPROVED, Status.REJECTED: Action.REJECTED}.get(
                decided, Action.RESUBMIT_REQUESTED
            ),
            from_status=Status.PENDING,
            to_status=decided,
            reason="" if decided == Status.APPROVED else row.decision_reason,
            checklist=CHECKLIST_DONE,
            created_at=min(first_decision, row.decided_at),
        )
    )
    if spec.status == Status.REVOKED:
        events.append(
            PrescriptionEvent(
                prescription_id=row.pk,
                actor_id=pharmacist.pk,
                action=Action.REVOKED,
                from_status=Status.APPROVED,
                to_status=Status.REVOKED,
                reason=row.decision_reason,
                created_at=row.decided_at,
            )
        )
    return events


def _customers(seed: int, count: int) -> tuple[list, int]:
    """Synthetic customers 0..count-1 of ``seed`` (created if missing), in number order."""
    usernames = [customer_username(seed, n) for n in range(count)]
    existing = set(User.objects.filter(username__in=usernames).values_list("username", flat=True)) if count else set()
    # No one can log in as a synthetic customer: one unusable password for all of them.
    unusable = make_password(None)
    missing = [customer_spec(seed, n) for n, username in enumerate(usernames) if username not in existing]
    for batch in _batches(missing):
        User.objects.bulk_create(
            User(
                username=spec.username,
                email=spec.email,
                first_name=spec.first_name,
                last_name=spec.last_name,
                password=unusable,
            )
            for spec in batch
        )
    by_username = {
        user.username: user
        for user in User.objects.filter(username__startswith=customer_prefix(seed)).only(
            "pk", "username", "first_name", "last_name"
        )
    }
    return [by_username[username] for username in usernames], len(missing)


def _pharmacist():
    """Who decided the synthetic prescriptions: the first pharmacist, or a synthetic one."""
    pharmacist = User.objects.filter(groups__name=PHARMACIST_GROUP).order_by("pk").first()
    if pharmacist is None:
        pharmacist, _created = User.objects.get_or_create(
            username=SYNTHETIC_PHARMACIST,
            defaults={
                "email": f"{SYNTHETIC_PHARMACIST}@example.invalid",
                "first_name": "Synthetic",
                "last_name": "Pharmacist",
                "password": make_password(None),
            },
        )
        pharmacist.groups.add(ensure_pharmacist_group())
    return pharmacist


def _prescription_file() -> dict:
    """Write the one synthetic prescription picture (once) and return the fields that describe it."""
    storage = prescription_storage()
    if storage.exists(PRESCRIPTION_FILE_NAME):
        with storage.open(PRESCRIPTION_FILE_NAME, "rb") as f:
            content = f.read()
    else:
        content = synthetic_prescription_jpeg()
        name = storage.save(PRESCRIPTION_FILE_NAME, ContentFile(content))
        if name != PRESCRIPTION_FILE_NAME:  # pragma: no cover - a race with another run
            storage.delete(name)
    return {
        "file": PRESCRIPTION_FILE_NAME,
        "file_kind": Prescription.FileKind.IMAGE,
        "content_type": "image/jpeg",
        "file_size": len(content),
        "file_sha256": hashlib.sha256(content).hexdigest(),
    }
