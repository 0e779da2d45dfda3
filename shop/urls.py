from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import TemplateView
from django.views.static import serve

from catalogue.views import HomeView
from shop import sitemaps
from shop.twofactor.views import SetupView, VerifyView

urlpatterns = [
    path("", HomeView.as_view(), name="shop-home"),
    path("admin/", admin.site.urls),
    path("privacy/", TemplateView.as_view(template_name="shop/privacy.html"), name="privacy"),
    path("robots.txt", sitemaps.robots, name="robots"),
    path("sitemap.xml", sitemaps.index, name="sitemap"),
    path("sitemap-<slug:section>.xml", sitemaps.section, name="sitemap-section"),
    path("accounts/prescriptions/", include("prescriptions.urls")),
    path("accounts/two-factor/", VerifyView.as_view(), name="two-factor-verify"),
    path("accounts/two-factor/setup/", SetupView.as_view(), name="two-factor-setup"),
    path("", include(apps.get_app_config("oscar").urls[0])),
]

if settings.SERVE_MEDIA:
    # Product pictures from the local disk: the demo and the browser tests.
    # In production they come from object storage (settings/production.py).
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    ]
