from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse

from shop.twofactor.selectors import two_factor_required

# What a signed-in user who still owes a code may open: the code's own pages
# and the way out.
EXEMPT_VIEWS = {"two-factor-setup", "two-factor-verify", "customer:logout", "dashboard:logout", "admin:logout"}


class StaffTwoFactorMiddleware:
    """Send a health-data reader who has not given a code this session to give one.

    Must come after django-otp's ``OTPMiddleware``, which tells whether the
    session's user is verified.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not user.is_verified() and self.guarded(request) and two_factor_required(user):
            target = reverse("two-factor-verify")
            return HttpResponseRedirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    @staticmethod
    def guarded(request) -> bool:
        if request.path_info.startswith((settings.STATIC_URL, settings.MEDIA_URL)):
            return False
        try:
            return resolve(request.path_info).view_name not in EXEMPT_VIEWS
        except Resolver404:
            return True
