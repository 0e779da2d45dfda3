"""Rate limits on the forms attackers hammer: logins, registration, password reset and change.

Counters live in the shared cache (Redis in production), so every app server
sees the same count. Clients are told apart by their IP address as the shop's
own proxies saw it: a client can put anything in X-Forwarded-For, but it cannot
change what our load balancer appends, which is the entry counted from the
right (settings.SHOP_TRUSTED_PROXY_COUNT). That only holds when nothing but
the load balancer can reach the app servers.

When the shared cache fails (Redis down, stalled or refusing writes), every
limit fails open to a count kept in each app process, at the same rates.
django-ratelimit's own answer would be to refuse every login, registration
and password reset until Redis is back (fail closed): an outage of the cache
would lock every customer out of their account, and the shop out of its
orders, which is the harm the limits exist to prevent. Failing open with no
count at all would give a password guesser unlimited tries for as long as
the outage lasts. Counted per process, a guesser gets at most the rate times
the number of app processes (4 workers: 40 guesses at one account per ten
minutes instead of 10) and only while Redis is away; the password-reset
limits, which stop the shop being used to flood someone's inbox, degrade the
same way. Once Redis answers again the shared counters take over, starting
from what they held before the outage (or from zero after a flush).
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django_ratelimit.core import get_usage
from oscar.apps.customer.utils import normalise_email


def normalised_address(value: str) -> str | None:
    """The client as one rate-limit key, or None when ``value`` is not an address.

    Ports and brackets go ("203.0.113.7:5123", "[2001:db8::1]:443"). An IPv6
    address stands for its /64: one subscriber's network, in which the client
    can pick any of 2**64 addresses. An IPv4 address mapped into IPv6 is the
    IPv4 address.
    """
    text = value.strip().strip('"')
    if text.startswith("["):
        text, bracket, _port = text[1:].partition("]")
        if not bracket:
            return None
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if address.version == 4:
        return str(address)
    if address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(ipaddress.IPv6Network((int(address) >> 64 << 64, 64)))


def client_ip(group, request) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.SHOP_TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            # Junk where our proxy writes means the header did not come from
            # it; the TCP peer is then the only address we know.
            address = normalised_address(forwarded[-proxies])
            if address is not None:
                return address
    return normalised_address(remote) or remote


def posted_email(field: str) -> Callable:
    def key(group, request) -> str:
        return normalise_email(request.POST.get(field, "")).lower() or client_ip(group, request)

    return key


def signed_in_user(group, request) -> str:
    # Changing a password asks for the current one: a stolen session must not
    # be able to guess it, from however many addresses.
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user-{user.pk}"
    return client_ip(group, request)


@dataclass(frozen=True)
class Limit:
    url_name: str
    group: str
    rate: str
    key: Callable = client_ip
    # Only POSTs carrying this field count (Oscar's login page holds two forms).
    submit_field: str | None = None


LIMITS = [
    Limit("customer:login", "login-ip", "20/10m", submit_field="login_submit"),
    Limit("customer:login", "login-account", "10/10m", key=posted_email("login-username"), submit_field="login_submit"),
    Limit("customer:login", "register-ip", "10/h", submit_field="registration_submit"),
    Limit("customer:register", "register-ip", "10/h"),
    Limit("dashboard:login", "login-ip", "20/10m"),
    Limit("dashboard:login", "login-account", "10/10m", key=posted_email("username")),
    # Django's admin signs in the same staff accounts as the dashboard; every
    # login form shares one count per address and one per account.
    Limit("admin:login", "login-ip", "20/10m"),
    Limit("admin:login", "login-account", "10/10m", key=posted_email("username")),
    Limit("customer:change-password", "change-password-user", "10/h", key=signed_in_user),
    Limit("admin:password_change", "change-password-user", "10/h", key=signed_in_user),
    Limit("password-reset", "password-reset-ip", "5/h"),
    Limit("password-reset", "password-reset-account", "3/h", key=posted_email("email")),
    # django-otp already slows guessing per device; this caps it per account too.
    Limit("two-factor-verify", "two-factor-user", "10/10m", key=signed_in_user),
    Limit("two-factor-setup", "two-factor-user", "10/10m", key=signed_in_user),
]


# The counts each process keeps while the shared cache is unreachable.
_local_counts = LocMemCache("shop-ratelimit-fallback", {"TIMEOUT": None, "OPTIONS": {"MAX_ENTRIES": 20_000}})
_RATE = re.compile(r"^(\d+)/(\d*)([smhd])$")
_SECONDS = {"s": 1, "m": 60, "h": 60 * 60, "d": 24 * 60 * 60}


def _locally_limited(request, limit: Limit) -> bool:
    """One more hit on ``limit``'s count in this process; True once it is over the rate."""
    count, multiple, unit = _RATE.match(limit.rate).groups()
    period = int(multiple or 1) * _SECONDS[unit]
    window = int(time.time() // period)
    value = limit.key(limit.group, request)
    key = hashlib.sha256(f"{limit.group}|{limit.rate}|{value}|{window}".encode()).hexdigest()
    if _local_counts.add(key, 1, period):
        hits = 1
    else:
        try:
            hits = _local_counts.incr(key)
        except ValueError:
            # The window's count expired between the two calls.
            _local_counts.set(key, 1, period)
            hits = 1
    return hits > int(count)


def clear_local_counts() -> None:
    _local_counts.clear()


class RateLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and self.limited(request):
            return render(request, "429.html", status=429)
        return self.get_response(request)

    @staticmethod
    def limited(request) -> bool:
        if not getattr(settings, "RATELIMIT_ENABLE", True):
            return False
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return False
        limited = False
        for limit in LIMITS:
            if limit.url_name != match.view_name:
                continue
            if limit.submit_field and limit.submit_field not in request.POST:
                continue
            # Every applicable counter is incremented, even once one is over.
            usage = get_usage(request, group=limit.group, key=limit.key, rate=limit.rate, method="POST", increment=True)
            if usage is None:
                # RATELIMIT_FAIL_OPEN: the shared cache did not answer.
                limited |= _locally_limited(request, limit)
            else:
                limited |= usage["should_limit"]
        return limited
