"""What crawlers and link previews get: robots.txt, the sitemap, icons, share tags and structured data."""

import json
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.contrib.flatpages.models import FlatPage
from django.contrib.sites.models import Site
from django.utils import timezone

from tests.factories import ProductFactory, RxProductFactory, create_category

pytestmark = pytest.mark.django_db

ORIGIN = "https://jild.example"
SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture(autouse=True)
def public_site(settings):
    settings.OSCAR_URL_SCHEMA = "https"
    Site.objects.filter(pk=settings.SITE_ID).update(domain="jild.example")
    Site.objects.clear_cache()
    yield
    Site.objects.clear_cache()


def locations(app, url) -> list[str]:
    response = app.get(url)
    assert response.status_code == 200
    assert response.content_type == "application/xml"
    return [loc.text for loc in ET.fromstring(response.body).iterfind(".//sm:loc", SITEMAP_NS)]


def sitemap_urls(app) -> list[str]:
    urls = []
    for section in locations(app, "/sitemap.xml"):
        assert section.startswith(f"{ORIGIN}/sitemap-")
        urls += locations(app, section.removeprefix(ORIGIN))
    return urls


def test_robots_keeps_private_and_endless_pages_out_and_names_the_sitemap_absolutely(django_app):
    response = django_app.get("/robots.txt")

    assert response.status_code == 200
    assert response.content_type == "text/plain"
    lines = response.text.splitlines()
    assert lines[0] == "User-agent: *"
    for path in ["/basket/", "/checkout/", "/accounts/", "/accounts/prescriptions/", "/dashboard/", "/admin/"]:
        assert f"Disallow: {path}" in lines
    assert "Disallow: /search/?" in lines
    assert "Disallow: /catalogue/" not in lines and "Disallow: /" not in lines
    assert f"Sitemap: {ORIGIN}/sitemap.xml" in lines


def test_the_sitemap_lists_browsable_products_categories_and_pages_but_no_unpublished_product(django_app):
    category = create_category("Acne")
    shown = ProductFactory(title="Benzoyl wash", categories=[category])
    hidden = ProductFactory(title="Withdrawn cream", is_public=False)
    FlatPage.objects.create(url="/delivery/", title="Delivery", content="...").sites.add(Site.objects.get_current())

    urls = sitemap_urls(django_app)

    assert f"{ORIGIN}{shown.get_absolute_url()}" in urls
    assert f"{ORIGIN}{hidden.get_absolute_url()}" not in urls
    assert f"{ORIGIN}{category.get_absolute_url()}" in urls
    assert {f"{ORIGIN}/", f"{ORIGIN}/catalogue/", f"{ORIGIN}/privacy/", f"{ORIGIN}/delivery/"} <= set(urls)


def test_a_product_gives_its_last_change_as_lastmod(django_app):
    product = ProductFactory()
    section = django_app.get("/sitemap-products.xml")
    entry = next(
        url
        for url in ET.fromstring(section.body).iterfind("sm:url", SITEMAP_NS)
        if url.find("sm:loc", SITEMAP_NS).text.endswith(product.get_absolute_url())
    )

    # The shop's day, not UTC's: near midnight in Karachi the two differ.
    changed_on = timezone.localdate(product.date_updated)
    assert entry.find("sm:lastmod", SITEMAP_NS).text == changed_on.isoformat()


def test_unpublishing_a_product_takes_it_out_of_the_cached_sitemap_at_once(django_app):
    product = ProductFactory()
    assert f"{ORIGIN}{product.get_absolute_url()}" in sitemap_urls(django_app)

    product.is_public = False
    product.save()

    assert f"{ORIGIN}{product.get_absolute_url()}" not in sitemap_urls(django_app)


def test_an_unknown_sitemap_section_or_page_is_a_404(django_app):
    assert django_app.get("/sitemap-nothing.xml", expect_errors=True).status_code == 404
    assert django_app.get("/sitemap-products.xml?p=99", expect_errors=True).status_code == 404
    assert django_app.get("/sitemap-products.xml?p=x", expect_errors=True).status_code == 404


