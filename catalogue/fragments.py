"""Rendered catalogue fragments, cached under a fingerprint of what they show.

A product tile or a medicine's information section looks the same to every
visitor, and rendering them is most of what a listing page costs. Each is
cached under a hash of every value it displays (title, price, stock, picture,
drug text...), never under an id alone, so an edit made any way at all (the
dashboard, an import, a bulk update) changes the key and shows on the very
next request, with no invalidation to forget. Nothing personal goes in:
forms and their CSRF tokens, baskets and prescription status are rendered
around the cached parts, per request.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from catalogue.selectors import listing_version

TIMEOUT = 60 * 60 * 24


def _templates_release() -> str:
    """Changes whenever a template changes, so a deploy never serves HTML from the old ones."""
    stamps = []
    for directory in [*settings.TEMPLATES[0]["DIRS"], Path(__file__).resolve().parent / "templates"]:
        for path in sorted(Path(directory).rglob("*.html")):
            stamps.append((str(path), path.stat().st_mtime_ns))
    return hashlib.blake2b(repr(stamps).encode(), digest_size=8).hexdigest()


RELEASE = settings.SHOP_RELEASE or _templates_release()


def fingerprint(namespace: str, values: Iterable) -> str:
    digest = hashlib.blake2b(repr((RELEASE, *values)).encode(), digest_size=16).hexdigest()
    return f"fragment:{namespace}:{digest}"


def cached_many(items: Sequence, key: Callable, render: Callable) -> list:
    """The cached value for each item, rendering (and storing) only the missing ones."""
    keys = [key(item) for item in items]
    found = cache.get_many(keys)
    missing = {k: render(item) for k, item in zip(keys, items, strict=True) if k not in found}
    if missing:
        cache.set_many(missing, TIMEOUT)
    return [found.get(k, missing.get(k)) for k in keys]


@dataclass(frozen=True)
class Tile:
    product: object
    html: SafeString
    can_add: bool


def _tile_key(product, context) -> str:
    stock = [(s.pk, s.price, s.price_currency, s.num_in_stock, s.num_allocated) for s in product.stockrecords.all()]
    images = [image.original.name for image in product.images.all()[:1]]
    return fingerprint(
        "tile",
        (
            product.pk,
            product.title,
            product.slug,
            product.is_public,
            product.requires_prescription,
            product.structure,
            stock,
            images,
            context,
        ),
    )


def product_tiles(products, request) -> list[Tile]:
    """Tiles for a product listing: cached display, per-request add-to-basket form.

    The tile shows prices as the request's pricing strategy gives them, so the
    strategy and the language join the key: if prices ever come to depend on
    who is asking, tiles stay per strategy.
    """
    products = list(products)
    context = (type(request.strategy).__name__, get_language())

    def render(product):
        purchase = request.strategy.fetch_for_product(product)
        html = render_to_string("oscar/catalogue/partials/product_tile.html", {"product": product, "session": purchase})
        return html, bool(purchase.availability.is_available_to_buy and not product.is_parent)

    values = cached_many(products, lambda product: _tile_key(product, context), render)
    return [Tile(product, mark_safe(html), can_add) for product, (html, can_add) in zip(products, values, strict=True)]


def drug_information_html(drug) -> SafeString:
    """A medicine's whole information section (sections, questions, review date)."""
    questions = [(q.pk, q.question, q.answer, q.position) for q in drug.questions.all()]
    values = [getattr(drug, field.attname) for field in drug._meta.concrete_fields]
    key = fingerprint("drug", (*values, questions))
    [html] = cached_many(
        [drug],
        lambda _drug: key,
        lambda d: render_to_string("oscar/catalogue/partials/drug_information.html", {"drug": d}),
    )
    return mark_safe(html)


# --- Whole pages for anonymous visitors --------------------------------------------------

# Stand-ins rendered where each visitor's own values go, and swapped per request.
CSRF_HOLE = "shop-csrf-token-hole"
NONCE_HOLE = "shop-csp-nonce-hole"


def page_is_shareable(request, query: Mapping[str, Callable[[str], bool]] | None = None) -> bool:
    """Whether this request would get the same page as any other anonymous visitor.

    Not for signed-in customers (prescription status, their name), nor for a
    visitor with a basket (the header shows it) or a message waiting. The page
    is keyed by its full address (its links carry it), so only the parameters
    in ``query``, once each and with a value its check accepts, are shared:
    otherwise anyone could fill the cache with ``?x=1``, ``?x=2``...
    """
    query = query or {}
    plain_query = all(
        name in query and len(values) == 1 and query[name](values[0]) for name, values in request.GET.lists()
    )
    return (
        request.method == "GET"
        and plain_query
        and not settings.DEBUG
        and not request.user.is_authenticated
        and not request.COOKIES.get(settings.OSCAR_BASKET_COOKIE_OPEN)
        and not len(messages.get_messages(request))
    )


def fill_holes(html: str, request) -> str:
    return html.replace(CSRF_HOLE, get_token(request)).replace(NONCE_HOLE, str(request.csp_nonce))


def listing_page_key(request, products) -> str:
    """A listing page as anonymous visitors see it: its address, and every tile's own fingerprint."""
    context = (type(request.strategy).__name__, get_language())
    return fingerprint(
        "listing-page",
        (request.get_full_path(), listing_version(), [_tile_key(product, context) for product in products]),
    )


def product_page_key(product, request) -> str:
    """Everything an anonymous visitor's product page shows, as one fingerprint.

    ``product`` comes from ``selectors.products_for_page_key``: what must show on
    the very next request after any change (price, stock, the product's own
    fields, its drug information) is read and hashed here. Categories,
    pictures and the navigation change rarely and always through the
    dashboard; they are covered by the catalogue's listing version, which
    every such save replaces (catalogue/receivers.py).
    """
    # A variant shows its parent's drug information when it has none of its own.
    drug = product.drug_information or (product.parent.drug_information if product.parent_id else None)
    drug_values = [getattr(drug, f.attname) for f in drug._meta.concrete_fields] if drug else []
    questions = [(q.pk, q.question, q.answer, q.position) for q in drug.questions.all()] if drug else []
    return fingerprint(
        "product-page",
        (
            request.get_full_path(),
            get_language(),
            type(request.strategy).__name__,
            listing_version(),
            [getattr(product, f.attname) for f in product._meta.concrete_fields],
            [(s.pk, s.price, s.price_currency, s.num_in_stock, s.num_allocated) for s in product.stockrecords.all()],
            drug_values,
            questions,
        ),
    )
