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
        self.synonym_list_view = get_class("dashboard.catalogue.views", "SynonymListView")
        self.synonym_update_view = get_class("dashboard.catalogue.views", "SynonymUpdateView")
        self.synonym_delete_view = get_class("dashboard.catalogue.views", "SynonymDeleteView")

    def configure_permissions(self):
        super().configure_permissions()
        # Drug information is the pharmacist's: its pregnancy risk sets the
        # default dispensing rules and its drug class the interaction checks
        # (prescriptions.services.switches). Catalogue staff and partners
        # neither read nor write it here.
        pharmacist = ["prescriptions.review_prescription"]
        self.permissions_map.update(
            {
                "catalogue-drug-list": [*pharmacist, "prescriptions.view_dispensingpolicy"],
                "catalogue-drug-create": [*pharmacist, "prescriptions.change_dispensingpolicy"],
                "catalogue-drug-update": [*pharmacist, "prescriptions.change_dispensingpolicy"],
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
                path("search-synonyms/", self.synonym_list_view.as_view(), name="catalogue-synonym-list"),
                path("search-synonyms/create/", self.synonym_update_view.as_view(), name="catalogue-synonym-create"),
                path("search-synonyms/<int:pk>/", self.synonym_update_view.as_view(), name="catalogue-synonym-update"),
                path(
                    "search-synonyms/<int:pk>/delete/",
                    self.synonym_delete_view.as_view(),
                    name="catalogue-synonym-delete",
                ),
            ]
        )
        return urls
