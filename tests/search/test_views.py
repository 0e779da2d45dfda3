"""The search page answers every query it is given, and says when it changed one."""

import pytest
from oscar.core.loading import get_model

from tests.factories import ProductFactory, create_category

StockRecord = get_model("partner", "StockRecord")

pytestmark = pytest.mark.django_db


def test_a_very_long_query_is_searched_by_its_start_and_the_customer_is_told(django_app):
    ProductFactory(title="Niacinamide serum")

    page = django_app.get("/search/", {"q": "niacinamide " + "x" * 400})

    assert "Your search was shortened to its first 200 characters." in page.text
    assert page.html.select_one("h1").text.strip().startswith("Search results for")
    assert page.html.select("input[name=q]")[0]["maxlength"] == "200"


def test_a_short_query_is_searched_as_typed_with_no_notice(django_app):
    ProductFactory(title="Niacinamide serum")

    page = django_app.get("/search/", {"q": "niacinamide"})

    assert "shortened" not in page.text
    assert "1 product found" in page.text


def test_a_price_or_stock_change_shows_in_the_next_search_although_its_ranking_is_cached(django_app):
    product = ProductFactory(title="Ceramide cream")
    page = django_app.get("/search/?q=ceramide")
    assert [p.text for p in page.html.select(".product-card__price")] == ["Rs\xa01,000"]

    StockRecord.objects.filter(product=product).update(price=1250, num_in_stock=0)
    page = django_app.get("/search/?q=ceramide")

    assert [p.text for p in page.html.select(".product-card__price")] == ["Rs\xa01,250"]
    assert page.html.select(".product-card__form") == []


def test_a_search_that_finds_nothing_says_so_once_and_offers_a_spelling_and_popular_categories(django_app):
    acne = create_category("Acne")
    ProductFactory(title="Zinc sunscreen SPF 50")
    ProductFactory(title="Benzoyl gel", categories=[acne])
    ProductFactory(title="Azelaic cream", categories=[acne])

    page = django_app.get("/search/?q=zync")

    assert page.status_code == 200
    assert page.html.select(".product-card") == []
    assert page.text.count("Nothing in the shop matches") == 1
    assert "No products found" not in page.text
    assert page.html.select_one(".search-empty__suggestion a")["href"] == "/search/?q=zinc"
    assert [a.text.strip() for a in page.html.select(".search-empty .subcategory-list a")] == ["Acne"]


def test_a_corrected_search_tells_the_customer_what_it_searched_for(django_app):
    ProductFactory(title="Isotretinoin 20 mg capsules")

    page = django_app.get("/search/?q=isotretinion")

    assert [a.text.strip() for a in page.html.select(".product-card__title a")] == ["Isotretinoin 20 mg capsules"]
    assert page.html.select_one(".search-reading strong").text == "isotretinoin"
