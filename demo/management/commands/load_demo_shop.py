from django.core.management.base import BaseCommand

from demo.loader import DEMO_PASSWORD, load_demo_shop


class Command(BaseCommand):
    help = (
        "Build the demo shop: Pakistan as shipping country, categories, products with "
        "PKR prices, stock and pictures, drug information, the search index and the demo "
        "accounts. Safe to run again: it only adds what is missing."
    )

    def handle(self, *args, **options):
        created = load_demo_shop()
        if not created:
            self.stdout.write("Nothing to do: the demo shop is already loaded; nothing was changed.")
            return
        for what, count in created.items():
            self.stdout.write(f"  created {count} {what}")
        if created["products"]:
            # Saving a product indexes it (search/receivers.py), in the same transaction.
            self.stdout.write("  indexed the new products for search")
        self.stdout.write(self.style.SUCCESS(f"Demo shop loaded. Demo accounts use the password {DEMO_PASSWORD!r}."))
