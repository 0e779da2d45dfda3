from django.db.models.signals import post_migrate
from django.urls import path
from oscar.apps.search import apps


def fill_an_empty_index(sender, using, **kwargs):
    """After migrating, write the index again if a migration emptied it (its tables were recreated).

    Here rather than in the migration: the catalogue's models are then those
    of the code running, whatever migrations of other apps came after.
    """
    from oscar.core.loading import get_model

    from search.index import index_is_empty, rebuild_index

    if index_is_empty() and get_model("catalogue", "Product").objects.browsable().exists():
        rebuild_index()


class SearchConfig(apps.SearchConfig):
    name = "search"

    def ready(self):
        from search import receivers  # noqa: F401  (connects the index-upkeep receivers)
        from search.views import SearchView

        self.search_view = SearchView
        post_migrate.connect(fill_an_empty_index, sender=self, dispatch_uid="search-fill-an-empty-index")

    def get_urls(self):
        return self.post_process_urls([path("", self.search_view.as_view(), name="search")])
