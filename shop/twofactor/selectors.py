from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from prescriptions.roles import can_review_prescriptions


def reads_health_data(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Whether the user can see prescriptions: the pharmacy's staff and superusers."""
    return user.is_authenticated and (user.is_superuser or can_review_prescriptions(user))


def two_factor_required(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Whether this signed-in user must give a code before anything else.

    Required of every health-data reader when the setting says so; otherwise
    of those who have set up an authenticator (a second factor they chose is
    never skipped).
    """
    if not reads_health_data(user):
        return False
    return settings.SHOP_STAFF_TWO_FACTOR or user_has_device(user, confirmed=True)


def pending_device(*, user: AbstractBaseUser) -> TOTPDevice | None:
    """The authenticator the user started to set up and has not confirmed yet."""
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
