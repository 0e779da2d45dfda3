"""Random and hostile input to the basket and checkout forms: never an error page, never a stray row."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from hypothesis import HealthCheck, assume, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from oscar.apps.partner.strategy import Default
from oscar.core.loading import get_model

from tests.factories import ProductFactory, UserFactory, create_address

Order = get_model("order", "Order")
OrderLine = get_model("order", "Line")
ShippingAddress = get_model("order", "ShippingAddress")
BillingAddress = get_model("order", "BillingAddress")
UserAddress = get_model("address", "UserAddress")
Country = get_model("address", "Country")
Source = get_model("payment", "Source")
Basket = get_model("basket", "Basket")
BasketLine = get_model("basket", "Line")

pytestmark = pytest.mark.django_db

FUZZ = hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
PRICE = Decimal("1000")
IN_STOCK = 50
ADDRESS = {
    "first_name": "Sana",
    "last_name": "Qureshi",
    "line1": "House 14, Street 7",
    "line4": "Lahore",
    "postcode": "54000",
    "phone_number": "03001234567",
}
ORDER_ROWS = (Order, OrderLine, ShippingAddress, BillingAddress, UserAddress, Source)

odd_text = st.one_of(
    st.text(max_size=60),
    st.text(min_size=256, max_size=2000),
    st.sampled_from(["", " ", "\x00", "Sana\x00", "<script>alert(1)</script>", "' OR 1=1 --", "\u202eevil", "٥٤٠٠٠"]),
)
odd_number = st.one_of(
    st.integers().map(str),
    st.sampled_from(["", " ", "1.5", "1e3", "-0", "0x10", "٣", "²", "NaN", "9" * 40, "1\x00", "+1", " 2 "]),
    st.text(max_size=12),
)
extra_fields = st.dictionaries(
    st.sampled_from(
        [
            "order_total",
            "total_incl_tax",
            "basket_id",
            "basket",
            "shipping_charge",
            "shipping_method",
            "method_code",
            "payment_method",
            "order_number",
            "status",
            "user",
            "user_id",
            "guest_email",
            "csrfmiddlewaretoken",
        ]
    )
    | st.text(min_size=1, max_size=20),
    odd_text,
    max_size=4,
)


def not_shipped_to():
    country, _created = Country.objects.get_or_create(
        iso_3166_1_a2="GB",
        defaults={
            "iso_3166_1_a3": "GBR",
            "iso_3166_1_numeric": "826",
            "printable_name": "United Kingdom",
            "name": "United Kingdom of Great Britain and Northern Ireland",
            "is_shipping_country": False,
        },
    )
    return country


def stored_user_address(browser):
    return browser.session.get("checkout_data", {}).get("shipping", {}).get("user_address_id")


def order_rows():
    return {model.__name__: model.objects.count() for model in ORDER_ROWS}


def open_basket_lines(user):
    return list(BasketLine.objects.filter(basket__owner=user, basket__status=Basket.OPEN))


@pytest.fixture
def product():
    return ProductFactory(title="Gentle cleanser", stockrecord__price=PRICE, stockrecord__num_in_stock=IN_STOCK)


@pytest.fixture
def browser(customer, pakistan):
    client = Client()
    client.force_login(customer)
    return client


def fill_basket(browser, customer, product):
    if not open_basket_lines(customer):
        assert browser.post(f"/basket/add/{product.pk}/", {"quantity": 1})["Location"] == "/basket/"


def ready_to_place(browser, customer, product):
    fill_basket(browser, customer, product)
    assert browser.post("/checkout/shipping-address/", ADDRESS)["Location"] == "/checkout/shipping-method/"
    assert browser.post("/checkout/shipping-method/", {"method_code": "standard"}).status_code == 302


def formset_post(lines):
    """The basket page's form, one entry per (line, fields) pair, in order."""
    data = {
        "form-TOTAL_FORMS": str(len(lines)),
        "form-INITIAL_FORMS": str(len(lines)),
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
    }
    for index, (line, fields) in enumerate(lines):
        data[f"form-{index}-id"] = str(line.pk)
        data.update({f"form-{index}-{key}": value for key, value in fields.items()})
    return data


