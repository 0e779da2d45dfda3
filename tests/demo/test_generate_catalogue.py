"""``generate_catalogue`` builds the same synthetic catalogue and queue for the same seed."""

import hashlib
from collections import Counter
from decimal import Decimal
from io import BytesIO, StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from oscar.core.loading import get_model
from PIL import Image

from catalogue.selectors import listing_count
from demo.products import PRODUCTS
from prescriptions.models import Prescription, PrescriptionEvent, PrescriptionItem, prescription_storage
from prescriptions.selectors import review as review_selectors
from search.index import ProductSearchResults

Product = get_model("catalogue", "Product")
StockRecord = get_model("partner", "StockRecord")

pytestmark = pytest.mark.django_db

PRODUCTS_N = 50
PRESCRIPTIONS_N = 30


def generate(products=PRODUCTS_N, prescriptions=PRESCRIPTIONS_N, seed=7) -> str:
    out = StringIO()
    call_command(
        "generate_catalogue",
        f"--products={products}",
        f"--prescriptions={prescriptions}",
        f"--seed={seed}",
        stdout=out,
    )
    return out.getvalue()


def catalogue():
    """The generated products as plain data, keyed by UPC (ids and timestamps left out)."""
    products = Product.objects.select_related("product_class", "drug_information").prefetch_related(
        "categories", "stockrecords__partner"
    )
    return {
        p.upc: (
            p.title,
            p.slug,
            p.description,
            p.product_class.name,
            p.requires_prescription,
            p.drug_information.name if p.drug_information else None,
            sorted(c.full_name for c in p.categories.all()),
            [(s.partner.code, s.partner_sku, s.price_currency, s.price, s.num_in_stock) for s in p.stockrecords.all()],
        )
        for p in products
    }


def queue():
    prescriptions = Prescription.objects.select_related("user").prefetch_related("products", "items__product")
    return {
        p.reference: (
            p.public_id,
            p.user.username,
            p.patient_name,
            p.prescriber_name,
            p.status,
            sorted(product.upc for product in p.products.all()),
            sorted((i.product.upc, i.quantity_approved, i.quantity_remaining) for i in p.items.all()),
        )
        for p in prescriptions
    }


def test_the_same_seed_gives_the_same_catalogue_and_queue():
    with transaction.atomic():
        generate(seed=7)
        first_catalogue, first_queue = catalogue(), queue()
        transaction.set_rollback(True)
    assert not Product.objects.exists()

    generate(seed=7)

    assert catalogue() == first_catalogue
    assert queue() == first_queue


def test_another_seed_gives_another_catalogue():
    generate(seed=7)
    seven = catalogue()

    generate(seed=8)

    eight = {upc: data for upc, data in catalogue().items() if upc not in seven}
    assert len(eight) == PRODUCTS_N
    assert sorted(data[0] for data in eight.values()) != sorted(data[0] for data in seven.values())


def test_it_creates_the_requested_products_with_stock_in_every_category():
    output = generate()

    assert f"Products: created {PRODUCTS_N}, 0 already there." in output
    products = Product.objects.all()
    assert products.count() == PRODUCTS_N
    assert all(p.upc.startswith("SYN-7-") for p in products)
    assert len({p.slug for p in products}) == PRODUCTS_N
    assert StockRecord.objects.count() == PRODUCTS_N
    assert set(StockRecord.objects.values_list("partner__code", flat=True)) == {"jild"}
    assert not Product.objects.filter(categories=None).exists()
    top_level = Counter(path[0].split(" > ")[0] for path in (data[6] for data in catalogue().values()))
    assert len(top_level) >= 6


def test_prices_are_whole_rupees_in_pkr():
    generate()

    stock = list(StockRecord.objects.all())
    assert {s.price_currency for s in stock} == {"PKR"}
    assert all(s.price > 0 and s.price == s.price.to_integral_value() for s in stock)
    assert any(s.num_in_stock == 0 for s in stock)
    assert any(s.num_in_stock > 0 for s in stock)


def test_some_products_are_prescription_only_with_drug_information():
    generate()

    rx = Product.objects.filter(requires_prescription=True).select_related("drug_information", "product_class")
    assert 1 <= rx.count() <= PRODUCTS_N // 10
    for product in rx:
        assert product.drug_information is not None
        assert product.product_class.name == "Medicine"
        assert product.categories.filter(name="Prescription medicines").exists()
    assert Product.objects.filter(requires_prescription=False).count() > PRODUCTS_N * 0.9


