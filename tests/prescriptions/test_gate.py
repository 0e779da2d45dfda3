"""The gate: no order holds a prescription-only line that an approved prescription does not cover."""

import datetime

import pytest
from django.utils import timezone
from oscar.apps.order.exceptions import UnableToPlaceOrder
from oscar.apps.partner.strategy import Default
from oscar.core.loading import get_model
from oscar.test.factories import create_order

from order.utils import OrderAlreadyPlaced
from prescriptions.models import Dispense, DispensingPolicy, Prescription
from prescriptions.services.decisions import prescription_revoke
from tests.checkout_steps import add_to_basket, checkout_to_preview
from tests.factories import (
    ProductFactory,
    RxProductFactory,
    UserFactory,
    approve,
    pharmacist_user,
    submit_prescription,
)

Order = get_model("order", "Order")
Basket = get_model("basket", "Basket")

pytestmark = pytest.mark.django_db


def basket_with(user, *products_and_quantities):
    basket = Basket.objects.create(owner=user)
    basket.strategy = Default()
    for product, quantity in products_and_quantities:
        basket.add_product(product, quantity)
    return basket


def place(user, basket):
    return create_order(basket=basket, user=user)


@pytest.fixture
def rx_product():
    """A prescription-only medicine whose own rules allow refills for 90 days: these tests are about coverage."""
    product = RxProductFactory(title="Isotretinoin 20 mg capsules")
    DispensingPolicy.objects.create(product=product, validity_days=90, refills_allowed=True)
    return product


# --- Order creation (the final guard, whatever path calls it) -------------------------


def test_order_with_a_covered_line_is_placed_and_consumes_the_prescription(customer, rx_product):
    prescription = approve(submit_prescription(customer, [rx_product]), quantity=2)

    order = place(customer, basket_with(customer, (rx_product, 1)))

    line = order.lines.get()
    dispense = Dispense.objects.get(order_line=line)
    assert dispense.prescription == prescription
    assert dispense.quantity == 1
    assert prescription.items.get().quantity_remaining == 1


def test_order_without_any_prescription_is_refused(customer, rx_product):
    with pytest.raises(UnableToPlaceOrder, match="needs a prescription approved by our pharmacist"):
        place(customer, basket_with(customer, (rx_product, 1)))

    assert Order.objects.count() == 0


def test_a_pending_prescription_does_not_cover_the_line(customer, rx_product):
    submit_prescription(customer, [rx_product])

    with pytest.raises(UnableToPlaceOrder, match="waiting for our pharmacist's review"):
        place(customer, basket_with(customer, (rx_product, 1)))

    assert Order.objects.count() == 0


def test_an_expired_prescription_is_refused(customer, rx_product):
    issued = timezone.localdate() - datetime.timedelta(days=40)
    prescription = submit_prescription(customer, [rx_product], issued_on=issued)
    # Approved in the past, valid until yesterday.
    approve(prescription, quantity=5, valid_until=timezone.localdate())
    Prescription.objects.filter(pk=prescription.pk).update(
        valid_until=timezone.localdate() - datetime.timedelta(days=1)
    )

    with pytest.raises(UnableToPlaceOrder, match="expired on"):
        place(customer, basket_with(customer, (rx_product, 1)))

    assert Order.objects.count() == 0
    assert prescription.items.get().quantity_remaining == 5


def test_a_revoked_prescription_is_refused(customer, rx_product):
    pharmacist = pharmacist_user()
    prescription = approve(submit_prescription(customer, [rx_product]), by=pharmacist, quantity=5)
    prescription_revoke(prescription=prescription, pharmacist=pharmacist, reason="Doctor withdrew it")

    with pytest.raises(UnableToPlaceOrder, match="was revoked"):
        place(customer, basket_with(customer, (rx_product, 1)))

    assert Order.objects.count() == 0


def test_a_quantity_above_what_remains_is_refused(customer, rx_product):
    prescription = approve(submit_prescription(customer, [rx_product]), quantity=2)

    with pytest.raises(UnableToPlaceOrder, match="covers 2 more; your basket has 3"):
        place(customer, basket_with(customer, (rx_product, 3)))

    assert Order.objects.count() == 0
    assert prescription.items.get().quantity_remaining == 2


