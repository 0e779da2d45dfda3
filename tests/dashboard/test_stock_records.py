"""Staff set prices in the dashboard in whole rupees, the unit every page shows."""

import pytest
from django.contrib.auth.models import Permission

from tests.factories import ProductFactory, UserFactory, create_category

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    user = UserFactory(is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="catalogue", codename__in=["view_product", "add_product", "change_product"]
        )
    )
    return user


def edit_price(django_app, staff, product, price):
    form = django_app.get(f"/dashboard/catalogue/products/{product.pk}/", user=staff).forms[
        "create_update_product_form"
    ]
    form["stockrecords-0-price"] = price
    return form.submit()


def test_a_price_with_paisa_is_refused_with_a_clear_error(django_app, staff):
    product = ProductFactory(categories=[create_category("Acne")])

    page = edit_price(django_app, staff, product, "1450.50")

    assert page.status_code == 200
    assert "Enter the price in whole rupees, e.g. 1450." in page.text
    assert product.stockrecords.get().price == 1000


def test_a_whole_rupee_price_is_saved(django_app, staff):
    product = ProductFactory(categories=[create_category("Acne")])

    edit_price(django_app, staff, product, "1450.00").follow()

    assert product.stockrecords.get().price == 1450
