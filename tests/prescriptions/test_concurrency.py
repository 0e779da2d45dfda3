"""Races at order time, with real threads and real row locks: one prescription never pays for two orders."""

import re
import threading
import time
from functools import partial
from http.cookies import SimpleCookie

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from oscar.apps.order.exceptions import UnableToPlaceOrder
from oscar.apps.partner.strategy import Default
from oscar.core.loading import get_model
from oscar.test.factories import create_order

from checkout.views import PaymentDetailsView
from order import utils as order_utils
from prescriptions.models import Dispense, Interaction, Prescription, PrescriptionEvent
from prescriptions.services import decisions as rx_decisions
from prescriptions.services.decisions import prescription_revoke
from tests.factories import (
    DrugInformationFactory,
    ProductFactory,
    RxProductFactory,
    UserFactory,
    approve,
    create_address,
    pharmacist_user,
    submit_prescription,
)

Order = get_model("order", "Order")
Basket = get_model("basket", "Basket")
Product = get_model("catalogue", "Product")
ShippingAddress = get_model("order", "ShippingAddress")
UserAddress = get_model("address", "UserAddress")

pytestmark = [
    # Each thread works on its own connection, so the data must be committed
    # before the threads start. Naming every app makes the flush after each
    # test TRUNCATE ... CASCADE, which PostgreSQL needs because the search
    # index (not a Django model) refers to the products.
    pytest.mark.django_db(transaction=True, available_apps=[app.name for app in apps.get_app_configs()]),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite ignores SELECT ... FOR UPDATE; these run in CI's PostgreSQL pass",
    ),
]

TIMEOUT = 30  # seconds; a thread still running after this is stuck on a lock

ADDRESS = {
    "first_name": "Sana",
    "last_name": "Qureshi",
    "line1": "House 14, Street 7",
    "line4": "Lahore",
    "postcode": "54000",
    "phone_number": "03001234567",
}


@pytest.fixture
def rx_product():
    return RxProductFactory(title="Isotretinoin 20 mg capsules")


def give_up_waiting_for_locks():
    # A lock never released fails the test with an error instead of hanging the suite.
    with connection.cursor() as cursor:
        cursor.execute(f"SET lock_timeout = '{TIMEOUT - 10}s'")


