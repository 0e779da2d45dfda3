from django.urls import path
from django.utils.translation import gettext_lazy as _
from oscar.core.application import OscarDashboardConfig


class PharmacyDashboardConfig(OscarDashboardConfig):
    """The pharmacist's section of Oscar's dashboard, mounted at /dashboard/pharmacy/."""

    label = "pharmacy_dashboard"
    name = "prescriptions.dashboard"
    verbose_name = _("Pharmacy")

    # Pharmacists need not be staff: this permission alone opens the section,
    # and nothing else in the dashboard.
    default_permissions = ["prescriptions.review_prescription"]
    permissions_map = {
        "pharmacy-policy-list": ["prescriptions.review_prescription", "prescriptions.view_dispensingpolicy"],
        "pharmacy-policy-update": ["prescriptions.review_prescription", "prescriptions.change_dispensingpolicy"],
        "pharmacy-medicine-list": ["prescriptions.review_prescription", "prescriptions.view_dispensingpolicy"],
        "pharmacy-medicine-update": ["prescriptions.review_prescription", "prescriptions.change_dispensingpolicy"],
    }

    def ready(self):
        from prescriptions.dashboard import views

        self.views = views

    def get_urls(self):
        views = self.views
        return self.post_process_urls(
            [
                path("", views.QueueView.as_view(), name="pharmacy-queue"),
                path("rules/", views.PolicyListView.as_view(), name="pharmacy-policy-list"),
                path("rules/<int:product_pk>/", views.PolicyUpdateView.as_view(), name="pharmacy-policy-update"),
                path("medicines/", views.MedicineListView.as_view(), name="pharmacy-medicine-list"),
                path(
                    "medicines/<int:product_pk>/", views.MedicineUpdateView.as_view(), name="pharmacy-medicine-update"
                ),
                path("supply/", views.SupplyQueueView.as_view(), name="pharmacy-supply-queue"),
                path("supply/export/", views.SupplyExportView.as_view(), name="pharmacy-supply-export"),
                path("supply/<str:number>/", views.SupplyOrderView.as_view(), name="pharmacy-supply-order"),
                path("<uuid:public_id>/", views.ReviewView.as_view(), name="pharmacy-review"),
                path("<uuid:public_id>/page-<int:number>.jpg", views.FilePageView.as_view(), name="pharmacy-file-page"),
            ]
        )
