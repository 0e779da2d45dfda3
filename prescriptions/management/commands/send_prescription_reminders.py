from django.core.management.base import BaseCommand

from prescriptions.services.scheduled import prescriptions_send_expiry_reminders


class Command(BaseCommand):
    help = "Email customers whose approved prescription ends within a few days. Run it daily (cron)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=3, help="Remind this many days before the end (default 3).")

    def handle(self, *args, days, **options):
        sent = prescriptions_send_expiry_reminders(days_ahead=days)
        self.stdout.write(f"Sent {sent} expiry reminder(s).")
