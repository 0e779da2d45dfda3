"""Query budgets: the busiest pages cost a fixed, small number of queries however big the catalogue or basket.

Each page is loaded once before counting, so the counts are those of a warm
server (thumbnails made, navigation cached), which is what customers meet.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import (
    DrugInformationFactory,
    ProductFactory,
    RxProductFactory,
    approve,
    create_category,
    pharmacist_user,
    submit_prescription,
)

pytestmark = pytest.mark.django_db

LISTING_BUDGET = 12
PRODUCT_BUDGET = 12
BASKET_BUDGET = 15
QUEUE_BUDGET = 10


def queries(app, url, user=None) -> int:
    app.get(url, user=user)
    with CaptureQueriesContext(connection) as captured:
        app.get(url, user=user)
    return len(captured.captured_queries)


def catalogue(size, category):
    for i in range(size):
        factory = RxProductFactory if i % 5 == 0 else ProductFactory
        factory(title=f"Cream {i}", image=True, categories=[category])


@pytest.mark.parametrize("logged_in", [False, True], ids=["anonymous", "customer"])
def test_listing_pages_stay_within_budget_as_the_catalogue_grows(django_app, customer, logged_in):
    category = create_category("Moisturisers")
    user = customer if logged_in else None
    pages = ["/catalogue/", category.get_absolute_url(), "/search/?q=cream", "/"]

    catalogue(3, category)
    small = {url: queries(django_app, url, user) for url in pages}
    catalogue(30, category)
    large = {url: queries(django_app, url, user) for url in pages}

    assert large == small
    assert max(large.values()) <= LISTING_BUDGET, large


@pytest.mark.parametrize("logged_in", [False, True], ids=["anonymous", "customer"])
def test_the_isotretinoin_page_stays_within_budget(django_app, customer, logged_in):
    drug = DrugInformationFactory(pregnancy_risk="contraindicated", pregnancy_warning="Birth defects.")
    for i in range(8):
        drug.questions.create(question=f"Question {i}?", answer="Answer.", position=i)
    product = RxProductFactory(image=True, drug_information=drug, categories=[create_category("Acne")])

    count = queries(django_app, product.get_absolute_url(), customer if logged_in else None)

    assert count <= PRODUCT_BUDGET


def test_a_basket_of_ten_lines_stays_within_budget(django_app, customer):
    products = [ProductFactory(image=True) for _ in range(8)] + [RxProductFactory(image=True) for _ in range(2)]
    approve(submit_prescription(customer, products[8:]), quantity=1)
    for product in products[:2]:
        page = django_app.get(product.get_absolute_url(), user=customer)
        page.forms["add_to_basket_form"].submit(user=customer)
    two_lines = queries(django_app, "/basket/", customer)
    for product in products[2:]:
        page = django_app.get(product.get_absolute_url(), user=customer)
        page.forms["add_to_basket_form"].submit(user=customer)

    ten_lines = queries(django_app, "/basket/", customer)

    assert ten_lines <= BASKET_BUDGET
    # Two prescription lines add their own lookups; beyond that, lines are free.
    assert ten_lines - two_lines <= 2


def test_the_pharmacist_queue_stays_within_budget(django_app, customer):
    product = RxProductFactory()
    pharmacist = pharmacist_user()
    for _ in range(3):
        submit_prescription(customer, [product])
    few = queries(django_app, "/dashboard/pharmacy/", pharmacist)
    for _ in range(40):
        submit_prescription(customer, [product, RxProductFactory()])

    many = queries(django_app, "/dashboard/pharmacy/", pharmacist)

    assert many == few
    assert many <= QUEUE_BUDGET
