from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.http import HttpRequest
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from shop.twofactor.selectors import pending_device

DEVICE_NAME = "Authenticator app"


class CodeRefused(Exception):
    """The code was wrong, too old, or tried too often."""


def authenticator_start(*, user: AbstractBaseUser) -> TOTPDevice:
    """The unconfirmed authenticator to show the user, made once and reused until confirmed.

    A user who already has a confirmed one must sign in with it first: only
    then may they add another (refused here, so a stolen password cannot
    replace the second factor).
    """
    if user_has_device(user, confirmed=True):
        raise PermissionError("This account already has an authenticator.")
    with transaction.atomic():
        device = pending_device(user=user)
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def authenticator_confirm(*, request: HttpRequest, user: AbstractBaseUser, token: str) -> TOTPDevice:
    """Confirm the pending authenticator with its first code, and count this sign-in as verified."""
    device = pending_device(user=user)
    if device is None or not device.verify_token(token):
        raise CodeRefused
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        # Any other half-made one is of no use now.
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    otp_login(request, device)
    return device


def sign_in_verify(*, request: HttpRequest, user: AbstractBaseUser, token: str) -> None:
    """Accept a code from one of the user's authenticators for this session.

    django-otp slows guessing down itself: each wrong code doubles the wait
    before the device accepts another.
    """
    device = match_token(user, token)
    if device is None:
        raise CodeRefused
    otp_login(request, device)
