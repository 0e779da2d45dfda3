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


@pytest.fixture
def cache_writes(monkeypatch):
    """Every key and value written to the shared cache, whatever its backend."""
    shared = caches["default"]
    written: dict = {}

    def recording(name):
        original = getattr(shared, name)

        def write(*args, **kwargs):
            if name == "set_many":
                written.update(args[0])
            elif name == "get_or_set":
                value = original(*args, **kwargs)
                written[args[0]] = value
                return value
            else:
                written[args[0]] = args[1]
            return original(*args, **kwargs)

        monkeypatch.setattr(shared, name, write)

    for name in ("set", "add", "set_many", "get_or_set"):
        recording(name)
    return written


def test_nothing_personal_is_stored_in_the_shared_cache(django_app, customer, cache_writes):
    category = create_category("Acne")
    isotretinoin = RxProductFactory(title="Isotretinoin 20 mg", categories=[category], image=True)
    ProductFactory(title="Lip balm", categories=[category], image=True)
    prescription = approve(submit_prescription(customer, [isotretinoin]), quantity=2)
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