def test_the_address_step_refuses_or_accepts_and_an_accepted_address_can_be_delivered_to(browser, customer, product):
    """New addresses typed in, and "Ship to this address" buttons naming any address id at all."""
    own = create_address(customer, line1="House 3, Street 9", postcode="44000")
    theirs = create_address(UserFactory(), line1="Someone else's house")
    abroad = create_address(customer, line1="10 Downing Street", country=not_shipped_to())
    gone = create_address(customer, line1="Moved away")
    gone_id = gone.pk
    gone.delete()
    address_ids = {"own": str(own.pk), "theirs": str(theirs.pk), "abroad": str(abroad.pk), "gone": str(gone_id)}

    @FUZZ
    @given(
        fields=st.fixed_dictionaries(
            {},
            optional={
                "first_name": st.one_of(st.just("Sana"), odd_text),
                "last_name": st.one_of(st.just("Qureshi"), odd_text),
                "line1": st.one_of(st.just("House 14, Street 7"), odd_text),
                "line2": odd_text,
                "line4": st.one_of(st.just("Lahore"), odd_text),
                "state": odd_text,
                "postcode": st.one_of(st.from_regex(r"[0-9]{5}", fullmatch=True), odd_number, odd_text),
                "phone_number": st.one_of(
                    st.sampled_from(
                        ["03001234567", "+923001234567", "0300 1234567", "+44 20 7946 0958", "123", "٠٣٠٠١٢٣٤٥٦٧"]
                    ),
                    odd_number,
                ),
                "notes": odd_text,
                "country": st.one_of(st.sampled_from(["PK", "GB", "XX", ""]), odd_text),
            },
        ),
        book=st.fixed_dictionaries(
            {},
            optional={
                "address_id": st.one_of(
                    st.sampled_from(sorted(address_ids)),
                    st.sampled_from(["abc", "999999", "2147483648", "-1", " 1 ", "1.0"]),
                    odd_number,
                    odd_text,
                ),
                "action": st.one_of(st.just("ship_to"), odd_text),
            },
        ),
        extra=extra_fields,
    )
    def submit_an_address(fields, book, extra):
        fill_basket(browser, customer, product)
        before = order_rows()
        if "address_id" in book:
            book = {**book, "address_id": address_ids.get(book["address_id"], book["address_id"])}

        response = browser.post("/checkout/shipping-address/", {**extra, **fields, **book})

        assert response.status_code in (200, 302)
        assert order_rows() == before
        if response.status_code == 200:
            return
        if "address_id" in book:
            chosen = book["address_id"] == address_ids["own"] and book.get("action") == "ship_to"
            if not chosen:
                assert response["Location"] == "/checkout/shipping-address/"
                assert stored_user_address(browser) in (None, own.pk)
                return
            expected = {"line1": own.line1, "postcode": own.postcode}
        else:
            expected = {"line1": fields["line1"].strip(), "postcode": fields["postcode"].strip()}
        assert response["Location"] == "/checkout/shipping-method/"
        # What the step accepted must carry an order to the door.
        assert browser.post("/checkout/shipping-method/", {"method_code": "standard"}).status_code == 302
        placed = browser.post("/checkout/preview/", {"action": "place_order"})
        assert (placed.status_code, placed["Location"]) == (302, "/checkout/thank-you/")
        order = Order.objects.latest("pk")
        assert order.shipping_address.country_id == "PK"
        assert order.shipping_address.line1 == expected["line1"]
        assert order.shipping_address.postcode == expected["postcode"]

    submit_an_address()


def test_the_shipping_method_form_only_ever_stores_a_method_on_offer(browser, customer, product):
    fill_basket(browser, customer, product)
    assert browser.post("/checkout/shipping-address/", ADDRESS).status_code == 302

    @FUZZ
    @given(
        method_code=st.one_of(
            st.none(), st.sampled_from(["standard", "express", "free", "__free__", "no-shipping-required"]), odd_text
        ),
        extra=extra_fields,
    )
    def choose(method_code, extra):
        before = order_rows()
        data = dict(extra) if method_code is None else {**extra, "method_code": method_code}

        response = browser.post("/checkout/shipping-method/", data)

        assert response.status_code in (200, 302)
        assert order_rows() == before
        stored = browser.session.get("checkout_data", {}).get("shipping", {}).get("method_code")
        assert stored in (None, "standard", "express")
        if method_code in ("standard", "express"):
            assert stored == method_code
        assert browser.get("/checkout/preview/").status_code in (200, 302)

    choose()