def test_a_prescription_for_another_product_does_not_cover_the_line(customer, rx_product):
    tretinoin = RxProductFactory(title="Tretinoin cream")
    approve(submit_prescription(customer, [tretinoin]), quantity=1)

    with pytest.raises(UnableToPlaceOrder, match="Isotretinoin 20 mg capsules needs a prescription"):
        place(customer, basket_with(customer, (rx_product, 1)))

    assert Order.objects.count() == 0


def test_another_customers_prescription_does_not_cover_the_line(customer, rx_product):
    someone_else = UserFactory()
    approve(submit_prescription(someone_else, [rx_product]), quantity=5)

    with pytest.raises(UnableToPlaceOrder):
        place(customer, basket_with(customer, (rx_product, 1)))

    assert Order.objects.count() == 0


def test_an_approval_for_fewer_products_than_requested_covers_only_those(customer, rx_product):
    tretinoin = RxProductFactory(title="Tretinoin cream")
    prescription = submit_prescription(customer, [rx_product, tretinoin])
    approve(prescription, products=[tretinoin], quantity=1)

    with pytest.raises(UnableToPlaceOrder, match="Isotretinoin"):
        place(customer, basket_with(customer, (rx_product, 1), (tretinoin, 1)))

    assert Order.objects.count() == 0


def test_every_prescription_line_must_be_covered_not_just_one(customer, rx_product):
    tretinoin = RxProductFactory(title="Tretinoin cream")
    approve(submit_prescription(customer, [rx_product]), quantity=1)

    with pytest.raises(UnableToPlaceOrder, match="Tretinoin cream needs a prescription"):
        place(customer, basket_with(customer, (rx_product, 1), (tretinoin, 1)))

    assert Order.objects.count() == 0


def test_a_prescription_cannot_be_used_twice_beyond_its_quantity(customer, rx_product):
    approve(submit_prescription(customer, [rx_product]), quantity=1)
    place(customer, basket_with(customer, (rx_product, 1)))

    with pytest.raises(UnableToPlaceOrder, match="covers 0 more"):
        place(customer, basket_with(customer, (rx_product, 1)))

    assert Order.objects.count() == 1


def test_an_anonymous_order_with_a_prescription_line_is_refused(rx_product):
    basket = Basket.objects.create()
    basket.strategy = Default()
    basket.add_product(rx_product, 1)

    with pytest.raises(UnableToPlaceOrder):
        create_order(basket=basket, user=None)

    assert Order.objects.count() == 0


def test_orders_without_prescription_lines_pass_untouched(customer):
    order = place(customer, basket_with(customer, (ProductFactory(), 2)))

    assert order.lines.count() == 1
    assert Dispense.objects.count() == 0


def test_a_second_direct_call_for_the_same_basket_finds_the_first_order(customer, rx_product):
    # Straight to OrderCreator, as a payment provider's callback or a script
    # would, with a new order number: the basket's own lock refuses it.
    approve(submit_prescription(customer, [rx_product]), quantity=5)
    basket = basket_with(customer, (rx_product, 1))
    first = create_order(number="100001", basket=basket, user=customer)

    with pytest.raises(OrderAlreadyPlaced) as refused:
        create_order(number="100002", basket=basket, user=customer)

    assert refused.value.order == first
    assert list(Order.objects.all()) == [first]
    assert Dispense.objects.count() == 1


# --- Through the checkout pages ---------------------------------------------------------


def csrf_token(app):
    return app.get("/basket/").forms["basket_formset"]["csrfmiddlewaretoken"].value


def test_every_checkout_step_refuses_an_uncovered_basket_with_a_link_to_upload(customer_app, pakistan, rx_product):
    add_to_basket(customer_app, rx_product)

    for url in [
        "/checkout/",
        "/checkout/shipping-address/",
        "/checkout/shipping-method/",
        "/checkout/payment-method/",
        "/checkout/payment-details/",
        "/checkout/preview/",
    ]:
        response = customer_app.get(url)
        assert response.status_code == 302, url
        assert response.location == "/basket/", url
        page = response.follow()
        alert = page.html.select_one("#messages .alert-warning")
        assert "needs a prescription approved by our pharmacist" in alert.text, url
        link = alert.select_one(".alertinner a")
        assert link["href"].startswith(f"/accounts/prescriptions/upload/?product={rx_product.pk}"), url


