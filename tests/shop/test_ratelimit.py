"""Logins, registration, password reset and change are rate limited; a spoofed X-Forwarded-For does not help."""

import pytest
from django.core.cache import caches

from shop.ratelimit import client_ip, normalised_address
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def login_attempt(client, email="victim@example.com", ip="203.0.113.7", **headers):
    return client.post(
        "/accounts/login/",
        {"login-username": email, "login-password": "wrong-password", "login_submit": "Log In"},
        REMOTE_ADDR=ip,
        **headers,
    )


def test_login_attempts_from_one_address_are_limited(client):
    for i in range(20):
        assert login_attempt(client, email=f"user{i}@example.com").status_code == 200

    response = login_attempt(client, email="another@example.com")

    assert response.status_code == 429
    assert b"Too many attempts" in response.content


def test_login_attempts_against_one_account_are_limited_from_any_address(client):
    UserFactory(email="victim@example.com")
    for i in range(10):
        assert login_attempt(client, ip=f"198.51.100.{i}").status_code == 200

    assert login_attempt(client, ip="198.51.100.99").status_code == 429


def test_a_spoofed_forwarded_for_header_does_not_reset_the_count(client, settings):
    settings.SHOP_TRUSTED_PROXY_COUNT = 0
    for i in range(20):
        login_attempt(client, email=f"user{i}@example.com", HTTP_X_FORWARDED_FOR=f"10.0.0.{i}")

    assert login_attempt(client, email="x@example.com", HTTP_X_FORWARDED_FOR="10.9.9.9").status_code == 429


def test_behind_a_proxy_only_the_address_the_proxy_appended_counts(client, settings):
    settings.SHOP_TRUSTED_PROXY_COUNT = 1
    # The client forges the left part; our load balancer appends the real address.
    for i in range(20):
        login_attempt(
            client, email=f"user{i}@example.com", ip="10.0.0.1", HTTP_X_FORWARDED_FOR=f"1.2.3.{i}, 203.0.113.7"
        )

    forged = login_attempt(client, email="x@example.com", ip="10.0.0.1", HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.7")
    other_customer = login_attempt(client, email="y@example.com", ip="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.4")

    assert forged.status_code == 429
    assert other_customer.status_code == 200


def test_registration_is_limited(client):
    for i in range(10):
        client.post(
            "/accounts/login/",
            {
                "registration-email": f"new{i}@example.com",
                "registration-password1": "a-long-pass-phrase-7",
                "registration-password2": "a-long-pass-phrase-7",
                "registration_submit": "Register",
            },
            REMOTE_ADDR="203.0.113.8",
        )
        client.logout()

    response = client.post(
        "/accounts/login/",
        {
            "registration-email": "one-more@example.com",
            "registration-password1": "a-long-pass-phrase-7",
            "registration-password2": "a-long-pass-phrase-7",
            "registration_submit": "Register",
        },
        REMOTE_ADDR="203.0.113.8",
    )

    assert response.status_code == 429


def test_password_reset_is_limited_per_account(client, mailoutbox):
    UserFactory(email="victim@example.com")
    for i in range(3):
        assert (
            client.post("/password-reset/", {"email": "victim@example.com"}, REMOTE_ADDR=f"198.51.100.{i}").status_code
            == 302
        )

    response = client.post("/password-reset/", {"email": "victim@example.com"}, REMOTE_ADDR="198.51.100.50")

    assert response.status_code == 429
    assert len(mailoutbox) == 3


def test_reading_the_login_page_is_never_limited(client):
    for i in range(25):
        login_attempt(client, email=f"user{i}@example.com")

    assert client.get("/accounts/login/", REMOTE_ADDR="203.0.113.7").status_code == 200


def test_counters_are_shared_between_app_servers():
    """Two app servers are two processes; the shared cache is what they have in common."""
    cache = caches["default"]
    if cache.__class__.__module__.startswith("django.core.cache.backends.locmem"):
        pytest.skip("local-memory cache is per process; CI's second pass runs this against Redis (TEST_CACHE_URL)")
    from django.core.cache import CacheHandler

    server_a, server_b = CacheHandler()["default"], CacheHandler()["default"]
    server_a.set("shared-counter", 0)
    server_a.incr("shared-counter")
    server_b.incr("shared-counter")

    assert server_a.get("shared-counter") == 2


def admin_login_attempt(client, username="admin@example.com", ip="203.0.113.9"):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": "wrong-password", "next": "/admin/"},
        REMOTE_ADDR=ip,
    )


def test_admin_login_attempts_from_one_address_are_limited(client):
    for i in range(20):
        assert admin_login_attempt(client, username=f"staff{i}@example.com").status_code == 200

    response = admin_login_attempt(client, username="another@example.com")

    assert response.status_code == 429
    assert b"Too many attempts" in response.content