def test_adding_to_the_basket_never_breaks_and_never_exceeds_the_stock(browser, customer, product):
    hidden = ProductFactory(title="Recalled cream", is_public=False)
    sold_out = ProductFactory(title="Sold-out serum", stockrecord__num_in_stock=0)
    targets = [product.pk, hidden.pk, sold_out.pk, 0, 999_999]

    @FUZZ
    @given(
        target=st.sampled_from(targets),
        quantity=st.one_of(st.none(), st.integers(-5, 60).map(str), odd_number),
        extra=extra_fields,
        clear_first=st.booleans(),
    )
    def add(target, quantity, extra, clear_first):
        if clear_first:
            BasketLine.objects.filter(basket__owner=customer).delete()
        before = order_rows()
        data = dict(extra) if quantity is None else {**extra, "quantity": quantity}

        response = browser.post(f"/basket/add/{target}/", data)

        assert response.status_code in (302, 404)
        assert order_rows() == before
        for line in open_basket_lines(customer):
            assert 1 <= line.quantity <= line.stockrecord.num_in_stock, (line.product, line.quantity)
        assert browser.get("/basket/").status_code == 200

    add()


def test_the_basket_formset_changes_only_the_customers_own_lines_and_within_stock(browser, customer, product):
    someone_else = UserFactory()
    their_basket = Basket.objects.create(owner=someone_else)
    their_basket.strategy = Default()
    their_line, _created = their_basket.add_product(product, 2)

    @FUZZ
    @given(
        forms=st.lists(
            st.fixed_dictionaries(
                {},
                optional={
                    "id": st.one_of(st.sampled_from(["own", "theirs"]), odd_number),
                    "quantity": st.one_of(st.integers(-3, 60).map(str), odd_number),
                    "save_for_later": st.sampled_from(["on", "", "off", "1"]),
                    "DELETE": st.sampled_from(["on", "", "1"]),
                },
            ),
            max_size=3,
        ),
        management=st.fixed_dictionaries(
            {},
            optional={
                "TOTAL_FORMS": odd_number,
                "INITIAL_FORMS": odd_number,
                "MIN_NUM_FORMS": odd_number,
                "MAX_NUM_FORMS": odd_number,
            },
        ),
        extra=extra_fields,
    )
    def update(forms, management, extra):
        # Naming the same line twice has its own test below.
        assume([form.get("id") for form in forms].count("own") <= 1)
        fill_basket(browser, customer, product)
        (own_line,) = open_basket_lines(customer)
        before = order_rows()
        line_ids = {"own": str(own_line.pk), "theirs": str(their_line.pk)}
        data = {
            **extra,
            "form-TOTAL_FORMS": str(len(forms)),
            "form-INITIAL_FORMS": str(len(forms)),
            "form-MIN_NUM_FORMS": "0",
            "form-MAX_NUM_FORMS": "1000",
        }
        data.update({f"form-{key}": value for key, value in management.items()})
        for index, form in enumerate(forms):
            for key, value in form.items():
                data[f"form-{index}-{key}"] = line_ids.get(value, value) if key == "id" else value

        response = browser.post("/basket/", data)

        assert response.status_code in (200, 302)
        assert order_rows() == before
        their_line.refresh_from_db()
        assert (their_line.basket_id, their_line.quantity) == (their_basket.pk, 2)
        for line in open_basket_lines(customer):
            assert 1 <= line.quantity <= IN_STOCK

    update()


def test_extra_fields_in_the_place_order_post_change_nothing_about_the_order(browser, customer, product):
    standard_charge = Decimal(settings.SHOP_SHIPPING["standard_charge"])

    @FUZZ
    @given(
        action=st.one_of(st.none(), st.just("place_order"), odd_text),
        extra=extra_fields,
    )
    def place(action, extra):
        ready_to_place(browser, customer, product)
        before = order_rows()
        basket = Basket.objects.get(owner=customer, status=Basket.OPEN)
        data = dict(extra) if action is None else {**extra, "action": action}

        response = browser.post("/checkout/preview/", data)

        assert response.status_code in (200, 302)
        placed = list(Order.objects.filter(basket_id=basket.pk))
        if not placed:
            assert order_rows() == before
            return
        (order,) = placed
        assert action == "place_order"
        assert response["Location"] == "/checkout/thank-you/"
        assert order.user == customer
        assert order.number == str(100000 + basket.pk)
        assert order.total_incl_tax == PRICE + standard_charge
        assert order.shipping_code == "standard"
        assert order.status == "Pending"
        assert [(line.product_id, line.quantity) for line in order.lines.all()] == [(product.pk, 1)]
        after = order_rows()
        assert {name: after[name] - before[name] for name in after} == {
            "Order": 1,
            "Line": 1,
            "ShippingAddress": 1,
            "BillingAddress": 0,
            "UserAddress": 1 if before["UserAddress"] == 0 else 0,
            "Source": 1,
        }

    place()


# --- What the fuzzing found, kept as plain examples --------------------------------------------


