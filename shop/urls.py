from django.apps import apps
from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from catalogue.views import HomeView

urlpatterns = [
    path("", HomeView.as_view(), name="shop-home"),
    path("admin/", admin.site.urls),
    path("accounts/prescriptions/", include("prescriptions.urls")),
    path("", include(apps.get_app_config("oscar").urls[0])),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
