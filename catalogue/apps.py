from oscar.apps.catalogue import apps


class CatalogueConfig(apps.CatalogueConfig):
    name = "catalogue"

    def ready(self):
        super().ready()
        from catalogue import receivers  # noqa: F401  (connects the cache upkeep)
