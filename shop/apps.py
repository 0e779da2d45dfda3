from django.apps import AppConfig


class ShopConfig(AppConfig):
    """Project-wide pieces that belong to no single domain, such as the site record."""

    name = "shop"
    verbose_name = "Jild Pharmacy"
