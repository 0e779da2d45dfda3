"""The search page answers every query it is given, and says when it changed one."""

import pytest

from tests.factories import ProductFactory

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
