"""The dashboard's order page moves an order along only through the services, and says why when it cannot."""

import pytest
from django.contrib.auth.models import Permission
from oscar.core.loading import get_model

from order import services
from prescriptions.models import DispensingPolicy
from tests.factories import ProductFactory, RxProductFactory, UserFactory, approve, submit_prescription
from tests.order.test_services import place, stock

Order = get_model("order", "Order")

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(db):
    user = UserFactory(is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=("view_order", "change_order")))
    return user


@pytest.fixture
def cleanser():
    return ProductFactory(title="Gentle cleanser")


@pytest.fixture
def rx_order(customer):
    product = RxProductFactory(title="Isotretinoin 20 mg")
    DispensingPolicy.objects.create(product=product, refills_allowed=False)
    item = approve(submit_prescription(customer, [product]), quantity=2).items.get()
    return place(customer, (product, 2)), item


def page(django_app, order, user):
    return django_app.get(f"/dashboard/orders/{order.number}/", user=user)


def messages_of(response):
    return [m.text.strip() for m in response.html.select(".alert")]


def test_packing_a_prescription_order_before_dispensing_is_refused_with_a_message_not_an_error(
    django_app, rx_order, staff
):
    order, _item = rx_order
    form = page(django_app, order, staff).forms["order_status_form"]
    form["new_status"] = "Packed"

    response = form.submit().follow()

    assert response.status_code == 200
    assert any("a pharmacist must dispense it before it is packed" in m for m in messages_of(response))
    order.refresh_from_db()
    assert order.status == "Pending"
    assert "pipeline-needs-dispensing" in response.text
    assert "pipeline-pack" not in response.text


def test_dispatching_through_the_status_form_asks_for_the_courier_form(django_app, customer, cleanser, staff):
    order = place(customer, (cleanser, 1))
    services.order_pack(order=order, actor=staff)
    form = page(django_app, order, staff).forms["order_status_form"]
    form["new_status"] = "Dispatched"

    response = form.submit().follow()

    assert any("courier and tracking number form" in m for m in messages_of(response))
    order.refresh_from_db()
    assert order.status == "Packed"


def test_staff_pack_dispatch_and_deliver_an_order_from_its_page(django_app, customer, cleanser, staff):
    order = place(customer, (cleanser, 2))

    response = page(django_app, order, staff).forms["pipeline-pack"].submit().follow()
    assert any("is packed" in m for m in messages_of(response))

    form = response.forms["pipeline-dispatch"]
    form["courier"] = "trax"
    form["tracking_number"] = "TRX-0042-77"
    response = form.submit().follow()
    assert any("is dispatched" in m for m in messages_of(response))
    assert stock(cleanser) == (48, 0)

    form = response.forms["pipeline-deliver"]
    assert form["cash_collected"].value == str(order.total_incl_tax)
    response = form.submit().follow()

    assert any("is delivered" in m for m in messages_of(response))
    order.refresh_from_db()
    assert order.status == "Delivered"
    assert order.payment_events.get().amount == order.total_incl_tax
    assert order.shipping_events.get(event_type__code="dispatched").notes == "trax:TRX-0042-77"


@pytest.mark.parametrize(
    ("courier", "number", "message"),
    [
        ("tcs", "12/34", "6 to 30 letters, digits or dashes"),
        ("", "1234567", "Courier"),
        ("tcs", "", "Tracking number"),
    ],
)
def test_a_bad_dispatch_form_is_refused_with_a_clear_message(
    django_app, customer, cleanser, staff, courier, number, message
):
    order = place(customer, (cleanser, 1))
    services.order_pack(order=order, actor=staff)
    response = django_app.post(
        f"/dashboard/orders/{order.number}/",
        {
            "order_action": "dispatch_order",
            "courier": courier,
            "tracking_number": number,
            "csrfmiddlewaretoken": page(django_app, order, staff)
            .forms["pipeline-dispatch"]["csrfmiddlewaretoken"]
            .value,
        },
        user=staff,
    ).follow()

    assert response.status_code == 200
    assert any(message in m for m in messages_of(response))
    order.refresh_from_db()
    assert order.status == "Packed"
    assert stock(cleanser) == (50, 1)


