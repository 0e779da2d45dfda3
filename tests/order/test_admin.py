"""The Django admin shows orders and their lines but cannot add, change or delete them: only the gate writes orders."""

import pytest
from oscar.apps.partner.strategy import Default
from oscar.core.loading import get_model
from oscar.test.factories import create_order

from tests.factories import ProductFactory, UserFactory

Basket = get_model("basket", "Basket")
Order = get_model("order", "Order")
Line = get_model("order", "Line")

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser():
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def order(customer):
    basket = Basket.objects.create(owner=customer)
    basket.strategy = Default()
    basket.add_product(ProductFactory(title="Gentle cleanser"), 2)
    return create_order(basket=basket, user=customer)


@pytest.mark.parametrize("model", ["order", "line"])
def test_a_superuser_cannot_add_orders_or_lines_in_the_admin(django_app, superuser, model):
    django_app.get(f"/admin/order/{model}/add/", user=superuser, status=403)


def test_a_superuser_can_look_at_an_order_and_its_lines_but_not_change_them(django_app, superuser, order):
    page = django_app.get(f"/admin/order/order/{order.pk}/change/", user=superuser)

    assert "Gentle cleanser" in page.text
    assert "_save" not in page.text
    line = order.lines.get()
    line_page = django_app.get(f"/admin/order/line/{line.pk}/change/", user=superuser)
    assert "_save" not in line_page.text
    assert django_app.get("/admin/order/line/", user=superuser).status_code == 200


@pytest.mark.parametrize("model", ["order", "line"])
def test_a_post_to_change_or_delete_is_refused(django_app, superuser, order, model):
    obj = order if model == "order" else order.lines.get()
    csrf = django_app.get("/admin/", user=superuser).forms["logout-form"]["csrfmiddlewaretoken"].value

    django_app.post(
        f"/admin/order/{model}/{obj.pk}/change/",
        {"csrfmiddlewaretoken": csrf, "quantity": "9"},
        user=superuser,
        status=403,
    )
    django_app.post(
        f"/admin/order/{model}/{obj.pk}/delete/",
        {"csrfmiddlewaretoken": csrf, "post": "yes"},
        user=superuser,
        status=403,
    )

    assert Order.objects.filter(pk=order.pk).exists()
    assert order.lines.get().quantity == 2