def run_together(*tasks):
    """Run each task in its own thread and connection, released at the same moment.

    Returns what each task returned, or the exception it raised.
    """
    barrier = threading.Barrier(len(tasks))
    outcomes = [None] * len(tasks)

    def run(index, task):
        try:
            give_up_waiting_for_locks()
            barrier.wait(timeout=TIMEOUT)
            outcomes[index] = task()
        except BaseException as error:
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, task), daemon=True) for i, task in enumerate(tasks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    stuck = [i for i, thread in enumerate(threads) if thread.is_alive()]
    assert not stuck, f"tasks {stuck} still running after {TIMEOUT}s: a deadlock or a lock never released"
    return outcomes


def start(task):
    """Run one task in its own thread and connection; ``join()`` returns what it returned or raised."""
    outcome = {}

    def run():
        try:
            give_up_waiting_for_locks()
            outcome["value"] = task()
        except BaseException as error:
            outcome["value"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()

    def join():
        thread.join(TIMEOUT)
        assert not thread.is_alive(), f"still running after {TIMEOUT}s: a deadlock or a lock never released"
        return outcome["value"]

    return join


def wait_until_a_query_waits_for_a_lock():
    """Block until another connection is queued behind a row lock, so the interleaving is certain."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
        time.sleep(0.01)
    raise AssertionError(f"no query waited for a lock within {TIMEOUT}s")


def pause_inside(module, name):
    """Wrap ``module.name`` so the caller stops there, inside its transaction, until released."""
    reached, release = threading.Event(), threading.Event()
    original = getattr(module, name)

    def paused(*args, **kwargs):
        reached.set()
        assert release.wait(TIMEOUT), "never released"
        return original(*args, **kwargs)

    return paused, reached, release


def hold_until_all_arrive(monkeypatch, parties):
    """Hold each place-order request, its basket loaded and checked, until ``parties`` of them got that far."""
    arrived = threading.Barrier(parties)
    submit = PaymentDetailsView.submit

    def held(self, *args, **kwargs):
        arrived.wait(TIMEOUT)
        return submit(self, *args, **kwargs)

    monkeypatch.setattr(PaymentDetailsView, "submit", held)


def after(seconds, task):
    def delayed():
        time.sleep(seconds)
        return task()

    return delayed


def basket_with(user, product, quantity=1):
    basket = Basket.objects.create(owner=user)
    basket.strategy = Default()
    basket.add_product(product, quantity)
    return basket


def events(prescription, action):
    return list(PrescriptionEvent.objects.filter(prescription=prescription, action=action))


def client_at_preview(user, *, add=None):
    """A browser session of ``user`` that went through the real checkout steps up to the preview."""
    client = Client()
    client.force_login(user)
    if add is not None:
        assert client.post(f"/basket/add/{add.pk}/", {"quantity": 1}).status_code == 302
    assert client.get("/checkout/")["Location"] == "/checkout/shipping-address/"
    assert client.post("/checkout/shipping-address/", ADDRESS)["Location"] == "/checkout/shipping-method/"
    assert client.post("/checkout/shipping-method/", {"method_code": "standard"}).status_code == 302
    assert client.get("/checkout/preview/").status_code == 200
    return client


def place_order_through(client):
    return client.post("/checkout/preview/", {"action": "place_order"})


def describe(response):
    """What the customer got: where they were sent, or the error the page shows."""
    if not hasattr(response, "status_code"):
        return repr(response)
    if response.status_code == 302:
        return f"302 to {response['Location']}"
    alert = re.search(r'<div class="alert alert-danger"[^>]*>(.*?)</div>', response.content.decode(), re.S)
    return f"{response.status_code}: {' '.join(alert.group(1).split()) if alert else '(no error shown)'}"


# --- Many orders, one prescription ------------------------------------------------------


def test_ten_concurrent_orders_against_one_prescription_place_exactly_one(customer, rx_product):
    prescription = approve(submit_prescription(customer, [rx_product]), quantity=1)
    baskets = [basket_with(customer, rx_product) for _ in range(10)]

    outcomes = run_together(*(partial(create_order, basket=basket, user=customer) for basket in baskets))

    placed = [outcome for outcome in outcomes if isinstance(outcome, Order)]
    refused = [outcome for outcome in outcomes if isinstance(outcome, UnableToPlaceOrder)]
    assert (len(placed), len(refused)) == (1, 9), outcomes
    assert all("covers 0 more" in str(error) for error in refused), refused
    assert list(Order.objects.all()) == placed
    assert prescription.items.get().quantity_remaining == 0
    assert Dispense.objects.get().order_line.order == placed[0]
    assert len(events(prescription, PrescriptionEvent.Action.DISPENSED)) == 1


def test_ten_browser_sessions_placing_the_same_order_at_once_place_one_and_none_sees_an_error(
    customer, pakistan, rx_product
):
    prescription = approve(submit_prescription(customer, [rx_product]), quantity=1)
    # Oscar keeps one open basket per customer, so the sessions (a phone, a
    # laptop, several tabs) all hold the same basket and its one unit.
    clients = [client_at_preview(customer, add=rx_product if i == 0 else None) for i in range(10)]

    responses = run_together(*(partial(place_order_through, client) for client in clients))

    order = Order.objects.get()
    assert order.lines.get().prescription_dispense.prescription == prescription
    assert prescription.items.get().quantity_remaining == 0
    assert ShippingAddress.objects.count() == 1
    outcomes = sorted(describe(response) for response in responses)
    assert set(outcomes) <= {"302 to /checkout/thank-you/", "302 to /basket/"}, outcomes
    assert "302 to /checkout/thank-you/" in outcomes
    # The basket that became the order is never reopened for another go.
    assert Basket.objects.get(pk=order.basket_id).status == Basket.SUBMITTED


@pytest.mark.parametrize("address_known", [False, True], ids=["new-address", "address-in-address-book"])
def test_a_double_submitted_place_order_form_places_one_order_and_sends_both_clicks_to_it(
    customer, pakistan, rx_product, address_known, monkeypatch
):
    approve(submit_prescription(customer, [rx_product]), quantity=1)
    if address_known:
        # Placing an order adds a new address to the address book, and only counts a known one again.
        create_address(customer, line1=ADDRESS["line1"], line4=ADDRESS["line4"], postcode=ADDRESS["postcode"])
    first_click = client_at_preview(customer, add=rx_product)
    second_click = Client()
    second_click.cookies = SimpleCookie(first_click.cookies)
    # A double click: the second request arrives while the first is still
    # checking the basket, so both find it open before either places the order.
    hold_until_all_arrive(monkeypatch, 2)

    responses = run_together(partial(place_order_through, first_click), partial(place_order_through, second_click))

    order = Order.objects.get()
    assert ShippingAddress.objects.count() == 1
    outcomes = sorted(describe(response) for response in responses)
    assert set(outcomes) <= {"302 to /checkout/thank-you/", "302 to /basket/"}, outcomes
    assert Basket.objects.get(pk=order.basket_id).status == Basket.SUBMITTED
    assert UserAddress.objects.filter(user=customer).count() == 1
    thank_you = first_click.get("/checkout/thank-you/")
    assert thank_you.status_code == 200
    assert order.number in thank_you.content.decode()


# --- A pharmacist revokes while the customer orders --------------------------------------


def test_revoking_while_the_customer_orders_never_lets_an_order_through_after_the_revocation():
    pharmacist = pharmacist_user()
    orders_placed = 0

    for run in range(20):
        customer = UserFactory()
        product = RxProductFactory()
        prescription = approve(submit_prescription(customer, [product]), by=pharmacist, quantity=1)
        basket = basket_with(customer, product)
        # Placing an order does more work before it takes the lock than a
        # revocation does, so the pharmacist is held back a little longer on
        # each run to let the race go either way.
        revoke = partial(prescription_revoke, prescription=prescription, pharmacist=pharmacist, reason="Wrong patient")

        placing, revoking = run_together(
            partial(create_order, basket=basket, user=customer), after(run * 0.003, revoke)
        )

        assert isinstance(revoking, Prescription), revoking
        (revoked,) = events(prescription, PrescriptionEvent.Action.REVOKED)
        if isinstance(placing, Order):
            orders_placed += 1
            dispense = Dispense.objects.get(order_line__order=placing)
            (dispensed,) = events(prescription, PrescriptionEvent.Action.DISPENSED)
            assert dispense.prescription == prescription
            assert dispensed.created_at < revoked.created_at
        else:
            assert isinstance(placing, UnableToPlaceOrder), placing
            assert "was revoked" in str(placing)
            assert not Order.objects.filter(basket_id=basket.pk).exists()
            assert not Dispense.objects.filter(prescription=prescription).exists()
            assert prescription.items.get().quantity_remaining == 1

    assert Order.objects.count() == orders_placed


def test_an_order_that_waits_for_a_revocation_in_progress_is_refused(rx_product, customer, monkeypatch):
    pharmacist = pharmacist_user()
    prescription = approve(submit_prescription(customer, [rx_product]), by=pharmacist, quantity=1)
    basket = basket_with(customer, rx_product)
    # The pharmacist holds the prescription's lock, mid-decision, while the order arrives.
    paused, reached, release = pause_inside(rx_decisions, "_decide")
    monkeypatch.setattr(rx_decisions, "_decide", paused)
    revoking = start(partial(prescription_revoke, prescription=prescription, pharmacist=pharmacist, reason="Forged"))
    assert reached.wait(TIMEOUT)

    placing = start(partial(create_order, basket=basket, user=customer))
    wait_until_a_query_waits_for_a_lock()
    release.set()

    assert isinstance(revoking(), Prescription)
    refusal = placing()
    assert isinstance(refusal, UnableToPlaceOrder), refusal
    assert "was revoked" in str(refusal)
    assert Order.objects.count() == 0
    assert prescription.items.get().quantity_remaining == 1


def test_a_revocation_that_waits_for_an_order_in_progress_comes_after_it(rx_product, customer, monkeypatch):
    pharmacist = pharmacist_user()
    prescription = approve(submit_prescription(customer, [rx_product]), by=pharmacist, quantity=1)
    basket = basket_with(customer, rx_product)
    # The order holds the prescription's lock, checked but not yet consumed, while the pharmacist revokes.
    paused, reached, release = pause_inside(order_utils, "prescriptions_dispense")
    monkeypatch.setattr(order_utils, "prescriptions_dispense", paused)
    placing = start(partial(create_order, basket=basket, user=customer))
    assert reached.wait(TIMEOUT)

    revoking = start(partial(prescription_revoke, prescription=prescription, pharmacist=pharmacist, reason="Forged"))
    wait_until_a_query_waits_for_a_lock()
    release.set()

    placed = placing()
    assert isinstance(placed, Order), placed
    assert isinstance(revoking(), Prescription)
    (dispensed,) = events(prescription, PrescriptionEvent.Action.DISPENSED)
    (revoked,) = events(prescription, PrescriptionEvent.Action.REVOKED)
    assert dispensed.created_at < revoked.created_at
    assert Dispense.objects.get().order_line.order == placed
    prescription.refresh_from_db()
    assert prescription.status == Prescription.Status.REVOKED


# --- Two baskets of one customer, and the interaction check -------------------------------


def test_two_baskets_of_one_customer_cannot_both_pass_the_interaction_check_at_once(customer, monkeypatch):
    isotretinoin = RxProductFactory(
        title="Isotretinoin 20 mg capsules",
        drug_information=DrugInformationFactory(name="Isotretinoin", drug_class="oral-retinoid"),
    )
    vitamin_a = ProductFactory(
        title="Vitamin A softgels",
        drug_information=DrugInformationFactory(name="Vitamin A", drug_class="vitamin-a"),
    )
    # The flush after each transactional test also empties the rules the migrations seed.
    Interaction.objects.update_or_create(
        first_class="oral-retinoid", second_class="vitamin-a", defaults={"explanation": "Too much vitamin A."}
    )
    approve(submit_prescription(customer, [isotretinoin]), quantity=1)
    with_isotretinoin, with_vitamin_a = basket_with(customer, isotretinoin), basket_with(customer, vitamin_a)
    # The isotretinoin order is checked and held just before it is written...
    paused, reached, release = pause_inside(order_utils, "prescriptions_dispense")
    monkeypatch.setattr(order_utils, "prescriptions_dispense", paused)
    placing_isotretinoin = start(partial(create_order, basket=with_isotretinoin, user=customer))
    assert reached.wait(TIMEOUT)

    # ...when the vitamin A order arrives from another basket: it waits, then sees the first order.
    placing_vitamin_a = start(partial(create_order, basket=with_vitamin_a, user=customer))
    wait_until_a_query_waits_for_a_lock()
    release.set()

    placed, refused = placing_isotretinoin(), placing_vitamin_a()
    assert isinstance(placed, Order), placed
    assert isinstance(refused, UnableToPlaceOrder), refused
    assert "Vitamin A softgels cannot be ordered until" in str(refused)
    assert "Too much vitamin A." in str(refused)
    assert list(Order.objects.all()) == [placed]