def test_a_pending_prescription_message_links_to_its_status(customer_app, pakistan, customer, rx_product):
    prescription = submit_prescription(customer, [rx_product])
    add_to_basket(customer_app, rx_product)

    page = customer_app.get("/checkout/").follow()

    link = page.html.select_one("#messages .alert-warning .alertinner a")
    assert link["href"] == f"/accounts/prescriptions/{prescription.public_id}/"


def test_a_direct_post_to_place_an_order_creates_no_order(customer_app, pakistan, rx_product):
    add_to_basket(customer_app, rx_product)

    response = customer_app.post(
        "/checkout/preview/", {"action": "place_order", "csrfmiddlewaretoken": csrf_token(customer_app)}
    )

    assert response.status_code == 302
    assert Order.objects.count() == 0
    assert "needs a prescription" in response.follow().text


def test_revoked_between_preview_and_place_order_creates_no_order_and_keeps_the_basket(
    customer_app, pakistan, customer, rx_product
):
    pharmacist = pharmacist_user()
    prescription = approve(submit_prescription(customer, [rx_product]), by=pharmacist, quantity=1)
    add_to_basket(customer_app, rx_product)
    preview = checkout_to_preview(customer_app)

    prescription_revoke(prescription=prescription, pharmacist=pharmacist, reason="Wrong patient")
    response = preview.forms["place_order_form"].submit()

    assert Order.objects.count() == 0
    assert "was revoked" in response.follow().text
    basket = Basket.objects.get(owner=customer, status=Basket.OPEN)
    assert [(line.product_id, line.quantity) for line in basket.all_lines()] == [(rx_product.pk, 1)]


def test_the_order_guard_holds_even_when_the_checkout_checks_are_bypassed(
    customer_app, pakistan, customer, rx_product, monkeypatch
):
    """A path that skips the pre-conditions (a bug, a new view) still cannot place the order."""
    pharmacist = pharmacist_user()
    prescription = approve(submit_prescription(customer, [rx_product]), by=pharmacist, quantity=1)
    add_to_basket(customer_app, rx_product)
    preview = checkout_to_preview(customer_app)
    prescription_revoke(prescription=prescription, pharmacist=pharmacist, reason="Wrong patient")
    from checkout.session import CheckoutSessionMixin

    monkeypatch.setattr(CheckoutSessionMixin, "check_prescriptions_cover_basket", lambda self, request: None)

    response = preview.forms["place_order_form"].submit()

    assert response.status_code == 200
    assert "was revoked" in response.text
    assert Order.objects.count() == 0
    basket = Basket.objects.get(owner=customer)
    assert basket.status == Basket.OPEN
    assert basket.all_lines().count() == 1
    from oscar.core.loading import get_model as model

    assert model("order", "ShippingAddress").objects.count() == 0


def test_a_covered_basket_checks_out_and_the_order_shows_the_prescription(customer_app, pakistan, customer, rx_product):
    prescription = approve(submit_prescription(customer, [rx_product]), quantity=1)
    add_to_basket(customer_app, rx_product)

    checkout_to_preview(customer_app).forms["place_order_form"].submit().follow()

    order = Order.objects.get()
    assert order.lines.get().prescription_dispense.prescription == prescription
    page = customer_app.get(f"/accounts/orders/{order.number}/")
    assert f"Authorised by prescription {prescription.reference}" in " ".join(
        page.html.select_one("#order_lines").text.split()
    )


def test_basket_lines_show_where_each_prescription_stands(customer_app, customer, rx_product):
    tretinoin = RxProductFactory(title="Tretinoin cream")
    prescription = approve(submit_prescription(customer, [rx_product]), quantity=2)
    add_to_basket(customer_app, rx_product)
    add_to_basket(customer_app, tretinoin)

    page = customer_app.get("/basket/")

    statuses = [" ".join(s.text.split()) for s in page.html.select(".rx-status")]
    assert any(f"Covered by prescription {prescription.reference} (2 left" in s for s in statuses)
    assert any("Tretinoin cream needs a prescription" in s for s in statuses)