def test_admin_login_attempts_against_one_account_are_limited_from_any_address(client):
    UserFactory(email="admin@example.com", is_staff=True, is_superuser=True)
    for i in range(10):
        assert admin_login_attempt(client, ip=f"198.51.100.{i}").status_code == 200

    assert admin_login_attempt(client, ip="198.51.100.99").status_code == 429
    assert admin_login_attempt(client, username="someone-else@example.com", ip="198.51.100.98").status_code == 200


def test_attempts_on_the_shop_login_count_against_the_account_on_the_admin_login_too(client):
    for i in range(10):
        login_attempt(client, email="admin@example.com", ip=f"198.51.100.{i}")

    assert admin_login_attempt(client, username="ADMIN@example.com", ip="198.51.100.99").status_code == 429


@pytest.mark.parametrize(
    ("url", "staff"),
    [("/accounts/change-password/", False), ("/admin/password_change/", True)],
    ids=["shop", "admin"],
)
def test_changing_a_password_is_limited_per_signed_in_user_from_any_address(client, url, staff):
    victim, other = UserFactory(is_staff=staff), UserFactory(is_staff=staff)
    wrong = {"old_password": "a-guess", "new_password1": "n3w-pass-phrase-9", "new_password2": "n3w-pass-phrase-9"}
    client.force_login(victim)
    for i in range(10):
        assert client.post(url, wrong, REMOTE_ADDR=f"198.51.100.{i}").status_code == 200

    assert client.post(url, wrong, REMOTE_ADDR="198.51.100.99").status_code == 429

    client.force_login(other)
    assert client.post(url, wrong, REMOTE_ADDR="198.51.100.99").status_code == 200


@pytest.mark.parametrize(
    ("value", "key"),
    [
        ("203.0.113.7", "203.0.113.7"),
        (" 203.0.113.7 ", "203.0.113.7"),
        ("203.0.113.7:51234", "203.0.113.7"),
        ('"203.0.113.7"', "203.0.113.7"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:DB8:1:2::ffff", "2001:db8:1:2::/64"),
        ("[2001:db8:1:2::7]:443", "2001:db8:1:2::/64"),
        ("fe80::1%eth0", "fe80::/64"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("unknown", None),
        ("", None),
        ("203.0.113.7.1", None),
        ("[2001:db8::1", None),
        ("2001:db8::1/64", None),
        ("_hidden", None),
        ("1.2.3.4:80:90", None),
    ],
)
def test_an_address_is_keyed_without_its_port_and_ipv6_by_its_64_bit_network(value, key):
    assert normalised_address(value) == key


def test_rotating_through_one_ipv6_network_does_not_reset_the_count(client):
    for i in range(20):
        login_attempt(client, email=f"user{i}@example.com", ip=f"2001:db8:1:2::{i + 1:x}")

    same_network = login_attempt(client, email="x@example.com", ip="2001:db8:1:2:ffff:ffff:ffff:ffff")
    next_network = login_attempt(client, email="y@example.com", ip="2001:db8:1:3::1")

    assert same_network.status_code == 429
    assert next_network.status_code == 200


def test_behind_a_proxy_ports_and_ipv6_rotation_do_not_reset_the_count(client, settings):
    settings.SHOP_TRUSTED_PROXY_COUNT = 1
    for i in range(20):
        forwarded = f"[2001:db8:5:6::{i + 1:x}]:{40000 + i}" if i % 2 else f"2001:db8:5:6:{i:x}::1"
        login_attempt(client, email=f"user{i}@example.com", ip="10.0.0.1", HTTP_X_FORWARDED_FOR=f"1.1.1.1, {forwarded}")

    assert login_attempt(client, ip="10.0.0.1", HTTP_X_FORWARDED_FOR="2001:db8:5:6::abcd").status_code == 429
    assert login_attempt(client, ip="10.0.0.1", HTTP_X_FORWARDED_FOR="2001:db8:5:7::1").status_code == 200


@pytest.mark.parametrize("forwarded", ["unknown", "not-an-address", "203.0.113.7.1", "", "  ,  "])
def test_junk_where_the_proxy_writes_falls_back_to_the_tcp_peer(rf, settings, forwarded):
    settings.SHOP_TRUSTED_PROXY_COUNT = 1
    request = rf.post("/accounts/login/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)

    assert client_ip("login-ip", request) == "10.0.0.1"


def test_the_address_the_proxy_appended_is_the_key_without_its_port(rf, settings):
    settings.SHOP_TRUSTED_PROXY_COUNT = 1
    request = rf.post("/accounts/login/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.7:5123")

    assert client_ip("login-ip", request) == "203.0.113.7"