@pytest.mark.parametrize(("path", "content_type"), [("/favicon.ico", "image/"), ("/apple-touch-icon.png", "image/png")])
def test_the_icons_are_served_from_the_root_with_a_long_cache_life(django_app, path, content_type):
    response = django_app.get(path)

    assert response.status_code == 200
    assert response.content_type.startswith(content_type)
    assert len(response.body) > 100
    assert "max-age=604800" in response.headers["Cache-Control"]


def test_static_files_keep_their_short_cache_life(django_app):
    response = django_app.get("/static/shop/img/favicon.svg")

    assert "max-age=604800" not in response.headers.get("Cache-Control", "")


def head(page, selector):
    tag = page.html.head.select_one(selector)
    return tag and tag.get("content", tag.get("href"))


def json_ld(page) -> dict:
    scripts = page.html.select('script[type="application/ld+json"]')
    assert len(scripts) == 1
    return json.loads(scripts[0].string)


def test_every_page_has_a_canonical_link_and_basic_share_tags(django_app, settings):
    ProductFactory.create_batch(settings.OSCAR_PRODUCTS_PER_PAGE + 1)

    page = django_app.get("/catalogue/?sort=title")
    second = django_app.get("/catalogue/?sort=title&page=2")

    assert head(page, 'link[rel="canonical"]') == f"{ORIGIN}/catalogue/"
    assert head(second, 'link[rel="canonical"]') == f"{ORIGIN}/catalogue/?page=2"
    assert head(page, 'meta[property="og:type"]') == "website"
    assert head(page, 'meta[property="og:image"]') == f"{ORIGIN}/static/shop/img/share.png"
    assert head(page, 'link[rel="icon"][href="/favicon.ico"]')


def test_a_product_page_shares_its_title_picture_and_price(django_app):
    product = ProductFactory(title="Niacinamide serum 30 ml", image=True, stockrecord__price=Decimal("1850"))

    page = django_app.get(product.get_absolute_url())

    assert head(page, 'meta[property="og:type"]') == "product"
    assert head(page, 'meta[property="og:title"]') == "Niacinamide serum 30 ml"
    assert head(page, 'meta[property="og:url"]') == f"{ORIGIN}{product.get_absolute_url()}"
    image = head(page, 'meta[property="og:image"]')
    assert image.startswith(f"{ORIGIN}/media/") and image.endswith((".png", ".jpg"))
    assert django_app.get(image.removeprefix(ORIGIN)).status_code == 200
    assert head(page, 'meta[name="twitter:image"]') == image
    assert head(page, 'meta[name="twitter:card"]') == "summary_large_image"
    assert head(page, 'meta[property="product:price:amount"]') == "1850.00"
    assert head(page, 'meta[property="product:price:currency"]') == "PKR"
    assert head(page, 'link[rel="canonical"]') == f"{ORIGIN}{product.get_absolute_url()}"
    assert len(page.html.head.select('meta[property="og:title"]')) == 1


def test_a_product_page_describes_the_product_and_its_offer_in_json_ld(django_app):
    category = create_category("Sun care")
    product = ProductFactory(
        title="Mineral sunscreen SPF 50", image=True, categories=[category], stockrecord__price=Decimal("2499.5")
    )

    data = json_ld(django_app.get(product.get_absolute_url()))

    item, crumbs = data["@graph"]
    assert data["@context"] == "https://schema.org"
    assert item["@type"] == "Product" and item["name"] == "Mineral sunscreen SPF 50"
    assert item["image"][0].startswith(f"{ORIGIN}/media/")
    assert item["sku"] == f"SKU-{product.upc}"
    assert item["offers"] == {
        "@type": "Offer",
        "url": f"{ORIGIN}{product.get_absolute_url()}",
        "price": "2499.50",
        "priceCurrency": "PKR",
        "availability": "https://schema.org/InStock",
        "itemCondition": "https://schema.org/NewCondition",
    }
    assert "prescriptionStatus" not in item
    assert crumbs["@type"] == "BreadcrumbList"
    assert [(e["position"], e["name"], e["item"]) for e in crumbs["itemListElement"]] == [
        (1, "Home", f"{ORIGIN}/"),
        (2, "Sun care", f"{ORIGIN}{category.get_absolute_url()}"),
        (3, "Mineral sunscreen SPF 50", f"{ORIGIN}{product.get_absolute_url()}"),
    ]


