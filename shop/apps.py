from django.apps import AppConfig


class ShopConfig(AppConfig):
    """Project-wide pieces that belong to no single domain: the site record, shared template tags."""

    name = "shop"
    verbose_name = "Jild Pharmacy"
