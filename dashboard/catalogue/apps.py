from django.urls import path
from oscar.apps.dashboard.catalogue import apps
from oscar.core.loading import get_class


class CatalogueDashboardConfig(apps.CatalogueDashboardConfig):
    name = "dashboard.catalogue"

    def ready(self):
        super().ready()
        self.drug_list_view = get_class("dashboard.catalogue.views", "DrugInformationListView")
        self.drug_create_view = get_class("dashboard.catalogue.views", "DrugInformationCreateView")
        self.drug_update_view = get_class("dashboard.catalogue.views", "DrugInformationUpdateView")

    def configure_permissions(self):
        super().configure_permissions()
        permission = get_class("dashboard.permissions", "DashboardPermission")
        # Drug information is written by the shop's own staff, never by partners.
        self.permissions_map.update(
            {
                "catalogue-drug-list": permission.get("catalogue", "view_druginformation"),
                "catalogue-drug-create": permission.get("catalogue", "view_druginformation", "add_druginformation"),
                "catalogue-drug-update": permission.get("catalogue", "view_druginformation", "change_druginformation"),
            }
        )

    def get_urls(self):
        urls = super().get_urls()
        urls += self.post_process_urls(
            [
                path("drug-information/", self.drug_list_view.as_view(), name="catalogue-drug-list"),
                path(
                    "drug-information/create/",
                    self.drug_create_view.as_view(),
                    name="catalogue-drug-create",
                ),
                path(
                    "drug-information/<int:pk>/",
                    self.drug_update_view.as_view(),
                    name="catalogue-drug-update",
                ),
            ]
        )
        return urls
