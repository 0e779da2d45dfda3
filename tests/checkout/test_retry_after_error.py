"""An error after the order is written (django-oscar #3768): a retry shows that order, never a second one."""

import pytest
from django.db import OperationalError
from django_tasks_db.models import DBTaskResult
from oscar.core.loading import get_class, get_model

from prescriptions.models import Dispense
from tests.checkout_steps import add_to_basket, checkout_to_preview
from tests.factories import ProductFactory, RxProductFactory, approve, submit_prescription
from tests.smtp import closed_port

Order = get_model("order", "Order")
Basket = get_model("basket", "Basket")
CheckoutSessionData = get_class("checkout.utils", "CheckoutSessionData")

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["plain", "prescription-only"])
def product(request, customer):
    if request.param == "plain":
        return ProductFactory(title="Gentle cleanser")
    product = RxProductFactory(title="Isotretinoin 20 mg capsules")
    approve(submit_prescription(customer, [product]), quantity=1)
    return product


def fail_once(monkeypatch, owner, name):
    """The first call of ``owner.name`` fails as a dropped database connection would; later calls work."""
    original = getattr(owner, name)
    failed = []

    def flaky(self, *args, **kwargs):
        if not failed:
            failed.append(name)
            raise OperationalError("server closed the connection unexpectedly")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(owner, name, flaky)
    return failed


def messages_on(page):
    return [" ".join(alert.text.split()) for alert in page.html.select("#messages .alert")]


def alert_text(page):
    return " ".join(page.html.select_one(".alert-danger").text.split())


def test_a_mail_server_that_refuses_still_shows_the_placed_order_and_keeps_its_confirmation_queued(
    customer_app, pakistan, product, settings
):
    add_to_basket(customer_app, product)
    preview = checkout_to_preview(customer_app)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", closed_port()
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    response = preview.forms["place_order_form"].submit()

    order = Order.objects.get()
    assert response.status_code == 302
    assert response.location == "/checkout/thank-you/"
    assert order.number in response.follow().text
    assert Basket.objects.get(pk=order.basket_id).status == Basket.SUBMITTED
    [queued] = DBTaskResult.objects.all()
    assert (queued.task_path, queued.status) == ("shop.emails.send_order_confirmation", "READY")
    assert queued.args_kwargs["args"] == [order.id]


@pytest.mark.parametrize(
    ("owner", "name"),
    [(Basket, "submit"), (CheckoutSessionData, "flush")],
    ids=["basket-not-closed", "session-not-cleared"],
)
def test_a_retry_after_an_error_that_followed_the_order_shows_that_order_and_places_no_other(
    customer_app, pakistan, product, monkeypatch, owner, name
):
    add_to_basket(customer_app, product)
    preview = checkout_to_preview(customer_app)
    failed = fail_once(monkeypatch, owner, name)
    error_page = preview.forms["place_order_form"].submit()
    # Given Oscar's own handling: the order is written, yet the customer is
    # shown an error and their basket is open again, inviting a retry.
    assert failed
    assert error_page.status_code == 200
    assert "A problem occurred while placing this order" in alert_text(error_page)
    order = Order.objects.get()
    assert Basket.objects.get(pk=order.basket_id).status == Basket.OPEN

    retry = error_page.forms["place_order_form"].submit()

    assert Order.objects.get() == order
    assert retry.status_code == 302
    assert retry.location == "/checkout/thank-you/", messages_on(retry.follow())
    confirmation = retry.follow()
    assert f"Your order {order.number} has been placed." in confirmation.text
    assert Basket.objects.get(pk=order.basket_id).status == Basket.SUBMITTED
    assert Dispense.objects.filter(order_line__order=order).count() == (1 if product.requires_prescription else 0)
