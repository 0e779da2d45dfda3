from django.apps import AppConfig


class ShopConfig(AppConfig):
    """Project-wide pieces that belong to no single domain, such as the site record."""

    name = "shop"
    verbose_name = "Jild Pharmacy"

    def ready(self):
        from oscar.apps.analytics import receivers
        from oscar.apps.catalogue.signals import product_viewed
        from oscar.apps.search.signals import user_search

        # Oscar's analytics keep, per customer, every product viewed and every
        # search typed. In a pharmacy that is a record of who looked up which
        # medicine: health data the shop has no need to keep. (Counts of
        # basket additions and orders, which Oscar's reports use, stay.)
        product_viewed.disconnect(receivers.receive_product_view)
        user_search.disconnect(receivers.receive_product_search)
