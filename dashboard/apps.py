from django.apps import apps as django_apps
from django.urls import include, path
from oscar.apps.dashboard import apps
from oscar.core.loading import get_class


class DashboardConfig(apps.DashboardConfig):
    name = "dashboard"

    def ready(self):
        super().ready()
        self.pharmacy_app = django_apps.get_app_config("pharmacy_dashboard")

    def configure_permissions(self):
        super().configure_permissions()
        permission = get_class("dashboard.permissions", "DashboardPermission")
        # Pharmacists may open the dashboard's front door; the index sends them
        # on to their queue (dashboard/views.py).
        self.permissions_map["index"] = (
            permission.staff,
            permission.partner_dashboard_access,
            ["prescriptions.review_prescription"],
        )

    def get_urls(self):
        urls = super().get_urls()
        urls += self.post_process_urls([path("pharmacy/", include(self.pharmacy_app.urls[0]))])
        return urls
