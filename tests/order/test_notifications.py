"""The customer is told of each step of their order by one email, queued with the step and rendered by the worker."""

from decimal import Decimal

import pytest
from django.core import mail
from oscar.core.loading import get_model

from order import services
from order.services import TransitionRefused
from prescriptions.models import DispensingPolicy
from tests.factories import ProductFactory, RxProductFactory, UserFactory, approve, submit_prescription
from tests.order.test_services import place

CommunicationEvent = get_model("order", "CommunicationEvent")
CommunicationEventType = get_model("communication", "CommunicationEventType")
Email = get_model("communication", "Email")

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True)


@pytest.fixture
def told(django_capture_on_commit_callbacks):
    """Run ``step`` and return the emails it sent once its transaction committed."""

    def run(step):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            step()
        return list(mail.outbox)

    return run


@pytest.fixture
def rx_order(customer):
    product = RxProductFactory(title="Isotretinoin 20 mg")
    DispensingPolicy.objects.create(product=product, refills_allowed=False)
    approve(submit_prescription(customer, [product]), quantity=1)
    return place(customer, (product, 1))


def test_each_step_of_a_prescription_order_sends_one_email_to_its_customer(rx_order, customer, staff, told):
    order = rx_order
    steps = [
        (lambda: services.order_mark_dispensed(order, staff), "has been checked by our pharmacist"),
        (lambda: services.order_pack(order=order, actor=staff), None),
        (
            lambda: services.order_dispatch(order=order, actor=staff, courier="tcs", tracking_number="TCS-77812345"),
            "is on its way",
        ),
        (lambda: services.order_deliver(order=order, actor=staff, cash_collected=Decimal("1000")), "was delivered"),
    ]
    for step, subject in steps:
        sent = told(step)
        if subject is None:
            # Packing straight after dispensing: the dispensing email said so.
            assert sent == []
        else:
            [email] = sent
            assert email.to == [customer.email]
            assert email.subject == f"Your order {order.number} {subject}"
            assert "Isotretinoin 20 mg x 1" in email.body
            assert f"/accounts/orders/{order.number}/" in email.body

    assert CommunicationEvent.objects.filter(order=order).count() == 3
    assert Email.objects.filter(user=customer, subject__startswith=f"Your order {order.number}").count() == 3


def test_the_dispatch_email_gives_the_courier_tracking_link_and_the_cash_to_have_ready(customer, staff, told):
    order = place(customer, (ProductFactory(title="Sunscreen SPF 50", stockrecord__price=Decimal("1800")), 1))
    [packed] = told(lambda: services.order_pack(order=order, actor=staff))
    assert packed.subject == f"Your order {order.number} is packed"

    [email] = told(
        lambda: services.order_dispatch(order=order, actor=staff, courier="leopards", tracking_number="LE-5580123")
    )

    assert "Courier: Leopards Courier, tracking number LE-5580123." in email.body
    assert "https://www.leopardscourier.com/tracking?cn=LE-5580123" in email.body
    assert f"Please have Rs {order.total_incl_tax:,.0f} ready in cash" in email.body.replace("\xa0", " ")
    html = email.alternatives[0][0]
    assert 'href="https://www.leopardscourier.com/tracking?cn=LE-5580123"' in html


def test_a_cancellation_is_emailed_once_with_its_reason_though_the_button_was_pressed_twice(rx_order, customer, told):
    order = rx_order
    [email] = told(
        lambda: services.order_cancel(order=order, actor=customer, reason="I ordered by mistake", by_customer=True)
    )
    assert email.subject == f"Your order {order.number} is cancelled"
    assert "Reason: I ordered by mistake" in email.body
    assert "covers its packs again" in email.body

    def again():
        with pytest.raises(TransitionRefused):
            services.order_cancel(order=order, actor=customer, reason="I ordered by mistake", by_customer=True)

    assert told(again) == []


def test_a_returned_parcel_is_emailed_with_the_couriers_reason(customer, staff, told):
    order = place(customer, (ProductFactory(title="Cleanser"), 1))
    services.order_pack(order=order, actor=staff)
    services.order_dispatch(order=order, actor=staff, courier="tcs", tracking_number="TCS-77812345")

    [email] = told(lambda: services.order_return(order=order, actor=staff, reason="Refused at the door"))

    assert email.subject == f"Your order {order.number} came back to us"
    assert "Reason: Refused at the door" in email.body


def test_a_refused_step_sends_nothing(rx_order, staff, told):
    def refused():
        with pytest.raises(TransitionRefused, match="a pharmacist must dispense it"):
            services.order_pack(order=rx_order, actor=staff)

    assert told(refused) == []


def test_a_message_edited_in_the_dashboard_is_the_one_sent(customer, staff, told):
    CommunicationEventType.objects.filter(code="ORDER_PACKED").update(
        email_subject_template="Parcel {{ order.number }} ready", email_body_template="Packed: {{ order.number }}"
    )
    order = place(customer, (ProductFactory(title="Cleanser"), 1))

    [email] = told(lambda: services.order_pack(order=order, actor=staff))

    assert email.subject == f"Parcel {order.number} ready"
    assert email.body == f"Packed: {order.number}"
