"""The shop's URLs, plus a bare Django view the benchmark uses as its floor."""

from django.http import HttpResponse
from django.urls import path

from shop.urls import urlpatterns as shop_urlpatterns


def bare(request):
    """No template, no database: only the shop's middleware and URL resolving."""
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("__bench__/bare/", bare, name="bench-bare"), *shop_urlpatterns]