def test_cached_listing_counts_see_the_new_products(django_capture_on_commit_callbacks):
    browsable = Product.objects.browsable()
    assert listing_count(browsable, scope="bench-test") == 0

    with django_capture_on_commit_callbacks(execute=True):
        generate()

    assert listing_count(browsable, scope="bench-test") == PRODUCTS_N


def test_generated_products_are_found_by_search():
    generate()
    product = Product.objects.filter(requires_prescription=True).first()

    results = ProductSearchResults(product.title)

    assert product in results[: results.count()]
    assert ProductSearchResults("prescription").count() >= 1


def test_the_queue_has_a_realistic_mix_of_statuses():
    output = generate()

    assert f"Prescriptions: created {PRESCRIPTIONS_N}, 0 already there" in output
    statuses = Counter(Prescription.objects.values_list("status", flat=True))
    assert sum(statuses.values()) == PRESCRIPTIONS_N
    assert set(statuses) == set(Prescription.Status.values)
    assert 1 <= statuses["pending"] < PRESCRIPTIONS_N / 4
    assert statuses["approved"] > PRESCRIPTIONS_N / 2
    assert review_selectors.review_queue().count() == statuses["pending"]
    customers = Prescription.objects.values("user").distinct().count()
    assert 1 < customers < PRESCRIPTIONS_N
    for prescription in Prescription.objects.all():
        assert prescription.products.filter(requires_prescription=True).exists()
        assert prescription.events.filter(action=PrescriptionEvent.Action.SUBMITTED).exists()
        if prescription.status == "pending":
            assert prescription.decided_at is None
        else:
            assert prescription.decided_by is not None
            assert prescription.decided_at >= prescription.submitted_at
    for prescription in Prescription.objects.filter(status="approved"):
        assert prescription.valid_until is not None
        assert prescription.items.exists()
    assert PrescriptionItem.objects.filter(prescription__status="rejected").count() == 0


def test_every_synthetic_prescription_shares_one_real_jpeg():
    generate()

    names = set(Prescription.objects.values_list("file", flat=True))
    assert len(names) == 1
    storage = prescription_storage()
    with storage.open(names.pop(), "rb") as f:
        content = f.read()
    assert Image.open(BytesIO(content)).format == "JPEG"
    fields = set(Prescription.objects.values_list("file_kind", "content_type", "file_size", "file_sha256"))
    assert fields == {("image", "image/jpeg", len(content), hashlib.sha256(content).hexdigest())}


def test_running_it_again_adds_nothing_and_a_larger_run_tops_up():
    generate()
    before_catalogue, before_queue = catalogue(), queue()

    output = generate()

    assert f"Products: created 0, {PRODUCTS_N} already there." in output
    assert f"Prescriptions: created 0, {PRESCRIPTIONS_N} already there" in output
    assert catalogue() == before_catalogue
    assert queue() == before_queue

    generate(products=PRODUCTS_N + 10, prescriptions=PRESCRIPTIONS_N + 5)

    assert Product.objects.count() == PRODUCTS_N + 10
    assert Prescription.objects.count() == PRESCRIPTIONS_N + 5


def test_it_sits_beside_the_demo_shop_without_clashing():
    call_command("load_demo_shop", stdout=StringIO())
    demo_upcs = {spec.upc for spec in PRODUCTS}

    generate()

    assert Product.objects.count() == len(PRODUCTS) + PRODUCTS_N
    assert set(Product.objects.exclude(upc__startswith="SYN-").values_list("upc", flat=True)) == demo_upcs
    assert Product.objects.get(upc="RX-ISO-20").stockrecords.get().price == Decimal(3150)
    # The demo's pharmacist decided the synthetic prescriptions; the demo loader still finds nothing to do.
    assert set(Prescription.objects.exclude(decided_by=None).values_list("decided_by__email", flat=True)) == {
        "pharmacist@example.com"
    }
    out = StringIO()
    call_command("load_demo_shop", stdout=out)
    assert out.getvalue().startswith("Nothing to do")


def test_prescriptions_need_prescription_only_products():
    with pytest.raises(CommandError, match="prescription-only"):
        generate(products=0, prescriptions=5)
