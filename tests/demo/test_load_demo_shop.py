"""``load_demo_shop`` builds the whole demo shop once, and changes nothing the second time."""

import hashlib
from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.db.models import Count, Max
from oscar.core.loading import get_model

from search.index import ProductSearchResults

Product = get_model("catalogue", "Product")
ProductImage = get_model("catalogue", "ProductImage")
Category = get_model("catalogue", "Category")
Country = get_model("address", "Country")
StockRecord = get_model("partner", "StockRecord")
User = get_user_model()

pytestmark = pytest.mark.django_db

PRESCRIPTION_ONLY = {"RX-ISO-20", "RX-ISO-10", "RX-TRE-005", "RX-CLI-1", "RX-DOX-100"}


def load() -> str:
    out = StringIO()
    call_command("load_demo_shop", stdout=out)
    return out.getvalue()


def snapshot():
    """Everything the command writes, in a form that shows any change."""
    return {
        "products": list(Product.objects.values_list("id", "upc", "title", "date_updated").order_by("id")),
        "stock": list(StockRecord.objects.values_list("id", "price", "num_in_stock", "date_updated")),
        "images": list(ProductImage.objects.values_list("id", "original")),
        "categories": list(Category.objects.values_list("id", "path", "name")),
        "users": list(User.objects.values_list("id", "email", "password", "last_login")),
        "countries": list(Country.objects.values_list("iso_3166_1_a2", "is_shipping_country")),
    }


def test_demo_shop_has_the_catalogue_the_shop_needs():
    output = load()

    assert "created 29 products" in output
    assert Country.objects.filter(is_shipping_country=True).get().iso_3166_1_a2 == "PK"
    assert Category.objects.count() >= 6
    assert Category.objects.filter(depth__gt=1).exists()
    assert Product.objects.count() >= 24
    stock = StockRecord.objects.all()
    assert {s.price_currency for s in stock} == {"PKR"}
    assert all(s.price > 0 for s in stock)
    assert Product.objects.annotate(n=Count("stockrecords")).filter(n=0).count() == 0
    assert set(Product.objects.filter(requires_prescription=True).values_list("upc", flat=True)) == (PRESCRIPTION_ONLY)
    isotretinoin = Product.objects.get(upc="RX-ISO-20")
    assert isotretinoin.drug_information.has_prominent_pregnancy_warning
    assert isotretinoin.drug_information.questions.count() >= 5


def test_every_demo_product_has_its_own_picture():
    load()

    digests = set()
    for image in ProductImage.objects.all():
        with image.original.open("rb") as f:
            digests.add(hashlib.sha256(f.read()).hexdigest())
    assert len(digests) == Product.objects.count()
    assert ProductImage.objects.values("product").annotate(n=Count("id")).aggregate(Max("n"))["n__max"] == 1


def test_demo_products_are_searchable():
    load()

    results = ProductSearchResults("isotretinoin 20")

    assert results[0].upc == "RX-ISO-20"
    assert {p.upc for p in results[0:5]} >= {"RX-ISO-20", "RX-ISO-10"}


@pytest.mark.parametrize(
    ("email", "staff", "superuser", "pharmacist"),
    [
        ("customer@example.com", False, False, False),
        ("pharmacist@example.com", False, False, True),
        ("admin@example.com", True, True, False),
    ],
)
def test_demo_accounts_log_in_with_the_shared_password(email, staff, superuser, pharmacist):
    load()

    user = authenticate(username=email, password="shop-demo-2026")

    assert user is not None and user.email == email
    assert (user.is_staff, user.is_superuser) == (staff, superuser)
    assert user.groups.filter(name="Pharmacist").exists() == pharmacist


def test_running_it_twice_changes_nothing_and_says_so():
    load()
    before = snapshot()

    output = load()

    assert snapshot() == before
    assert output.strip() == "Nothing to do: the demo shop is already loaded; nothing was changed."


def test_an_existing_pakistan_that_is_not_shipped_to_becomes_the_shipping_country():
    Country.objects.create(
        iso_3166_1_a2="PK", iso_3166_1_a3="PAK", iso_3166_1_numeric="586", name="Pakistan", is_shipping_country=False
    )

    output = load()

    assert Country.objects.get(iso_3166_1_a2="PK").is_shipping_country is True
    assert "indexed the new products for search" in output
    assert load().strip().startswith("Nothing to do")
