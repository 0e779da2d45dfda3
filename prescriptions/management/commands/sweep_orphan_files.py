from django.core.management.base import BaseCommand

from prescriptions.services.scheduled import prescription_files_sweep_orphans


class Command(BaseCommand):
    help = (
        "Delete stored prescription files that no prescription owns and that are more than an hour old. "
        "The workers run it hourly (SHOP_PERIODIC_TASKS)."
    )

    def handle(self, *args, **options):
        swept = prescription_files_sweep_orphans()
        self.stdout.write(f"Deleted {swept} file(s) that no prescription owns.")
