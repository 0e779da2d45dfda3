"""Reads the search pages share besides the ranking itself."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import Count, Q
from oscar.core.loading import get_model

from catalogue.selectors import listing_version

Category = get_model("catalogue", "Category")


def popular_categories(*, limit: int = 6) -> list:
    """Public categories holding the most browsable products, for a page that found nothing.

    Counted once per catalogue change (the listing version), not per visit.
    """

    def compute():
        browsable = Q(product__is_public=True, product__parent__isnull=True)
        return list(
            Category.objects.filter(is_public=True)
            .annotate(products=Count("product", filter=browsable, distinct=True))
            .filter(products__gt=0)
            .order_by("-products", "name")[:limit]
        )

    return cache.get_or_set(f"search:popular-categories:{listing_version()}:{limit}", compute, 60 * 60)
