"""A logged-in customer buys non-prescription items with cash on delivery."""

from decimal import Decimal

import pytest
from django.core import mail
from oscar.core.loading import get_model

from tests.checkout_steps import add_to_basket, checkout_to_preview, fill_new_address
from tests.factories import ProductFactory

Order = get_model("order", "Order")
Basket = get_model("basket", "Basket")

pytestmark = pytest.mark.django_db


def test_cash_on_delivery_order_records_totals_in_pkr(customer_app, pakistan):
    cleanser = ProductFactory(title="Gentle cleanser", stockrecord__price=Decimal("1450"))
    sunscreen = ProductFactory(title="Sunscreen SPF 50", stockrecord__price=Decimal("2650"))
    add_to_basket(customer_app, cleanser, quantity=2)
    add_to_basket(customer_app, sunscreen)

    preview = checkout_to_preview(customer_app, method="express")
    assert "Rs\xa05,550" in preview.text  # 2 x 1,450 + 2,650
    confirmation = preview.forms["place_order_form"].submit().follow()

    order = Order.objects.get()
    assert order.currency == "PKR"
    assert order.total_excl_tax == Decimal("5550") + Decimal("600")
    assert order.total_incl_tax == Decimal("6150")
    assert order.shipping_incl_tax == Decimal("600")
    assert order.shipping_code == "express"
    assert order.status == "Pending"
    assert order.shipping_address.country.iso_3166_1_a2 == "PK"
    assert str(order.shipping_address.phone_number) == "+923001234567"
    assert [(line.title, line.quantity) for line in order.lines.order_by("id")] == [
        ("Gentle cleanser", 2),
        ("Sunscreen SPF 50", 1),
    ]
    source = order.sources.get()
    assert source.source_type.code == "cash-on-delivery"
    assert source.amount_allocated == Decimal("6150")
    assert source.amount_debited == 0

    assert order.number in confirmation.text
    assert "Rs\xa06,150" in confirmation.text
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["customer@example.com"]
    assert email.subject == f"Your Jild Pharmacy order {order.number} is confirmed"
    assert "Hello Sana," in email.body
    assert " * Gentle cleanser x 2: Rs\xa02,900" in email.body
    assert "Payment: cash on delivery. Please have Rs\xa06,150 ready for the courier." in email.body


def test_standard_delivery_is_free_from_five_thousand_rupees(customer_app, pakistan):
    ProductFactory(title="Ceramide cream", stockrecord__price=Decimal("5000"))
    add_to_basket(customer_app, ProductFactory(title="Ceramide cream 2", stockrecord__price=Decimal("5000")))

    checkout_to_preview(customer_app, method="standard").forms["place_order_form"].submit()

    order = Order.objects.get()
    assert order.shipping_incl_tax == 0
    assert order.total_incl_tax == Decimal("5000")


def test_standard_delivery_costs_250_below_the_threshold(customer_app, pakistan):
    add_to_basket(customer_app, ProductFactory(stockrecord__price=Decimal("4999")))

    checkout_to_preview(customer_app, method="standard").forms["place_order_form"].submit()

    assert Order.objects.get().total_incl_tax == Decimal("5249")


def test_placed_order_appears_in_order_history(customer_app, pakistan):
    add_to_basket(customer_app, ProductFactory(title="Micellar water"))
    checkout_to_preview(customer_app).forms["place_order_form"].submit()
    order = Order.objects.get()

    history = customer_app.get("/accounts/orders/")
    assert order.number in history.text
    detail = customer_app.get(f"/accounts/orders/{order.number}/")
    assert "Micellar water" in detail.text


def test_guest_checkout_is_off(django_app, pakistan):
    product = ProductFactory()
    add_to_basket(django_app, product)

    response = django_app.get("/checkout/", status=302)

    assert response.location == "/accounts/login/?next=/checkout/"
    assert Order.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("postcode", "ABC", "The postcode &#x27;ABC&#x27; is not valid for Pakistan"),
        ("phone_number", "12345", "The phone number entered is not valid."),
        ("phone_number", "", "This field is required."),
        ("line4", "", "This field is required."),
    ],
)
def test_bad_address_input_gives_a_form_error(customer_app, pakistan, field, value, message):
    add_to_basket(customer_app, ProductFactory())
    page = customer_app.get("/checkout/").follow()

    response = fill_new_address(page, **{field: value})

    assert response.status_code == 200
    assert message in response.text
    assert Order.objects.count() == 0


def test_the_confirmation_email_greets_a_customer_who_gave_no_name_by_the_address_name(django_app, pakistan):
    from tests.factories import UserFactory

    nameless = UserFactory(first_name="", last_name="")
    django_app.set_user(nameless)
    add_to_basket(django_app, ProductFactory())

    checkout_to_preview(django_app, first_name="Bilal").forms["place_order_form"].submit()

    assert mail.outbox[0].body.startswith("Hello Bilal,")
