from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse

from shop.twofactor.selectors import two_factor_required

# Where other people's health data is: the dashboard (the pharmacy's queue,
# orders), Django's admin and the prescription pages and files. The shop's
# own pages show a signed-in user nothing but their own basket and account, so
# they stay open (and cost no permission lookup for every customer).
GUARDED_NAMESPACES = {"dashboard", "admin", "prescriptions"}
# The way out, inside those.
EXEMPT_VIEWS = {"dashboard:logout", "admin:logout"}


class StaffTwoFactorMiddleware:
    """Send a health-data reader who has not given a code this session to give one.

    Must come after django-otp's ``OTPMiddleware``, which tells whether the
    session's user is verified.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if self.guarded(request) and user.is_authenticated and not user.is_verified() and two_factor_required(user):
            target = reverse("two-factor-verify")
            return HttpResponseRedirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    @staticmethod
    def guarded(request) -> bool:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return False
        return bool(GUARDED_NAMESPACES.intersection(match.namespaces)) and match.view_name not in EXEMPT_VIEWS
