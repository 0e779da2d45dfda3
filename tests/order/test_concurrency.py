"""Two people acting on one order at once: one wins, the other is told, and nothing is counted twice."""

import pytest
from django.apps import apps
from django.db import connection
from oscar.core.loading import get_model

from order import services
from order.services import TransitionRefused
from prescriptions.models import DispensingPolicy, PrescriptionEvent
from tests.factories import RxProductFactory, UserFactory, approve, submit_prescription
from tests.order.test_services import place, stock
from tests.prescriptions.test_concurrency import run_together

Order = get_model("order", "Order")

pytestmark = [
    # Threads use their own connections: the data must be committed first
    # (see tests/prescriptions/test_concurrency.py for the flush).
    pytest.mark.django_db(transaction=True, available_apps=[app.name for app in apps.get_app_configs()]),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite ignores SELECT ... FOR UPDATE; these run in CI's PostgreSQL pass",
    ),
]


@pytest.fixture
def staff():
    return UserFactory(is_staff=True)


@pytest.fixture
def packed_rx_order(customer, staff):
    product = RxProductFactory(title="Isotretinoin 20 mg")
    DispensingPolicy.objects.create(product=product, refills_allowed=True)
    item = approve(submit_prescription(customer, [product]), quantity=5).items.get()
    order = place(customer, (product, 2))
    services.order_mark_dispensed(order, staff)
    services.order_pack(order=order, actor=staff)
    return order, item, product


def fresh(order):
    return Order.objects.get(pk=order.pk)


def winners_and_refusals(outcomes):
    refused = [o for o in outcomes if isinstance(o, TransitionRefused)]
    others = [o for o in outcomes if isinstance(o, BaseException) and not isinstance(o, TransitionRefused)]
    assert not others, others
    return len(outcomes) - len(refused), refused


def test_cancel_racing_dispatch_has_one_winner(packed_rx_order, staff):
    order, item, product = packed_rx_order

    outcomes = run_together(
        lambda: services.order_cancel(order=fresh(order), actor=staff, reason="Customer phoned"),
        lambda: services.order_dispatch(order=fresh(order), actor=staff, courier="tcs", tracking_number="TCS123456"),
    )

    won, refused = winners_and_refusals(outcomes)
    assert won == 1 and len(refused) == 1
    order.refresh_from_db()
    item.refresh_from_db()
    if order.status == "Cancelled":
        assert "cannot be dispatched: it is Cancelled" in refused[0].message
        assert (stock(product), item.quantity_remaining) == ((50, 0), 5)
    else:
        assert order.status == "Dispatched"
        assert "cannot be cancelled: it is Dispatched" in refused[0].message
        assert (stock(product), item.quantity_remaining) == ((48, 0), 3)


def test_a_double_click_on_cancel_gives_the_packs_back_once(packed_rx_order, staff):
    order, item, product = packed_rx_order

    outcomes = run_together(
        *[lambda: services.order_cancel(order=fresh(order), actor=staff, reason="Double click")] * 2
    )

    won, refused = winners_and_refusals(outcomes)
    assert won == 1 and "it is Cancelled" in refused[0].message
    item.refresh_from_db()
    assert item.quantity_remaining == 5
    assert stock(product) == (50, 0)
    assert item.prescription.events.filter(action=PrescriptionEvent.Action.RETURNED).count() == 1


def test_two_staff_dispatching_at_once_consume_the_stock_once(packed_rx_order, staff):
    order, _item, product = packed_rx_order

    outcomes = run_together(
        lambda: services.order_dispatch(order=fresh(order), actor=staff, courier="tcs", tracking_number="TCS111111"),
        lambda: services.order_dispatch(
            order=fresh(order), actor=UserFactory(is_staff=True), courier="leopards", tracking_number="LP222222"
        ),
    )

    won, refused = winners_and_refusals(outcomes)
    assert won == 1 and "it is Dispatched" in refused[0].message
    assert stock(product) == (48, 0)
    assert order.shipping_events.filter(event_type__code="dispatched").count() == 1
