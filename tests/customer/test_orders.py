"""The customer's side of an order's life: the status in the list, the timeline, cancelling, buying again."""

import pytest
from oscar.apps.partner.strategy import Default
from oscar.core.loading import get_model
from oscar.test.factories import create_order

from checkout.services import cash_on_delivery_source
from order import services
from prescriptions.models import DispensingPolicy
from tests.factories import ProductFactory, RxProductFactory, UserFactory, approve, submit_prescription

Basket = get_model("basket", "Basket")
StockRecord = get_model("partner", "StockRecord")

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True)


@pytest.fixture
def isotretinoin():
    product = RxProductFactory(title="Isotretinoin 20 mg")
    DispensingPolicy.objects.create(product=product, refills_allowed=False)
    return product


def place(user, *products_and_quantities):
    basket = Basket.objects.create(owner=user)
    basket.strategy = Default()
    for product, quantity in products_and_quantities:
        basket.add_product(product, quantity)
    order = create_order(basket=basket, user=user)
    source = cash_on_delivery_source(amount=order.total_incl_tax, currency=order.currency)
    source.order = order
    source.save()
    return order


def order_page(app, order):
    return app.get(f"/accounts/orders/{order.number}/")


def timeline(page):
    return [" ".join(step.text.split()) for step in page.html.select("#order_timeline li")]


def test_the_order_list_shows_each_orders_status(customer_app, customer, staff):
    waiting = place(customer, (ProductFactory(title="Sunscreen"), 1))
    cancelled = place(customer, (ProductFactory(title="Cleanser"), 1))
    services.order_cancel(order=cancelled, actor=staff, reason="Out of delivery area")

    rows = customer_app.get("/accounts/orders/").html.select("#order_list tbody tr")

    statuses = {row.select_one("a").text: row.select_one(".order-list__status").text for row in rows}
    assert statuses == {str(waiting.number): "Pending", str(cancelled.number): "Cancelled"}


def test_the_timeline_tells_each_step_with_the_couriers_tracking_link(customer_app, customer, staff):
    order = place(customer, (ProductFactory(title="Sunscreen"), 1))
    services.order_pack(order=order, actor=staff)
    services.order_dispatch(order=order, actor=staff, courier="tcs", tracking_number="TCS-77812345")

    page = order_page(customer_app, order)

    steps = timeline(page)
    assert [step.split(" ", 4)[-1] for step in steps] == [
        "Order placed",
        "Packed and ready for the courier",
        "Handed to the courier TCS, tracking number TCS-77812345",
    ]
    link = page.html.select_one(".order-tracking a")
    assert link["href"] == "https://www.tcsexpress.com/track/TCS-77812345"


def test_the_customer_cancels_a_pending_order_and_the_prescription_covers_its_packs_again(
    customer_app, customer, isotretinoin
):
    item = approve(submit_prescription(customer, [isotretinoin]), quantity=2).items.get()
    order = place(customer, (isotretinoin, 2))
    item.refresh_from_db()
    assert item.quantity_remaining == 0

    form = order_page(customer_app, order).forms["cancel_form"]
    form["reason"] = "too-slow"
    page = form.submit().follow()

    order.refresh_from_db()
    item.refresh_from_db()
    assert order.status == "Cancelled"
    assert item.quantity_remaining == 2
    assert StockRecord.objects.get(product=isotretinoin).num_allocated == 0
    assert f"Order {order.number} is cancelled." in page.text
    assert "Reason: Delivery would take too long" in timeline(page)[-1]
    assert "cancel_form" not in page.forms


def test_a_cancel_posted_after_the_pharmacist_dispensed_is_refused_with_a_message(
    customer_app, customer, isotretinoin, staff
):
    approve(submit_prescription(customer, [isotretinoin]), quantity=1)
    order = place(customer, (isotretinoin, 1))
    form = order_page(customer_app, order).forms["cancel_form"]
    services.order_mark_dispensed(order, staff)

    form["reason"] = "mistake"
    page = form.submit().follow()

    order.refresh_from_db()
    assert order.status == "Dispensed"
    assert "can no longer be cancelled here (it is Dispensed)" in page.text
    assert "cancel_form" not in page.forms
    assert "Please call us" in page.text


def test_a_cancel_without_a_known_reason_changes_nothing(customer_app, customer):
    order = place(customer, (ProductFactory(title="Sunscreen"), 1))
    page = order_page(customer_app, order)
    token = page.forms["cancel_form"]["csrfmiddlewaretoken"].value

    response = customer_app.post(
        f"/accounts/orders/{order.number}/", {"csrfmiddlewaretoken": token, "action": "cancel", "reason": "x" * 500}
    ).follow()

    order.refresh_from_db()
    assert order.status == "Pending"
    assert "Choose why you are cancelling the order." in response.text


def test_nobody_can_cancel_another_customers_order(customer_app, staff):
    stranger = UserFactory()
    order = place(stranger, (ProductFactory(title="Sunscreen"), 1))
    customer_app.get("/accounts/")
    token = customer_app.cookies["csrftoken"]

    response = customer_app.post(
        f"/accounts/orders/{order.number}/",
        {"csrfmiddlewaretoken": token, "action": "cancel", "reason": "mistake"},
        expect_errors=True,
    )

    assert response.status_code == 404
    order.refresh_from_db()
    assert order.status == "Pending"


def test_buy_again_puts_the_orders_lines_back_in_the_basket_and_the_gate_still_decides(
    customer_app, customer, isotretinoin, staff
):
    approve(submit_prescription(customer, [isotretinoin]), quantity=1)
    sunscreen = ProductFactory(title="Sunscreen")
    order = place(customer, (isotretinoin, 1), (sunscreen, 2))
    services.order_cancel(order=order, actor=staff, reason="Out of delivery area")

    order_page(customer_app, order).forms["reorder_form"].submit().follow()

    basket = Basket.objects.get(owner=customer, status="Open")
    assert {(line.product_id, line.quantity) for line in basket.all_lines()} == {
        (isotretinoin.pk, 1),
        (sunscreen.pk, 2),
    }
