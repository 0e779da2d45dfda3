"""The life of an order after checkout: dispensing, packing, dispatch, delivery, cancellation and return."""

import importlib
from decimal import Decimal

import pytest
from oscar.apps.order.exceptions import UnableToPlaceOrder
from oscar.apps.partner.strategy import Default
from oscar.core.loading import get_class, get_model
from oscar.test.factories import create_order

from checkout.services import cash_on_delivery_source
from order import services
from order.selectors import customer_can_cancel, order_tracking
from order.services import TransitionRefused
from prescriptions.models import DispensingPolicy, PrescriptionEvent
from prescriptions.services.customer import risk_acknowledge
from tests.factories import (
    DrugInformationFactory,
    ProductFactory,
    RxProductFactory,
    UserFactory,
    approve,
    submit_prescription,
)

Basket = get_model("basket", "Basket")
StockRecord = get_model("partner", "StockRecord")
Order = get_model("order", "Order")

pytestmark = pytest.mark.django_db

WARNING = "Causes severe birth defects."


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True)


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


def stock(product):
    record = StockRecord.objects.get(product=product)
    return record.num_in_stock, record.num_allocated


@pytest.fixture
def cleanser():
    return ProductFactory(title="Gentle cleanser")


@pytest.fixture
def isotretinoin():
    product = RxProductFactory(title="Isotretinoin 20 mg")
    DispensingPolicy.objects.create(product=product, refills_allowed=False)
    return product


@pytest.fixture
def rx_order(customer, isotretinoin):
    prescription = approve(submit_prescription(customer, [isotretinoin]), quantity=3)
    order = place(customer, (isotretinoin, 2))
    return order, prescription.items.get()


def test_cancel_gives_the_prescription_back_exactly_what_it_covered_and_releases_the_stock(
    rx_order, isotretinoin, staff
):
    order, item = rx_order
    item.refresh_from_db()
    assert item.quantity_remaining == 0  # no refills: the approval was used up by this order
    assert stock(isotretinoin) == (50, 2)

    services.order_cancel(order=order, actor=staff, reason="Customer changed their mind")

    item.refresh_from_db()
    assert item.quantity_remaining == 3
    assert stock(isotretinoin) == (50, 0)
    order.refresh_from_db()
    assert order.status == "Cancelled"
    assert set(order.lines.values_list("status", flat=True)) == {"Cancelled"}
    assert order.status_changes.get().new_status == "Cancelled"
    event = item.prescription.events.get(action=PrescriptionEvent.Action.RETURNED)
    assert event.data["given_back"] == 3 and event.actor == staff
    assert "Customer changed their mind" in event.reason


def test_cancel_with_refills_gives_back_only_the_packs_taken(customer, staff):
    product = RxProductFactory(title="Tretinoin cream")
    DispensingPolicy.objects.create(product=product, refills_allowed=True)
    item = approve(submit_prescription(customer, [product]), quantity=5).items.get()
    order = place(customer, (product, 2))
    item.refresh_from_db()
    assert item.quantity_remaining == 3

    services.order_cancel(order=order, actor=staff, reason="Out of area")

    item.refresh_from_db()
    assert item.quantity_remaining == 5


def test_a_second_cancel_is_refused_and_gives_nothing_back_twice(rx_order, staff):
    order, item = rx_order
    services.order_cancel(order=order, actor=staff, reason="Duplicate order")

    with pytest.raises(TransitionRefused, match="cannot be cancelled: it is Cancelled"):
        services.order_cancel(order=order, actor=staff, reason="Double click")

    item.refresh_from_db()
    assert item.quantity_remaining == 3


def test_a_cancel_needs_a_reason(rx_order, staff):
    order, _item = rx_order
    with pytest.raises(TransitionRefused, match="reason"):
        services.order_cancel(order=order, actor=staff, reason="  ")
    order.refresh_from_db()
    assert order.status == "Pending"


def test_customer_may_cancel_while_pending_but_not_after_dispensing(rx_order, customer, staff):
    order, item = rx_order
    assert customer_can_cancel(order)

    services.order_mark_dispensed(order, staff)

    assert not customer_can_cancel(order)
    with pytest.raises(TransitionRefused, match=r"can no longer be cancelled here \(it is Dispensed\)"):
        services.order_cancel(order=order, actor=customer, reason="Changed my mind", by_customer=True)
    item.refresh_from_db()
    assert item.quantity_remaining == 0
    # Staff still can, until dispatch.
    services.order_cancel(order=order, actor=staff, reason="Customer phoned")
    order.refresh_from_db()
    assert order.status == "Cancelled"


def test_customer_cancels_their_own_pending_order_only(rx_order, customer):
    order, item = rx_order
    with pytest.raises(TransitionRefused, match="Only the customer"):
        services.order_cancel(order=order, actor=UserFactory(), reason="Not mine", by_customer=True)

    services.order_cancel(order=order, actor=customer, reason="Ordered by mistake", by_customer=True)

    item.refresh_from_db()
    assert item.quantity_remaining == 3
    with pytest.raises(TransitionRefused, match="cannot be cancelled: it is Cancelled"):
        services.order_cancel(order=order, actor=customer, reason="Clicked twice", by_customer=True)


