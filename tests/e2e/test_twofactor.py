"""In a real browser: the pharmacist sets up an authenticator at the first sign-in, then gives a code each time."""

import re
from base64 import b32decode

import pytest
from django_otp.oath import totp
from playwright.sync_api import expect

from tests.e2e.conftest import look
from tests.e2e.test_journeys import PHARMACIST, log_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("demo_shop")]


def code(secret: str, *, steps_ahead: int = 0) -> str:
    return f"{totp(b32decode(secret.replace(' ', '')), t0=-30 * steps_ahead):06d}"


def test_the_pharmacist_sets_up_two_factor_sign_in_and_is_asked_for_a_code_next_time(visitors, settings):
    settings.SHOP_STAFF_TWO_FACTOR = True
    pharmacist = visitors("pharmacist")
    page = pharmacist.page
    log_in(pharmacist, PHARMACIST)

    page.goto("/dashboard/pharmacy/")
    expect(page.locator("h1")).to_have_text("Set up two-factor sign-in")
    expect(page.locator(".twofactor-qr-image svg")).to_be_visible()
    look(pharmacist, "twofactor-setup")
    secret = page.locator(".twofactor-secret").inner_text()
    page.fill("#id_token", code(secret))
    page.click("form.card button[type=submit]")
    expect(page).to_have_url(re.compile(r"/dashboard/pharmacy/$"))
    expect(page.locator("h1")).to_contain_text("Prescription")

    # A new sign-in, as on another day.
    pharmacist.context.clear_cookies()
    log_in(pharmacist, PHARMACIST)
    page.goto("/dashboard/pharmacy/")
    expect(page.locator("h1")).to_have_text("Enter your code")
    look(pharmacist, "twofactor-verify")
    page.fill("#id_token", code(secret, steps_ahead=1))
    page.click("form.card button[type=submit]")
    expect(page.locator("h1")).to_contain_text("Prescription")
