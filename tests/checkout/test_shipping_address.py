"""The "Ship to this address" button only ever ships to one of the customer's own addresses, and never fails."""

import pytest
from django.test import Client
from oscar.core.loading import get_model

from tests.checkout.test_fuzz_forms import not_shipped_to, stored_user_address
from tests.factories import ProductFactory, UserFactory, create_address

Order = get_model("order", "Order")

pytestmark = pytest.mark.django_db

NOT_IN_THE_BOOK = "That address is not in your address book. Please choose one below or enter a new one."


@pytest.fixture
def browser(customer, pakistan):
    client = Client()
    client.force_login(customer)
    assert client.post(f"/basket/add/{ProductFactory().pk}/", {"quantity": 1}).status_code == 302
    return client


def ship_to(browser, address_id, action="ship_to"):
    return browser.post("/checkout/shipping-address/", {"action": action, "address_id": address_id})


def messages_on(response):
    return [str(message) for message in response.context["messages"]]


def test_one_of_the_customers_own_addresses_is_delivered_to(browser, customer):
    address = create_address(customer, line1="House 3, Street 9")

    response = ship_to(browser, str(address.pk))

    assert (response.status_code, response["Location"]) == (302, "/checkout/shipping-method/")
    assert stored_user_address(browser) == address.pk
    assert browser.post("/checkout/shipping-method/", {"method_code": "standard"}).status_code == 302
    placed = browser.post("/checkout/preview/", {"action": "place_order"})
    assert placed["Location"] == "/checkout/thank-you/"
    assert Order.objects.get().shipping_address.line1 == "House 3, Street 9"


@pytest.mark.parametrize(
    "address_id",
    ["abc", "999999", "", " ", "1.5", "-1", "+1", "0x10", "٣", "9" * 40, "2147483648", "1\x00", "<script>"],
)
def test_an_id_that_names_no_address_sends_the_customer_back_with_a_message(browser, customer, address_id):
    create_address(customer)

    response = ship_to(browser, address_id)

    assert (response.status_code, response["Location"]) == (302, "/checkout/shipping-address/")
    assert stored_user_address(browser) is None
    page = browser.get(response["Location"])
    assert page.status_code == 200
    assert NOT_IN_THE_BOOK in messages_on(page)


@pytest.mark.parametrize("whose", ["another customer's", "a deleted", "an abroad"])
def test_an_address_the_customer_may_not_ship_to_is_refused_like_a_missing_one(browser, customer, whose):
    if whose == "another customer's":
        address = create_address(UserFactory(), line1="Someone else's house")
    elif whose == "a deleted":
        address = create_address(customer)
        address.delete()
    else:
        address = create_address(customer, line1="10 Downing Street", country=not_shipped_to())

    response = ship_to(browser, str(address.pk))

    assert (response.status_code, response["Location"]) == (302, "/checkout/shipping-address/")
    assert stored_user_address(browser) is None
    page = browser.get(response["Location"])
    assert NOT_IN_THE_BOOK in messages_on(page)
    assert "Someone else" not in page.content.decode()


@pytest.mark.parametrize("action", ["", "delete", None])
def test_an_own_address_without_the_ship_to_action_is_not_chosen(browser, customer, action):
    address = create_address(customer)
    data = {"address_id": str(address.pk)} if action is None else {"address_id": str(address.pk), "action": action}

    response = browser.post("/checkout/shipping-address/", data)

    assert (response.status_code, response["Location"]) == (302, "/checkout/shipping-address/")
    assert stored_user_address(browser) is None
    assert "Please choose the address to deliver to." in messages_on(browser.get(response["Location"]))
