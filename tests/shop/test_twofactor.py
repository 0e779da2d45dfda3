"""Staff who can read health data sign in with a second factor (TOTP)."""

import re
from base64 import b32decode

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD, UserFactory, pharmacist_user
from tests.shop.test_security import PRODUCTION_ENV, manage

pytestmark = pytest.mark.django_db

QUEUE = "/dashboard/pharmacy/"


def sign_in(client, user):
    response = client.post(
        "/accounts/login/",
        {"login-username": user.email, "login-password": PASSWORD, "login_submit": "Log in"},
    )
    assert response.status_code == 302, "the password sign-in itself should succeed"


def code(key_hex: str, *, steps_ahead: int = 0) -> str:
    # The device accepts one step of drift; a later step lets a test use a
    # second code without waiting 30 s (the device refuses a code twice).
    return f"{totp(bytes.fromhex(key_hex), t0=-30 * steps_ahead):06d}"


def set_up_authenticator(client, *, next_url=QUEUE) -> TOTPDevice:
    page = client.get(f"/accounts/two-factor/setup/?next={next_url}")
    assert page.status_code == 200
    device = TOTPDevice.objects.get(confirmed=False)
    shown = re.search(r'class="twofactor-secret[^"]*">([A-Z2-7 ]+)<', page.content.decode()).group(1)
    assert b32decode(shown.replace(" ", "")) == bytes.fromhex(device.key)
    response = client.post("/accounts/two-factor/setup/", {"token": code(device.key), "next": next_url})
    assert response.status_code == 302 and response["Location"] == next_url
    device.refresh_from_db()
    assert device.confirmed
    return device


@pytest.fixture
def required(settings):
    settings.SHOP_STAFF_TWO_FACTOR = True


def test_when_required_a_pharmacist_with_only_a_password_cannot_open_the_queue(client, required):
    sign_in(client, pharmacist_user())

    response = client.get(QUEUE)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/two-factor/")
    # With no authenticator yet, the code page sends them to set one up.
    assert client.get(response["Location"])["Location"].startswith("/accounts/two-factor/setup/")


def test_a_pharmacist_sets_up_an_authenticator_and_then_reaches_the_queue(client, required):
    sign_in(client, pharmacist_user())

    set_up_authenticator(client)

    assert client.get(QUEUE).status_code == 200


def test_the_next_sign_in_asks_for_a_code_and_a_wrong_one_is_refused(client, required):
    pharmacist = pharmacist_user()
    sign_in(client, pharmacist)
    device = set_up_authenticator(client)
    client.post("/accounts/logout/")
    sign_in(client, pharmacist)
    assert client.get(QUEUE).status_code == 302

    wrong = client.post("/accounts/two-factor/", {"token": "000000", "next": QUEUE})
    assert wrong.status_code == 200
    assert "That code did not match" in wrong.content.decode()
    assert client.get(QUEUE).status_code == 302

    # django-otp makes the device wait after a wrong code before it accepts another.
    device.refresh_from_db()
    device.throttling_failure_timestamp = None
    device.throttling_failure_count = 0
    device.save()
    right = client.post("/accounts/two-factor/", {"token": code(device.key, steps_ahead=1), "next": QUEUE})
    assert right.status_code == 302 and right["Location"] == QUEUE
    assert client.get(QUEUE).status_code == 200


def test_a_code_that_is_not_six_digits_gets_a_clear_message(client, required):
    sign_in(client, pharmacist_user())
    client.get("/accounts/two-factor/setup/")

    response = client.post("/accounts/two-factor/setup/", {"token": "12ab"})

    assert response.status_code == 200
    assert "Enter the six digits" in response.content.decode()
    assert not TOTPDevice.objects.filter(confirmed=True).exists()


def test_superusers_need_a_code_too(client, required):
    admin = UserFactory(is_staff=True, is_superuser=True)
    sign_in(client, admin)

    assert client.get("/dashboard/")["Location"].startswith("/accounts/two-factor/")
    assert client.get("/admin/")["Location"].startswith("/accounts/two-factor/")


def test_the_shop_itself_stays_open_to_a_pharmacist_who_owes_a_code(client, required):
    sign_in(client, pharmacist_user())

    assert client.get("/").status_code == 200
    assert client.get("/accounts/prescriptions/")["Location"].startswith("/accounts/two-factor/")


def test_customers_never_see_a_code_page(client, required, customer):
    sign_in(client, customer)

    assert client.get("/accounts/prescriptions/").status_code == 200
    assert client.get("/accounts/two-factor/").status_code == 302


def test_a_pharmacist_who_owes_a_code_can_still_log_out(client, required):
    sign_in(client, pharmacist_user())

    client.post("/accounts/logout/")

    assert "_auth_user_id" not in client.session


def test_a_stolen_password_cannot_replace_the_authenticator(client, required):
    pharmacist = pharmacist_user()
    sign_in(client, pharmacist)
    set_up_authenticator(client)
    client.post("/accounts/logout/")
    sign_in(client, pharmacist)

    response = client.get("/accounts/two-factor/setup/")

    assert response.status_code == 302 and response["Location"].startswith("/accounts/two-factor/?")
    assert TOTPDevice.objects.filter(user=pharmacist).count() == 1


def test_an_offsite_next_is_not_followed(client, required):
    sign_in(client, pharmacist_user())

    device_page = client.get("/accounts/two-factor/setup/?next=https://evil.example/")
    device = TOTPDevice.objects.get(confirmed=False)
    response = client.post("/accounts/two-factor/setup/", {"token": code(device.key), "next": "https://evil.example/"})

    assert device_page.status_code == 200
    assert response["Location"] == "/dashboard/"


def test_in_the_demo_a_pharmacist_without_an_authenticator_signs_in_with_the_password(client):
    sign_in(client, pharmacist_user())

    assert client.get(QUEUE).status_code == 200


def test_in_the_demo_a_pharmacist_who_chose_an_authenticator_is_always_asked(client, settings):
    pharmacist = pharmacist_user()
    sign_in(client, pharmacist)
    settings.SHOP_STAFF_TWO_FACTOR = True
    set_up_authenticator(client)
    settings.SHOP_STAFF_TWO_FACTOR = False
    client.post("/accounts/logout/")

    sign_in(client, pharmacist)

    assert client.get(QUEUE).status_code == 302


def test_production_requires_it_even_when_the_environment_says_otherwise():
    printed = manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.SHOP_STAFF_TWO_FACTOR)",
        env={**PRODUCTION_ENV, "SHOP_STAFF_TWO_FACTOR": "false"},
    )

    assert printed.returncode == 0, printed.stderr
    assert printed.stdout.strip().splitlines()[-1] == "True"
