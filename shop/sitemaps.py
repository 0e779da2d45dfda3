"""The sitemap: browsable products, public categories, the home page and the information pages.

``/sitemap.xml`` is an index of one section per kind, so 100,000 products
split into pages of ``ProductSitemap.limit`` instead of one huge file. Each
answer is cached under the catalogue's listing version, which every product,
category or picture change replaces (catalogue/receivers.py), so the cache
never lists a product that has since been unpublished.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.flatpages.sitemaps import FlatPageSitemap
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.core.cache import cache
from django.db.models import Max
from django.http import HttpResponse
from django.urls import reverse
from oscar.core.loading import get_model

from catalogue.selectors import listing_version
from shop.seo import robots_txt, site_origin

Product = get_model("catalogue", "Product")
Category = get_model("catalogue", "Category")

CACHE_SECONDS = 60 * 60


class ShopSitemap(Sitemap):
    # The shop's own scheme, as in every other absolute link (shop/seo.py), not the request's.
    @property
    def protocol(self):
        return settings.OSCAR_URL_SCHEMA


class ProductSitemap(ShopSitemap):
    changefreq = "weekly"
    priority = 0.8
    limit = 10_000

    def items(self):
        # Variants have no page of their own and unpublished products none at all.
        return Product.objects.browsable().only("id", "slug", "date_updated").order_by("id")

    def lastmod(self, product):
        return product.date_updated

    def get_latest_lastmod(self):
        # Django's default walks every item; the index only needs the newest.
        return Product.objects.browsable().aggregate(latest=Max("date_updated"))["latest"]


class CategorySitemap(ShopSitemap):
    changefreq = "weekly"
    priority = 0.6

    def items(self):
        return Category.objects.browsable().order_by("path")


class PageSitemap(ShopSitemap):
    changefreq = "daily"

    def items(self):
        return ["shop-home", "catalogue:index", "privacy"]

    def location(self, name):
        return reverse(name)


class InfoPageSitemap(ShopSitemap, FlatPageSitemap):
    """The flat pages staff write in the dashboard (those not behind a login)."""


SITEMAPS = {
    "pages": PageSitemap,
    "info": InfoPageSitemap,
    "categories": CategorySitemap,
    "products": ProductSitemap,
}


def _cached(key: str, render) -> HttpResponse:
    key = f"sitemap:{listing_version()}:{site_origin()}:{key}"
    content = cache.get(key)
    if content is None:
        response = render()
        response.render()
        if response.status_code != 200:
            return response
        content = response.content
        cache.set(key, content, CACHE_SECONDS)
    response = HttpResponse(content, content_type="application/xml")
    response["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    return response


def index(request) -> HttpResponse:
    return _cached("index", lambda: sitemap_views.index(request, SITEMAPS, sitemap_url_name="sitemap-section"))


def section(request, section: str) -> HttpResponse:
    page = request.GET.get("p", "1")
    if not page.isdigit():
        page = "0"
    return _cached(
        f"{section}:{page}",
        lambda: sitemap_views.sitemap(request, SITEMAPS, section=section),
    )


def robots(request) -> HttpResponse:
    response = HttpResponse(robots_txt(), content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "public, max-age=86400"
    return response
