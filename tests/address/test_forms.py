"""Addresses in the address book and at checkout are Pakistani, with a mobile the courier can call."""

import pytest
from oscar.core.loading import get_model

from tests.checkout_steps import add_to_basket, fill_new_address, submit_address
from tests.factories import ProductFactory

UserAddress = get_model("address", "UserAddress")
Order = get_model("order", "Order")

pytestmark = pytest.mark.django_db

NOT_PAKISTANI = "Enter a Pakistani mobile number, e.g. 0300 1234567."


def address_form(page):
    [form] = [form for form in page.forms.values() if "line1" in form.fields]
    return form


def add_address(app, **overrides):
    return submit_address(address_form(app.get("/accounts/addresses/add/")), country="PK", **overrides)


def test_the_address_book_uses_pakistani_labels(customer_app, pakistan):
    page = customer_app.get("/accounts/addresses/add/")

    labels = [label.text.strip(" *\n") for label in page.html.select("label")]
    assert {"House and street", "City", "Postal code", "Mobile number"} <= set(labels)
    assert "line3" not in address_form(page).fields


def test_a_pakistani_mobile_is_saved_in_international_form(customer_app, pakistan):
    add_address(customer_app, phone_number="0321 7654321").follow()

    assert str(UserAddress.objects.get().phone_number) == "+923217654321"


@pytest.mark.parametrize(
    ("phone_number", "message"),
    [
        ("+441234567890", NOT_PAKISTANI),  # a UK number
        ("+14155552671", NOT_PAKISTANI),  # a US number
        ("042 35761234", NOT_PAKISTANI),  # a Lahore landline: no texts from the courier
        ("12345", "The phone number entered is not valid."),
        ("call me", "This is not a valid local or international phone format."),
    ],
)
def test_the_address_book_refuses_a_number_the_courier_cannot_use(customer_app, pakistan, phone_number, message):
    response = add_address(customer_app, phone_number=phone_number)

    assert response.status_code == 200
    assert message in response.text
    assert not UserAddress.objects.exists()


@pytest.mark.parametrize(("field", "value"), [("postcode", "5400"), ("line1", ""), ("line4", "")])
def test_the_address_book_refuses_other_bad_input_with_a_message(customer_app, pakistan, field, value):
    response = add_address(customer_app, **{field: value})

    assert response.status_code == 200
    assert response.html.select(".invalid-feedback, .error-block, .alert-danger")
    assert not UserAddress.objects.exists()


def test_checkout_refuses_a_foreign_number(customer_app, pakistan):
    add_to_basket(customer_app, ProductFactory())
    page = customer_app.get("/checkout/").follow()

    response = fill_new_address(page, phone_number="+441234567890")

    assert response.status_code == 200
    assert NOT_PAKISTANI in response.text
    assert Order.objects.count() == 0
