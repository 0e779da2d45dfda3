"""Reads of the catalogue that the storefront pages share.

Each listing returns a queryset that already carries what a product tile
renders (class, drug information, images, stock records), so a page costs a
fixed number of queries however many products it shows.
"""

from __future__ import annotations

import uuid

from django.core.cache import cache
from django.db.models import Exists, OuterRef, Prefetch, QuerySet, Subquery
from oscar.core.loading import get_model

from prescriptions.selectors.products import RULES_RELATED

Product = get_model("catalogue", "Product")
ProductImage = get_model("catalogue", "ProductImage")
ProductCategory = get_model("catalogue", "ProductCategory")
Category = get_model("catalogue", "Category")
StockRecord = get_model("partner", "StockRecord")

SORT_ORDERS: dict[str, tuple[str, ...]] = {
    "newest": ("-date_created", "-id"),
    "title": ("title", "id"),
    "price-asc": ("listing_price", "id"),
    "price-desc": ("-listing_price", "-id"),
}
DEFAULT_SORT = "newest"


def with_tile_data(queryset: QuerySet) -> QuerySet:
    """Load everything a product tile needs in a constant number of queries."""
    return queryset.select_related("product_class", "drug_information").prefetch_related(
        Prefetch("images", queryset=ProductImage.objects.order_by("display_order", "id")),
        "stockrecords",
    )


def products_for_listing(*, category: Category | None = None, sort: str = DEFAULT_SORT) -> QuerySet:
    """Browsable products, optionally within a category and its subcategories."""
    products = Product.objects.browsable()
    if category is not None:
        in_branch = ProductCategory.objects.filter(product=OuterRef("pk"), category__path__startswith=category.path)
        products = products.filter(Exists(in_branch))
    if sort.startswith("price"):
        first_price = StockRecord.objects.filter(product=OuterRef("pk")).order_by("id").values("price")[:1]
        products = products.annotate(listing_price=Subquery(first_price))
    return with_tile_data(products.order_by(*SORT_ORDERS.get(sort, SORT_ORDERS[DEFAULT_SORT])))


def products_for_detail() -> QuerySet:
    """Products with what their page shows: drug information, questions, categories, options."""
    Option = get_model("catalogue", "Option")
    return (
        with_tile_data(Product.objects.all())
        # A variant's page shows its parent's medicine information and rules
        # when it has none of its own (prescriptions.selectors.products.product_rules).
        .select_related(*RULES_RELATED)
        .prefetch_related("drug_information__questions", "parent__drug_information__questions", "categories")
        # Oscar's add-to-basket form asks whether the product has options;
        # answered here rather than with a query of its own.
        .annotate(
            has_product_class_options=Exists(Option.objects.filter(productclass=OuterRef("product_class"))),
            has_product_options=Exists(Option.objects.filter(product=OuterRef("pk"))),
        )
    )


def products_for_page_key() -> QuerySet:
    """Just what a product page's cache key reads (see catalogue.fragments.product_page_key)."""
    return Product.objects.select_related("drug_information", "parent__drug_information").prefetch_related(
        "stockrecords", "drug_information__questions", "parent__drug_information__questions"
    )


def featured_products(*, limit: int = 8) -> list[Product]:
    """In-stock, non-prescription products for the home page, newest first."""
    in_stock = StockRecord.objects.filter(product=OuterRef("pk"), num_in_stock__gt=0)
    products = Product.objects.browsable().filter(Exists(in_stock), requires_prescription=False)
    return list(with_tile_data(products.order_by("-date_created", "-id"))[:limit])


NAVIGATION_CACHE_KEY = "catalogue:navigation-categories"
LISTING_VERSION_KEY = "catalogue:listing-version"


def listing_count(queryset: QuerySet, *, scope: str) -> int:
    """How many products a listing holds, counted once per catalogue change.

    Counting 100,000 rows for every page view would cost more than the page
    itself. The count only changes when products are added, removed,
    published or moved between categories, and each of those replaces the
    listing version (catalogue/receivers.py), so a cached count is never stale.
    """
    return cache.get_or_set(f"catalogue:count:{listing_version()}:{scope}", queryset.count, 60 * 60)


def listing_version() -> str:
    """Replaced whenever products, their categories or pictures, or categories change."""
    return cache.get_or_set(LISTING_VERSION_KEY, lambda: uuid.uuid4().hex, None)


def new_listing_version() -> None:
    cache.set(LISTING_VERSION_KEY, uuid.uuid4().hex, None)


def category_tree() -> list[Category]:
    """Public top-level categories for the navigation, in tree order.

    Every page shows them and they rarely change, so they are cached until a
    category is saved or deleted (catalogue/receivers.py).
    """
    return cache.get_or_set(
        NAVIGATION_CACHE_KEY, lambda: list(Category.get_root_nodes().filter(is_public=True)), timeout=60 * 60
    )
