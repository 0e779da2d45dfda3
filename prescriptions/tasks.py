"""The pharmacy's periodic jobs, run by the task queue's workers (``settings.SHOP_PERIODIC_TASKS``).

Each is a plain service in ``services.scheduled``; the management commands of
the same names run them by hand.
"""

from django_tasks import task

from prescriptions.services import scheduled


@task()
def erase_expired_prescriptions() -> int:
    return scheduled.prescriptions_erase_expired()


@task()
def send_prescription_reminders() -> int:
    return scheduled.prescriptions_send_expiry_reminders()


@task()
def sweep_orphan_files() -> int:
    return scheduled.prescription_files_sweep_orphans()
