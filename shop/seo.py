"""What search engines and link previews read: robots.txt, the sitemap, share tags, structured data.

Every absolute address starts from one origin, the Site's domain with the
shop's scheme (as emails do), never the request's Host header: the product
page is cached for all anonymous visitors and must not carry whichever host
name its first visitor used.
"""

from __future__ import annotations

import json
from decimal import Decimal

from django.conf import settings
from django.contrib.sites.models import Site
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse
from django.utils.html import format_html, strip_tags
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

SCHEMA = "https://schema.org"

# Pages only a signed-in customer or staff member can use, or whose addresses
# are endless variations of one page (search queries, sort orders).
PRIVATE_URL_NAMES = [
    "basket:summary",
    "checkout:index",
    "customer:summary",
    "prescriptions:list",
    "dashboard:index",
    "admin:index",
]


def site_origin() -> str:
    """``https://example.com``: the shop's one public origin (the Site is cached per process)."""
    return f"{settings.OSCAR_URL_SCHEMA}://{Site.objects.get_current().domain}"


def absolute(url: str) -> str:
    """The address as a full URL; storage that already gives one (a bucket's) is left alone."""
    if url.startswith(("http://", "https://")):
        return url
    return site_origin() + url


def robots_txt() -> str:
    lines = ["User-agent: *"]
    lines += [f"Disallow: {reverse(name)}" for name in PRIVATE_URL_NAMES]
    lines += [
        f"Disallow: {reverse('search:search')}?",
        # Sorted and filtered listings repeat the products the plain listing and the sitemap already give.
        "Disallow: /*?*sort=",
        "",
        f"Sitemap: {absolute(reverse('sitemap'))}",
    ]
    return "\n".join(lines) + "\n"


def plain_text(html: str, words: int = 50) -> str:
    return Truncator(" ".join(strip_tags(html or "").split())).words(words)


def product_data(*, product, purchase, rules, url: str, image_url: str | None, category=None) -> dict:
    """schema.org Product (with its Offer) and BreadcrumbList for a product page.

    Says only what the page says: the title, the shop's own description, the
    price and whether it is in stock. A prescription-only medicine is typed as
    a Drug as well and marked ``PrescriptionOnly``, so no reader of the data
    takes it for something anyone can simply order.
    """
    item: dict = {
        "@type": "Product",
        "@id": f"{url}#product",
        "name": product.get_title(),
        "url": url,
    }
    drug = rules.drug
    description = plain_text((drug.summary if drug else "") or product.description)
    if description:
        item["description"] = description
    if image_url:
        item["image"] = [image_url]
    if purchase.stockrecord is not None and purchase.stockrecord.partner_sku:
        item["sku"] = purchase.stockrecord.partner_sku
    if product.upc:
        item["productID"] = product.upc
    if category is not None:
        item["category"] = category.name
    if rules.requires_prescription:
        item["@type"] = ["Product", "Drug"]
        item["prescriptionStatus"] = f"{SCHEMA}/PrescriptionOnly"
    if drug is not None:
        item["nonProprietaryName"] = drug.name
    if purchase.price.exists:
        in_stock = purchase.availability.is_available_to_buy
        item["offers"] = {
            "@type": "Offer",
            "url": url,
            "price": str(Decimal(purchase.price.incl_tax).quantize(Decimal("0.01"))),
            "priceCurrency": purchase.price.currency,
            "availability": f"{SCHEMA}/{'InStock' if in_stock else 'OutOfStock'}",
            "itemCondition": f"{SCHEMA}/NewCondition",
        }

    crumbs = [("Home", absolute(reverse("shop-home")))]
    if category is not None:
        crumbs.append((category.name, absolute(category.get_absolute_url())))
    crumbs.append((product.get_title(), url))
    breadcrumbs = {
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": i, "name": name, "item": link}
            for i, (name, link) in enumerate(crumbs, start=1)
        ],
    }
    return {"@context": SCHEMA, "@graph": [item, breadcrumbs]}


_JSON_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def json_ld(data: dict, nonce: str) -> SafeString:
    """A ``<script type="application/ld+json">`` block no value inside can close or break.

    ``<``, ``>`` and ``&`` are written as JSON escapes, so a title holding
    ``</script>`` stays a string. Browsers run no data block, but the
    nonce keeps the page's rule true that every inline script carries one.
    """
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_JSON_ESCAPES)
    return format_html('<script type="application/ld+json" nonce="{}">{}</script>', nonce, mark_safe(text))
