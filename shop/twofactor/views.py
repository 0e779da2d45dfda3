from __future__ import annotations

from base64 import b32encode

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.generic import FormView
from django_otp import user_has_device

from shop.twofactor.forms import CodeForm
from shop.twofactor.selectors import reads_health_data
from shop.twofactor.services import CodeRefused, authenticator_confirm, authenticator_start, sign_in_verify


def next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    if safe:
        return candidate
    return reverse("dashboard:index")


class TwoFactorView(LoginRequiredMixin, FormView):
    form_class = CodeForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not reads_health_data(request.user):
            return redirect("shop-home")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(next=next_url(self.request), **kwargs)


class SetupView(TwoFactorView):
    """The first sign-in of a health-data reader: scan a code, type the first number it gives."""

    template_name = "shop/twofactor/setup.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and user_has_device(request.user, confirmed=True):
            return redirect(f"{reverse('two-factor-verify')}?next={next_url(request)}")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        device = authenticator_start(user=self.request.user)
        secret = b32encode(device.bin_key).decode()
        svg = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
        return super().get_context_data(
            qr_svg=svg.to_string(encoding="unicode"),
            secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            **kwargs,
        )

    def form_valid(self, form) -> HttpResponse:
        try:
            authenticator_confirm(request=self.request, user=self.request.user, token=form.cleaned_data["token"])
        except CodeRefused:
            form.add_error("token", _("That code did not match. Check the time on your phone and try the next code."))
            return self.form_invalid(form)
        messages.success(self.request, _("Two-factor sign-in is set up. You will be asked for a code at each sign-in."))
        return HttpResponseRedirect(next_url(self.request))


class VerifyView(TwoFactorView):
    """Every later sign-in: the code from the authenticator set up before."""

    template_name = "shop/twofactor/verify.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not user_has_device(request.user, confirmed=True):
            return redirect(f"{reverse('two-factor-setup')}?next={next_url(request)}")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form) -> HttpResponse:
        try:
            sign_in_verify(request=self.request, user=self.request.user, token=form.cleaned_data["token"])
        except CodeRefused:
            form.add_error("token", _("That code did not match, or it was used already. Wait for the next one."))
            return self.form_invalid(form)
        return HttpResponseRedirect(next_url(self.request))