def test_staff_cannot_cancel_after_dispatch(customer, cleanser, staff):
    order = place(customer, (cleanser, 1))
    services.order_pack(order=order, actor=staff)
    services.order_dispatch(order=order, actor=staff, courier="tcs", tracking_number="TCS-123456")

    with pytest.raises(TransitionRefused, match="it is Dispatched"):
        services.order_cancel(order=order, actor=staff, reason="Too late")


def test_an_order_with_prescription_medicine_is_packed_only_after_dispensing(rx_order, staff):
    order, _item = rx_order
    with pytest.raises(TransitionRefused, match="a pharmacist must dispense it"):
        services.order_pack(order=order, actor=staff)

    services.order_mark_dispensed(order, staff)
    services.order_pack(order=order, actor=staff)

    order.refresh_from_db()
    assert order.status == "Packed"
    assert list(order.shipping_events.values_list("event_type__code", flat=True).order_by("pk")) == [
        "dispensed",
        "packed",
    ]


def test_an_order_without_prescription_medicine_is_packed_straight_away(customer, cleanser, staff):
    order = place(customer, (cleanser, 1))
    services.order_pack(order=order, actor=staff)
    order.refresh_from_db()
    assert order.status == "Packed"


def test_dispatch_consumes_the_stock_and_records_courier_and_tracking_number(customer, cleanser, staff):
    order = place(customer, (cleanser, 3))
    assert stock(cleanser) == (50, 3)
    services.order_pack(order=order, actor=staff)

    services.order_dispatch(order=order, actor=staff, courier="leopards", tracking_number=" lp-9876543 ")

    assert stock(cleanser) == (47, 0)
    order.refresh_from_db()
    assert order.status == "Dispatched"
    assert set(order.lines.values_list("status", flat=True)) == {"Dispatched"}
    event = order.shipping_events.get(event_type__code="dispatched")
    assert event.notes == "leopards:LP-9876543"
    tracking = order_tracking(order)
    assert (tracking.courier, tracking.number) == ("Leopards Courier", "LP-9876543")
    assert tracking.url == "https://www.leopardscourier.com/tracking?cn=LP-9876543"


def test_dispatch_only_from_packed(customer, cleanser, staff):
    order = place(customer, (cleanser, 1))
    assert order_tracking(order) is None
    with pytest.raises(TransitionRefused, match="cannot be dispatched: it is Pending"):
        services.order_dispatch(order=order, actor=staff, courier="tcs", tracking_number="123456")
    assert stock(cleanser) == (50, 1)


def test_dispatch_is_refused_when_the_shelf_holds_fewer_packs_than_allocated(customer, cleanser, staff):
    order = place(customer, (cleanser, 3))
    services.order_pack(order=order, actor=staff)
    StockRecord.objects.filter(product=cleanser).update(num_in_stock=2)

    with pytest.raises(TransitionRefused, match="fewer packs than order"):
        services.order_dispatch(order=order, actor=staff, courier="tcs", tracking_number="TCS123456")

    assert stock(cleanser) == (2, 3)
    order.refresh_from_db()
    assert order.status == "Packed"
    assert order.lines.get().num_allocated == 3


@pytest.mark.parametrize("number", ["12345", "A" * 31, "12 3456", "ABC/12345", ""])
def test_a_bad_tracking_number_is_refused_with_a_clear_message(customer, cleanser, staff, number):
    order = place(customer, (cleanser, 1))
    services.order_pack(order=order, actor=staff)
    with pytest.raises(TransitionRefused, match="6 to 30 letters, digits or dashes"):
        services.order_dispatch(order=order, actor=staff, courier="tcs", tracking_number=number)
    order.refresh_from_db()
    assert order.status == "Packed"
    assert stock(cleanser) == (50, 1)


def test_an_unknown_courier_is_refused(customer, cleanser, staff):
    order = place(customer, (cleanser, 1))
    services.order_pack(order=order, actor=staff)
    with pytest.raises(TransitionRefused, match="Choose a courier"):
        services.order_dispatch(order=order, actor=staff, courier="dhl", tracking_number="1234567")


def test_delivery_records_the_cash_collected_against_the_cash_on_delivery_source(customer, cleanser, staff):
    order = place(customer, (cleanser, 2))
    services.order_pack(order=order, actor=staff)
    services.order_dispatch(order=order, actor=staff, courier="tcs", tracking_number="778899001")

    services.order_deliver(order=order, actor=staff, cash_collected=order.total_incl_tax)

    order.refresh_from_db()
    assert order.status == "Delivered"
    payment = order.payment_events.get()
    assert payment.event_type.code == "cash-collected"
    assert payment.amount == order.total_incl_tax
    source = order.sources.get()
    assert source.amount_debited == order.total_incl_tax
    assert source.transactions.get().amount == order.total_incl_tax