def test_an_out_of_stock_product_is_offered_as_out_of_stock(django_app):
    product = ProductFactory(stockrecord__num_in_stock=0)

    item = json_ld(django_app.get(product.get_absolute_url()))["@graph"][0]

    assert item["offers"]["availability"] == "https://schema.org/OutOfStock"


def test_a_prescription_medicine_is_marked_prescription_only_with_its_generic_name(django_app):
    product = RxProductFactory()

    item = json_ld(django_app.get(product.get_absolute_url()))["@graph"][0]

    assert item["@type"] == ["Product", "Drug"]
    assert item["prescriptionStatus"] == "https://schema.org/PrescriptionOnly"
    assert item["nonProprietaryName"] == product.drug_information.name


def test_a_title_holding_a_closing_script_tag_stays_inside_the_json_ld(django_app):
    title = 'Cream </script><script>alert("x")</script> & more'
    product = ProductFactory(title=title)

    page = django_app.get(product.get_absolute_url())

    assert "</script><script>alert" not in page.text
    assert json_ld(page)["@graph"][0]["name"] == title
    assert head(page, 'meta[property="og:title"]') == title
    nonce = page.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    assert page.html.select_one('script[type="application/ld+json"]')["nonce"] == nonce


def test_the_cached_product_page_gives_each_visitor_its_own_nonce_on_the_json_ld(django_app):
    product = ProductFactory()
    pages = [django_app.get(product.get_absolute_url()) for _ in range(2)]

    nonces = [page.html.select_one('script[type="application/ld+json"]')["nonce"] for page in pages]
    headers = [page.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0] for page in pages]
    assert nonces == headers and nonces[0] != nonces[1]


def test_a_page_rendered_without_a_request_leaves_the_canonical_link_out_rather_than_failing():
    from django.template.loader import render_to_string

    html = render_to_string("oscar/base.html", {})

    assert 'rel="canonical"' not in html and 'property="og:url"' not in html
    assert 'property="og:image"' in html


# The properties schema.org defines on each type the product page uses (schema.org/Product, /Drug,
# /Offer, /BreadcrumbList, /ListItem; Drug is a Product and adds the last two).
SCHEMA_PROPERTIES = {
    "Product": {"@id", "name", "url", "description", "image", "sku", "productID", "category", "offers"},
    "Drug": {"prescriptionStatus", "nonProprietaryName"},
    "Offer": {"url", "price", "priceCurrency", "availability", "itemCondition"},
    "BreadcrumbList": {"itemListElement"},
    "ListItem": {"position", "name", "item"},
}


def undefined_properties(node) -> list[str]:
    if isinstance(node, list):
        return [problem for item in node for problem in undefined_properties(item)]
    if not isinstance(node, dict):
        return []
    types = node.get("@type", [])
    types = [types] if isinstance(types, str) else types
    allowed = {"@type", "@context", "@graph"}.union(*(SCHEMA_PROPERTIES[t] for t in types))
    problems = [f"{'/'.join(types)}.{key}" for key in node if key not in allowed]
    return problems + [problem for value in node.values() for problem in undefined_properties(value)]


@pytest.mark.parametrize("factory", [ProductFactory, RxProductFactory], ids=["cosmetic", "prescription"])
def test_the_json_ld_uses_only_properties_schema_org_defines_on_its_types(django_app, factory):
    product = factory(image=True, categories=[create_category("Acne")])

    data = json_ld(django_app.get(product.get_absolute_url()))

    assert undefined_properties(data) == []
