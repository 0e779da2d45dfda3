"""In a real browser: the customer follows a prescription order to their door, and cancels another."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from prescriptions.models import DispensingPolicy
from prescriptions.services.supply import supply_record_order
from tests.e2e.conftest import look, screenshot
from tests.e2e.test_journeys import ADMIN, CUSTOMER, PHARMACIST, log_in, user
from tests.factories import RxProductFactory
from tests.prescriptions.test_supply import rx_lines, rx_order

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("demo_shop")]


def test_the_customer_follows_an_order_to_the_door_and_cancels_another(visitors):
    customer = user(CUSTOMER)
    medicine = RxProductFactory(title="Tretinoin cream 0.05%, 20 g")
    DispensingPolicy.objects.create(product=medicine, max_supply_days=30)

    delivered = rx_order(customer, medicine)
    expiry = timezone.localdate() + datetime.timedelta(days=400)
    supply_record_order(
        order=delivered,
        pharmacist=user(PHARMACIST),
        entries={line.pk: ("B-2026/117", expiry) for line in rx_lines(delivered)},
    )

    # Packing and handing over to the courier is the shop staff's work, in Oscar's dashboard.
    staff = visitors("staff")
    log_in(staff, ADMIN)
    desk = staff.page
    desk.goto(f"/dashboard/orders/{delivered.number}/")
    desk.click("#pipeline-pack button[type=submit]")
    desk.wait_for_load_state()
    desk.select_option("#pipeline-dispatch select", "leopards")
    desk.fill("#pipeline-dispatch input[name=tracking_number]", "LE-5580123")
    desk.click("#pipeline-dispatch button[type=submit]")
    desk.wait_for_load_state()
    desk.fill("#pipeline-deliver input[name=cash_collected]", str(delivered.total_incl_tax))
    desk.click("#pipeline-deliver button[type=submit]")
    desk.wait_for_load_state()
    expect(desk.locator("#order-pipeline")).to_contain_text("now: Delivered")
    screenshot(staff, "dashboard-order-delivered")
    assert delivered.payment_events.get().amount == delivered.total_incl_tax

    waiting = rx_order(customer, medicine)
    [waiting_line] = rx_lines(waiting)
    prescription = waiting_line.prescription_dispense.prescription

    visitor = visitors("customer")
    log_in(visitor, CUSTOMER)
    page = visitor.page
    page.goto("/accounts/orders/")
    expect(page.locator("#order_list")).to_contain_text("Delivered")
    expect(page.locator("#order_list")).to_contain_text("Pending")
    look(visitor, "order-list")

    page.click(f"#order_list a:text-is('{delivered.number}')")
    page.wait_for_load_state()
    steps = page.locator("#order_timeline li")
    expect(steps).to_have_count(5)
    expect(steps.nth(1)).to_contain_text("dispensed your medicines")
    expect(steps.nth(3)).to_contain_text("Leopards Courier, tracking number LE-5580123")
    expect(steps.nth(4)).to_contain_text("Delivered")
    expect(page.locator("#cancel_form")).to_have_count(0)
    look(visitor, "order-delivered")

    page.goto(f"/accounts/orders/{waiting.number}/")
    look(visitor, "order-pending")
    page.select_option("#cancel_form select", "mistake")
    page.click("#cancel_form button[type=submit]")
    page.wait_for_load_state()
    expect(page.locator("body")).to_contain_text(f"Order {waiting.number} is cancelled.")
    expect(steps.last).to_contain_text("Reason: I ordered by mistake")
    look(visitor, "order-cancelled", phone_path=f"/accounts/orders/{waiting.number}/")

    page.goto(reverse("prescriptions:detail", kwargs={"public_id": prescription.public_id}))
    remaining = page.locator("table tbody tr td").nth(2)
    expect(remaining).to_have_text(str(prescription.items.get().quantity_approved))
    look(visitor, "prescription-packs-back")
