"""Cached catalogue fragments: fresh on the very next request, and never personal."""

import pytest
from django.core.cache import caches
from oscar.core.loading import get_model

from tests.checkout_steps import add_to_basket
from tests.factories import (
    DrugInformationFactory,
    ProductFactory,
    RxProductFactory,
    UserFactory,
    add_picture,
    approve,
    create_category,
    submit_prescription,
)

StockRecord = get_model("partner", "StockRecord")
DrugInformation = get_model("catalogue", "DrugInformation")
Product = get_model("catalogue", "Product")

pytestmark = pytest.mark.django_db


def prices(page):
    return [p.text for p in page.html.select(".product-card__price")]


def test_a_price_change_shows_on_the_very_next_request(django_app):
    product = ProductFactory(title="Ceramide cream", image=True)
    assert prices(django_app.get("/catalogue/")) == ["Rs\xa01,000"]

    stock = product.stockrecords.get()
    stock.price = 1250
    stock.save()

    assert prices(django_app.get("/catalogue/")) == ["Rs\xa01,250"]


def test_a_bulk_price_update_that_skips_save_still_shows_at_once(django_app):
    ProductFactory(title="Ceramide cream")
    django_app.get("/catalogue/")

    StockRecord.objects.update(price=990)

    assert prices(django_app.get("/catalogue/")) == ["Rs\xa0990"]


def test_running_out_of_stock_shows_at_once_and_removes_the_basket_button(django_app):
    product = ProductFactory(title="Ceramide cream")
    page = django_app.get("/catalogue/")
    assert page.html.select(".product-card__form")

    StockRecord.objects.filter(product=product).update(num_in_stock=0)
    page = django_app.get("/catalogue/")

    assert page.html.select(".product-card__form") == []
    assert "availability--outofstock" in str(page.html.select_one(".availability"))


def test_a_title_or_prescription_flag_change_shows_at_once(django_app):
    product = ProductFactory(title="Tretinoin cream")
    django_app.get("/catalogue/")

    Product.objects.filter(pk=product.pk).update(title="Tretinoin 0.05% cream", requires_prescription=True)
    page = django_app.get("/catalogue/")

    assert page.html.select_one(".product-card__title").text.strip() == "Tretinoin 0.05% cream"
    assert page.html.select_one(".rx-badge") is not None


def test_a_drug_information_change_shows_on_the_very_next_request(django_app):
    product = RxProductFactory(drug_information=DrugInformationFactory(common_side_effects="- Dry lips"))
    assert "Dry lips" in django_app.get(product.get_absolute_url()).text

    DrugInformation.objects.update(common_side_effects="- Dry lips\n- Nosebleeds")
    page = django_app.get(product.get_absolute_url())

    assert "Nosebleeds" in page.html.select_one("#common-side-effects").text


def test_a_new_question_shows_on_the_very_next_request(django_app):
    product = RxProductFactory()
    django_app.get(product.get_absolute_url())

    product.drug_information.questions.create(question="Can I drive?", answer="Yes.", position=1)

    assert "Can I drive?" in django_app.get(product.get_absolute_url()).text


class Writes(dict):
    """Last value written per key, and the order keys were written in (repeats included)."""

    def __init__(self):
        super().__init__()
        self.log: list[str] = []


@pytest.fixture
def cache_writes(monkeypatch):
    """Every key and value written to the shared cache, whatever its backend."""
    shared = caches["default"]
    written = Writes()

    def recording(name):
        original = getattr(shared, name)

        def write(*args, **kwargs):
            if name == "set_many":
                written.update(args[0])
                written.log.extend(args[0])
            elif name == "get_or_set":
                value = original(*args, **kwargs)
                written[args[0]] = value
                return value
            else:
                written[args[0]] = args[1]
                written.log.append(args[0])
            return original(*args, **kwargs)

        monkeypatch.setattr(shared, name, write)

    for name in ("set", "add", "set_many", "get_or_set"):
        recording(name)
    return written


