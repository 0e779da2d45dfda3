"""In a real browser: the pharmacist finds an order to dispense, records batch and expiry, and sees the register."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from prescriptions.models import DispensingPolicy, SupplyRecord
from tests.e2e.conftest import look
from tests.e2e.test_journeys import PHARMACIST, log_in
from tests.factories import RxProductFactory, UserFactory
from tests.prescriptions.test_supply import rx_lines, rx_order

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("demo_shop")]


def test_the_pharmacist_records_the_supply_of_an_order_in_the_browser(visitors):
    medicine = RxProductFactory(title="Tretinoin cream 0.05%, 20 g")
    DispensingPolicy.objects.create(product=medicine, max_supply_days=30)
    order = rx_order(UserFactory(first_name="Sana", last_name="Qureshi"), medicine)
    [line] = rx_lines(order)

    pharmacist = visitors("pharmacist")
    log_in(pharmacist, PHARMACIST)
    page = pharmacist.page
    page.goto("/dashboard/pharmacy/supply/")
    page.click(f"#orders-to-dispense a:text-is('{order.number}')")
    page.wait_for_load_state()
    expect(page.locator("#supply_form")).to_contain_text("PMDC 12345-P")
    look(pharmacist, "supply-form")

    page.fill(f"#id_batch_{line.pk}", "B 117")
    page.fill(f"#id_expiry_{line.pk}", (timezone.localdate() + datetime.timedelta(days=5)).isoformat())
    page.click("#supply_form button[type=submit]")
    page.wait_for_load_state()
    expect(page.locator(f"#id_batch_{line.pk}_error")).to_contain_text("letters, digits, dashes or slashes")
    expect(page.locator(f"#id_expiry_{line.pk}_error")).to_contain_text("before the end of the 30-day course")
    look(pharmacist, "supply-form-refused", phone_path=None)

    page.fill(f"#id_batch_{line.pk}", "B-2026/117")
    page.fill(f"#id_expiry_{line.pk}", (timezone.localdate() + datetime.timedelta(days=400)).isoformat())
    page.click("#supply_form button[type=submit]")
    page.wait_for_load_state()
    expect(page.locator("#supply-records")).to_contain_text("B-2026/117")
    assert SupplyRecord.objects.get().order_line == line

    page.goto("/dashboard/pharmacy/supply/export/?download=csv&date_from=not-a-date")
    expect(page.locator("#supply_export_form")).to_contain_text("Enter a date")
    look(pharmacist, "supply-register")
