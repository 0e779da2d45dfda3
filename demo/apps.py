from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Holds the ``load_demo_shop`` command; it has no models of its own."""

    name = "demo"
    verbose_name = "Demo shop"