def test_nothing_personal_is_stored_in_the_shared_cache(django_app, customer, cache_writes):
    category = create_category("Acne")
    isotretinoin = RxProductFactory(title="Isotretinoin 20 mg", categories=[category], image=True)
    ProductFactory(title="Lip balm", categories=[category], image=True)
    prescription = approve(submit_prescription(customer, [isotretinoin]), quantity=1)
    app = django_app
    app.set_user(customer)
    add_to_basket(app, isotretinoin)
    for url in ["/", "/catalogue/", category.get_absolute_url(), "/search/?q=lip", isotretinoin.get_absolute_url()]:
        app.get(url)
    token = app.cookies["csrftoken"]

    cached = " ".join(repr(value) for value in cache_writes.values())

    assert any(key.startswith("fragment:tile") for key in cache_writes)  # the tiles really were cached
    for personal in (customer.email, customer.first_name, prescription.reference, token, "csrfmiddlewaretoken"):
        assert personal not in cached, personal
    assert "Basket" not in cached and "rx-status" not in cached


def test_each_visitor_gets_their_own_working_basket_form_from_a_cached_listing(django_app):
    product = ProductFactory(title="Lip balm")
    first, second = UserFactory(), UserFactory()

    for user in (first, second):
        page = django_app.get("/catalogue/", user=user)
        [form] = [f for f in page.forms.values() if f.action == f"/basket/add/{product.pk}/"]
        form.submit(user=user).follow()

    from oscar.core.loading import get_model as model

    Basket = model("basket", "Basket")
    assert [b.all_lines()[0].product for b in Basket.objects.filter(owner__in=[first, second])] == [product, product]


def count_text(page):
    return page.html.select_one(".listing-toolbar__count").text.split()[0]


def test_listing_counts_follow_new_removed_and_unpublished_products(django_app):
    category = create_category("Serums")
    first = ProductFactory(categories=[category])
    assert count_text(django_app.get("/catalogue/")) == "1"

    ProductFactory(categories=[category])
    assert count_text(django_app.get("/catalogue/")) == "2"
    assert count_text(django_app.get(category.get_absolute_url())) == "2"

    first.is_public = False
    first.save()
    assert count_text(django_app.get("/catalogue/")) == "1"
    first.categories.clear()
    first.is_public = True
    first.save()
    assert count_text(django_app.get(category.get_absolute_url())) == "1"


# --- Whole product pages for anonymous visitors -----------------------------------------


def script_nonce(page):
    return page.html.select_one("script:not([src])")["nonce"]


def header_nonce(page):
    return page.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]


def test_anonymous_product_pages_come_from_the_cache_with_fresh_tokens(django_app, cache_writes):
    product = RxProductFactory(title="Isotretinoin 20 mg", image=True)
    first = django_app.get(product.get_absolute_url())
    [page_key] = [key for key in cache_writes if key.startswith("fragment:product-page")]
    assert "shop-csrf-token-hole" in cache_writes[page_key]  # cached with holes, not with anyone's token

    second = django_app.__class__().get(product.get_absolute_url())  # another visitor

    assert second.html.select_one("h1").text == "Isotretinoin 20 mg"
    assert script_nonce(second) == header_nonce(second) != script_nonce(first)
    token = second.forms["add_to_basket_form"]["csrfmiddlewaretoken"].value
    assert "hole" not in token and "hole" not in second.text
    assert cache_writes.log.count(page_key) == 1  # the second visitor's page was not rendered again


def test_a_cached_product_pages_basket_form_works_for_each_visitor(django_app):
    product = ProductFactory(title="Lip balm")
    django_app.get(product.get_absolute_url())  # fills the cache

    for _ in range(2):
        visitor = django_app.__class__()
        page = visitor.get(product.get_absolute_url())
        basket = page.forms["add_to_basket_form"].submit().follow()
        assert "Lip balm" in basket.text
        assert visitor.get("/basket/").html.select_one("#basket_formset") is not None


def test_a_stock_change_shows_on_the_next_anonymous_product_page(django_app):
    product = ProductFactory()
    assert "add_to_basket_form" in django_app.get(product.get_absolute_url()).forms

    StockRecord.objects.filter(product=product).update(num_in_stock=0)

    assert "add_to_basket_form" not in django_app.get(product.get_absolute_url()).forms