def test_delivery_refuses_a_negative_amount(customer, cleanser, staff):
    order = place(customer, (cleanser, 1))
    services.order_pack(order=order, actor=staff)
    services.order_dispatch(order=order, actor=staff, courier="tcs", tracking_number="778899001")
    with pytest.raises(TransitionRefused, match="0 or more"):
        services.order_deliver(order=order, actor=staff, cash_collected=Decimal("-1"))
    order.refresh_from_db()
    assert order.status == "Dispatched"


def test_a_returned_parcel_gives_the_prescription_its_packs_back(rx_order, isotretinoin, staff):
    order, item = rx_order
    services.order_mark_dispensed(order, staff)
    services.order_pack(order=order, actor=staff)
    services.order_dispatch(order=order, actor=staff, courier="postex", tracking_number="PX1234567")

    services.order_return(order=order, actor=staff, reason="Refused at the door")

    item.refresh_from_db()
    assert item.quantity_remaining == 3
    order.refresh_from_db()
    assert order.status == "Returned"
    # The packs come back on sale only after a pharmacist's check.
    assert stock(isotretinoin) == (48, 0)


def test_every_status_change_through_the_event_handler_follows_the_rules(rx_order, staff):
    order, item = rx_order
    handler = get_class("order.processing", "EventHandler")(user=staff)

    with pytest.raises(TransitionRefused, match="supply register"):
        handler.handle_order_status_change(order, "Dispensed")
    with pytest.raises(TransitionRefused, match="cash collected form"):
        handler.handle_order_status_change(order, "Delivered")
    with pytest.raises(TransitionRefused, match="cannot go from Pending to Shipped"):
        handler.handle_order_status_change(order, "Shipped")
    handler.handle_order_status_change(order, "Cancelled", note_msg="Prescription doubts")

    item.refresh_from_db()
    assert item.quantity_remaining == 3
    assert order.notes.filter(message__contains="Prescription doubts").exists()


def test_an_order_cancelled_through_the_service_no_longer_counts_in_the_interaction_check(customer, staff):
    retinoid = RxProductFactory(
        title="Isotretinoin 10 mg",
        drug_information=DrugInformationFactory(
            name="Isotretinoin (oral)",
            drug_class="oral-retinoid",
            pregnancy_risk="contraindicated",
            pregnancy_warning=WARNING,
        ),
    )
    DispensingPolicy.objects.create(product=retinoid, refills_allowed=True)
    vitamin_a = ProductFactory(
        title="Vitamin A softgels", drug_information=DrugInformationFactory(name="Vitamin A", drug_class="vitamin-a")
    )
    approve(submit_prescription(customer, [retinoid]), quantity=1, days_supply=30)
    risk_acknowledge(user=customer, product=retinoid, warning_text=WARNING)
    vitamins = place(customer, (vitamin_a, 1))
    with pytest.raises(UnableToPlaceOrder, match="cannot be ordered until"):
        place(customer, (retinoid, 1))

    services.order_cancel(order=vitamins, actor=staff, reason="Customer chose the retinoid")

    assert place(customer, (retinoid, 1)).lines.count() == 1


def test_the_pipeline_migration_moves_being_processed_orders_and_lines_to_pending(customer, cleanser):
    from django.apps import apps

    migration = importlib.import_module("order.migrations.0022_order_pipeline")
    order = place(customer, (cleanser, 1))
    Order.objects.filter(pk=order.pk).update(status="Being processed")
    order.lines.update(status="Being processed")
    Order.objects.filter(pk=place(customer, (cleanser, 1)).pk).update(status="Dispatched")

    migration.forwards(apps, None)

    order.refresh_from_db()
    assert order.status == "Pending"
    assert set(order.lines.values_list("status", flat=True)) == {"Pending"}
    assert Order.objects.filter(status="Dispatched").count() == 1
    assert set(get_model("order", "ShippingEventType").objects.values_list("code", flat=True)) >= set(
        services.PIPELINE_SHIPPING_EVENTS
    )


def test_the_event_handler_dispatches_and_delivers_when_given_the_details(customer, cleanser, staff):
    order = place(customer, (cleanser, 1))
    handler = get_class("order.processing", "EventHandler")(user=staff)
    handler.handle_order_status_change(order, "Packed")

    handler.handle_order_status_change(order, "Dispatched", courier="mp", tracking_number="MP-100200")
    handler.handle_order_status_change(order, "Delivered", cash_collected=Decimal("1000"))

    order.refresh_from_db()
    assert order.status == "Delivered"
    assert [c.new_status for c in order.status_changes.order_by("pk")] == ["Packed", "Dispatched", "Delivered"]
    assert order_tracking(order).number == "MP-100200"
    assert order.payment_events.get().amount == Decimal("1000")