def test_staff_cancel_with_a_reason_releases_stock_and_prescription(django_app, rx_order, staff):
    order, item = rx_order
    form = page(django_app, order, staff).forms["pipeline-cancel"]
    form["reason"] = "Customer phoned to cancel"

    response = form.submit().follow()

    assert any("is cancelled" in m for m in messages_of(response))
    item.refresh_from_db()
    assert item.quantity_remaining == 2
    assert stock(order.lines.get().product) == (50, 0)
    assert "pipeline-cancel" not in response.text


def test_a_cancel_from_a_stale_page_after_dispatch_gets_a_message(django_app, customer, cleanser, staff):
    order = place(customer, (cleanser, 1))
    services.order_pack(order=order, actor=staff)
    stale = page(django_app, order, staff).forms["pipeline-cancel"]
    services.order_dispatch(order=order, actor=UserFactory(is_staff=True), courier="tcs", tracking_number="TCS778899")
    stale["reason"] = "Customer changed their mind"

    response = stale.submit().follow()

    assert response.status_code == 200
    assert any("cannot be cancelled: it is Dispatched" in m for m in messages_of(response))
    assert stock(cleanser) == (49, 0)


def test_a_bare_pipeline_shipping_event_is_refused(django_app, customer, cleanser, staff):
    order = place(customer, (cleanser, 1))
    line = order.lines.get()
    form = page(django_app, order, staff).forms["order_lines_form"]
    form["selected_line"] = [str(line.pk)]
    form["line_action"] = "create_shipping_event"
    form["shipping_event_type"] = "dispatched"

    response = form.submit().follow()

    assert any("recorded by its own button" in m for m in messages_of(response))
    assert not order.shipping_events.exists()
    order.refresh_from_db()
    assert order.status == "Pending"


def test_a_partner_sees_the_order_but_cannot_move_it(django_app, customer, cleanser):
    order = place(customer, (cleanser, 1))
    partner_user = UserFactory(is_staff=False)
    partner_user.user_permissions.add(Permission.objects.get(codename="dashboard_access"))
    order.lines.get().partner.users.add(partner_user)
    seen = page(django_app, order, partner_user)
    assert "Only shop staff can move an order along." in seen.text
    token = seen.forms["order_status_form"]["csrfmiddlewaretoken"].value

    response = django_app.post(
        f"/dashboard/orders/{order.number}/",
        {"order_action": "pack_order", "csrfmiddlewaretoken": token},
        user=partner_user,
    ).follow()

    assert any("Only shop staff" in m for m in messages_of(response))
    order.refresh_from_db()
    assert order.status == "Pending"


def test_the_order_lists_bulk_status_change_refuses_each_illegal_step_with_a_message(
    django_app, customer, cleanser, rx_order, staff
):
    rx, _item = rx_order
    plain = place(customer, (cleanser, 1))
    token = django_app.get("/dashboard/orders/", user=staff).forms["orders_form"]["csrfmiddlewaretoken"].value

    response = django_app.post(
        "/dashboard/orders/",
        {
            "action": "change_order_statuses",
            "new_status": "Packed",
            "selected_order": [str(rx.pk), str(plain.pk)],
            "csrfmiddlewaretoken": token,
        },
        user=staff,
    ).follow()

    assert response.status_code == 200
    shown = messages_of(response)
    assert any(f"Order {rx.number} holds prescription medicine" in m for m in shown)
    assert any(f"Order {plain.number} is now Packed" in m for m in shown)
    assert Order.objects.get(pk=rx.pk).status == "Pending"
    assert Order.objects.get(pk=plain.pk).status == "Packed"


def test_a_second_click_on_cancel_is_told_the_order_is_already_cancelled(django_app, rx_order, staff):
    order, item = rx_order
    form = page(django_app, order, staff).forms["pipeline-cancel"]
    form["reason"] = "Customer phoned"
    form.submit()

    response = form.submit().follow()

    assert any("cannot be cancelled: it is Cancelled" in m for m in messages_of(response))
    item.refresh_from_db()
    assert item.quantity_remaining == 2
    assert order.status_changes.count() == 1