def test_customers_and_visitors_with_a_basket_never_get_the_shared_page(django_app, customer):
    product = RxProductFactory(title="Isotretinoin 20 mg")
    prescription = submit_prescription(customer, [product])
    django_app.get(product.get_absolute_url())  # the shared page is cached

    mine = django_app.get(product.get_absolute_url(), user=customer)
    assert prescription.reference in mine.html.select_one(".rx-product-status").text

    visitor = django_app.__class__()
    visitor.get(product.get_absolute_url()).forms["add_to_basket_form"].submit()
    page = visitor.get(product.get_absolute_url())
    assert "1 item" in page.html.select_one(".mini-basket").text


def gallery_picture(page):
    return page.html.select_one(".product-page__gallery img")["src"]


def test_a_new_picture_shows_on_the_next_anonymous_product_page(django_app):
    product = ProductFactory(title="Lip balm", image=True)
    first = gallery_picture(django_app.get(product.get_absolute_url()))

    product.images.all().delete()
    add_picture(product, colour=(200, 80, 40))

    assert gallery_picture(django_app.get(product.get_absolute_url())) != first


def test_a_renamed_category_shows_on_the_next_anonymous_product_and_listing_pages(django_app):
    category = create_category("Acne")
    product = ProductFactory(title="Lip balm", categories=[category])
    django_app.get(product.get_absolute_url())
    django_app.get("/catalogue/")

    category.name = "Acne and blemishes"
    category.save()

    breadcrumb = django_app.get(product.get_absolute_url()).html.select_one(".breadcrumb")
    assert "Acne and blemishes" in breadcrumb.text
    assert "Acne and blemishes" in django_app.get("/catalogue/").text


def test_anonymous_listing_pages_come_from_the_cache_with_fresh_tokens(django_app, cache_writes):
    product = ProductFactory(title="Lip balm")
    first = django_app.get("/catalogue/")
    [page_key] = [key for key in cache_writes if key.startswith("fragment:listing-page")]
    assert "shop-csrf-token-hole" in cache_writes[page_key]

    visitor = django_app.__class__()
    second = visitor.get("/catalogue/")

    assert cache_writes.log.count(page_key) == 1  # served from the cache, not rendered again
    assert script_nonce(second) == header_nonce(second) != script_nonce(first)
    [form] = [f for f in second.forms.values() if f.action == f"/basket/add/{product.pk}/"]
    assert "hole" not in form["csrfmiddlewaretoken"].value
    assert "Lip balm" in form.submit().follow().text


def test_a_second_page_of_a_cached_listing_is_its_own_page(django_app, settings):
    products = [ProductFactory(title=f"Serum {n:02d}") for n in range(30)]
    first = django_app.get("/catalogue/?sort=title")
    second = django_app.get("/catalogue/?sort=title&page=2")

    titles = [t.text.strip() for t in second.html.select(".product-card__title")]
    assert titles == [p.title for p in products[24:]]
    assert first.html.select_one(".product-card__title").text.strip() == "Serum 00"


@pytest.mark.parametrize("query", ["?utm_source=x", "?page=01", "?sort=nonsense", "?page=1&page=2", "?sort=title&x=1"])
def test_only_plain_listing_addresses_are_shared_so_junk_parameters_cannot_fill_the_cache(
    django_app, cache_writes, query
):
    ProductFactory(title="Lip balm")

    page = django_app.get(f"/catalogue/{query}").maybe_follow()

    assert "Lip balm" in page.text
    assert not [key for key in cache_writes if key.startswith("fragment:listing-page")]


def test_a_product_page_with_any_query_is_rendered_for_the_request_alone(django_app, cache_writes):
    product = ProductFactory(title="Lip balm")

    assert "Lip balm" in django_app.get(f"{product.get_absolute_url()}?ref=ad").text
    assert not [key for key in cache_writes if key.startswith("fragment:product-page")]


def test_a_change_to_a_parents_drug_information_shows_on_its_variants_page_at_once(django_app):
    drug = DrugInformationFactory(common_side_effects="- Dry lips")
    parent = RxProductFactory(structure="parent", drug_information=drug)
    variant = ProductFactory(parent=parent, structure="child", product_class=None, title="Pack of 60")
    django_app.get(variant.get_absolute_url())

    DrugInformation.objects.filter(pk=drug.pk).update(common_side_effects="- Dry lips\n- Nosebleeds")

    assert "Nosebleeds" in django_app.get(variant.get_absolute_url()).html.select_one("#common-side-effects").text