def test_a_product_hidden_from_the_shop_cannot_be_put_in_the_basket_by_its_id(browser, customer):
    hidden = ProductFactory(title="Recalled cream", is_public=False)
    assert browser.get(hidden.get_absolute_url()).status_code == 404

    response = browser.post(f"/basket/add/{hidden.pk}/", {"quantity": 1})

    assert response.status_code in (302, 404)
    assert open_basket_lines(customer) == []


@pytest.mark.parametrize("already_saved", [False, True], ids=["first-save", "product-already-saved"])
def test_a_basket_post_naming_one_line_twice_is_refused_and_loses_nothing(browser, customer, product, already_saved):
    if already_saved:
        fill_basket(browser, customer, product)
        (line,) = open_basket_lines(customer)
        assert browser.post("/basket/", formset_post([(line, {"save_for_later": "on"})])).status_code == 302
    fill_basket(browser, customer, product)
    (line,) = open_basket_lines(customer)
    saved_before = list(
        BasketLine.objects.filter(basket__owner=customer, basket__status=Basket.SAVED).values_list(
            "product_id", "quantity"
        )
    )

    response = browser.post("/basket/", formset_post([(line, {"save_for_later": "on"})] * 2), follow=True)

    assert response.status_code == 200
    assert "Your basket changed while you were editing it." in response.content.decode()
    assert [(open_line.product_id, open_line.quantity) for open_line in open_basket_lines(customer)] == [
        (product.pk, line.quantity)
    ]
    saved = BasketLine.objects.filter(basket__owner=customer, basket__status=Basket.SAVED)
    assert list(saved.values_list("product_id", "quantity")) == saved_before


def save_for_later(browser, customer, product):
    """The customer's one basket line, moved to their saved basket; returns it."""
    fill_basket(browser, customer, product)
    (line,) = open_basket_lines(customer)
    assert browser.post("/basket/", formset_post([(line, {"save_for_later": "on"})])).status_code == 302
    return BasketLine.objects.get(basket__owner=customer, basket__status=Basket.SAVED)


def test_the_saved_for_later_formset_moves_only_the_customers_own_lines(browser, customer, product):
    someone_else = UserFactory()
    their_saved = Basket.objects.create(owner=someone_else, status=Basket.SAVED)
    their_saved.strategy = Default()
    their_line, _created = their_saved.add_product(product, 2)
    saved = save_for_later(browser, customer, product)

    @FUZZ
    @given(
        forms=st.lists(
            st.fixed_dictionaries(
                {},
                optional={
                    "id": st.one_of(st.sampled_from(["own", "theirs"]), odd_number),
                    "move_to_basket": st.sampled_from(["on", "", "1"]),
                    "DELETE": st.sampled_from(["on", "", "1"]),
                },
            ),
            max_size=3,
        ),
        extra=extra_fields,
    )
    def update(forms, extra):
        assume([form.get("id") for form in forms].count("own") <= 1)
        before = order_rows()
        data = {
            **extra,
            "saved-TOTAL_FORMS": str(len(forms)),
            "saved-INITIAL_FORMS": str(len(forms)),
            "saved-MIN_NUM_FORMS": "0",
            "saved-MAX_NUM_FORMS": "1000",
        }
        line_ids = {"own": str(saved.pk), "theirs": str(their_line.pk)}
        for index, form in enumerate(forms):
            for key, value in form.items():
                data[f"saved-{index}-{key}"] = line_ids.get(value, value) if key == "id" else value

        response = browser.post("/basket/saved/", data)

        assert response.status_code in (200, 302)
        assert order_rows() == before
        their_line.refresh_from_db()
        assert (their_line.basket_id, their_line.quantity) == (their_saved.pk, 2)

    update()


@pytest.mark.parametrize("line_id", ["abc", "99999999", "1e3", ""])
def test_a_saved_line_post_naming_no_line_of_the_customers_says_so(browser, customer, product, line_id):
    saved = save_for_later(browser, customer, product)
    data = {
        "saved-TOTAL_FORMS": "1",
        "saved-INITIAL_FORMS": "1",
        "saved-MIN_NUM_FORMS": "0",
        "saved-MAX_NUM_FORMS": "1000",
        "saved-0-id": line_id,
        "saved-0-move_to_basket": "on",
    }

    response = browser.post("/basket/saved/", data, follow=True)

    assert response.status_code == 200
    assert "Your saved items changed while you were editing them." in response.content.decode()
    assert BasketLine.objects.get(pk=saved.pk).basket.status == Basket.SAVED
    assert open_basket_lines(customer) == []
