from django.core.management.base import BaseCommand

from prescriptions.services.scheduled import prescriptions_erase_expired


class Command(BaseCommand):
    help = (
        "Delete prescription files and patient details whose retention period is over (the privacy page's "
        "promise: one year after upload if never supplied against, five years after the last supply). "
        "The workers run it daily (SHOP_PERIODIC_TASKS)."
    )

    def handle(self, *args, **options):
        erased = prescriptions_erase_expired()
        self.stdout.write(f"Erased {erased} prescription(s) past their retention period.")
