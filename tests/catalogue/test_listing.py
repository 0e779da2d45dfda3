"""Browse, category and home pages list products with PKR prices and the Rx badge."""

from decimal import Decimal

import pytest

from tests.factories import ProductFactory, RxProductFactory, create_category

pytestmark = pytest.mark.django_db


def product_titles(page):
    return [a.text.strip() for a in page.html.select(".product-card__title a")]


def test_browse_lists_public_products_with_pkr_prices(django_app):
    ProductFactory(title="Ceramide cream", stockrecord__price=Decimal("3950"))
    ProductFactory(title="Hidden draft", is_public=False)

    page = django_app.get("/catalogue/")

    assert product_titles(page) == ["Ceramide cream"]
    assert page.html.select_one(".product-card__price").text.strip() == "Rs\xa03,950"


def test_category_page_lists_products_of_the_category_and_its_subcategories(django_app):
    acne = create_category("Acne")
    spots = create_category("Acne > Spot treatments")
    cleansers = create_category("Cleansers")
    ProductFactory(title="Benzoyl peroxide gel", categories=[acne])
    ProductFactory(title="Acne patches", categories=[spots])
    ProductFactory(title="Micellar water", categories=[cleansers])

    page = django_app.get(acne.get_absolute_url())

    assert sorted(product_titles(page)) == ["Acne patches", "Benzoyl peroxide gel"]
    assert page.html.select_one("h1").text.strip() == "Acne"


def test_category_url_with_an_old_slug_redirects_to_the_current_one(django_app):
    acne = create_category("Acne")

    response = django_app.get(f"/catalogue/category/old-name_{acne.pk}/")

    assert response.status_code == 301
    assert response.location == acne.get_absolute_url()


def test_listing_sorts_by_price(django_app):
    ProductFactory(title="Mid", stockrecord__price=Decimal("2000"))
    ProductFactory(title="Cheap", stockrecord__price=Decimal("500"))
    ProductFactory(title="Dear", stockrecord__price=Decimal("4000"))

    assert product_titles(django_app.get("/catalogue/?sort=price-asc")) == ["Cheap", "Mid", "Dear"]
    assert product_titles(django_app.get("/catalogue/?sort=price-desc")) == ["Dear", "Mid", "Cheap"]
    assert product_titles(django_app.get("/catalogue/?sort=title")) == ["Cheap", "Dear", "Mid"]


def test_an_unknown_sort_value_falls_back_to_newest(django_app):
    ProductFactory(title="Older")
    ProductFactory(title="Newer")

    assert product_titles(django_app.get("/catalogue/?sort=%27;drop")) == ["Newer", "Older"]


def test_a_page_number_past_the_end_redirects_with_a_message(django_app):
    ProductFactory()

    response = django_app.get("/catalogue/?page=99")

    assert response.status_code == 302
    assert "That page number does not exist." in response.follow().text


def test_prescription_products_carry_the_rx_badge_in_listings(django_app):
    RxProductFactory(title="Isotretinoin 20 mg capsules")
    ProductFactory(title="Lip balm")

    page = django_app.get("/catalogue/")

    cards = {card.select_one(".product-card__title a").text.strip(): card for card in page.html.select(".product-card")}
    assert cards["Isotretinoin 20 mg capsules"].select_one(".rx-badge").text.split() == [
        "Rx",
        "Prescription",
        "only",
    ]
    assert cards["Lip balm"].select_one(".rx-badge") is None


def test_prescription_product_page_shows_the_badge_and_how_ordering_works(django_app):
    product = RxProductFactory()

    page = django_app.get(product.get_absolute_url())

    assert page.html.select_one(".product-page .rx-badge") is not None
    assert "our pharmacist must check and approve a prescription" in page.text


def test_prescription_products_can_go_in_the_basket(django_app):
    product = RxProductFactory()

    page = django_app.get(product.get_absolute_url())
    page = page.forms["add_to_basket_form"].submit().follow()

    assert product.get_title() in page.text
    assert django_app.get("/basket/").html.select_one("#basket_formset") is not None


def test_out_of_stock_products_cannot_be_added(django_app):
    product = ProductFactory(stockrecord__num_in_stock=0)

    page = django_app.get(product.get_absolute_url())

    assert "add_to_basket_form" not in page.forms
    assert "Unavailable" in page.text or "out of stock" in page.text.lower()


def test_home_page_shows_categories_and_in_stock_products(django_app):
    create_category("Sunscreens")
    ProductFactory(title="SPF 50 fluid")
    ProductFactory(title="Sold out serum", stockrecord__num_in_stock=0)
    RxProductFactory(title="Isotretinoin 10 mg")

    page = django_app.get("/")

    assert "Sunscreens" in [a.text for a in page.html.select(".category-tiles a")]
    assert product_titles(page) == ["SPF 50 fluid"]
