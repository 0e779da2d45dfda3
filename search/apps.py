from django.urls import path
from oscar.apps.search import apps


class SearchConfig(apps.SearchConfig):
    name = "search"

    def ready(self):
        from search import receivers  # noqa: F401  (connects the index-upkeep receivers)
        from search.views import SearchView

        self.search_view = SearchView

    def get_urls(self):
        return self.post_process_urls([path("", self.search_view.as_view(), name="search")])
