"""The pharmacy's slow and periodic work, run by the task queue's workers.

The periodic jobs (``settings.SHOP_PERIODIC_TASKS``) are plain services in
``services.scheduled``; the management commands of the same names run them by
hand. The pictures of a PDF's pages are drawn here, queued by the upload.
"""

from django_tasks import task

from prescriptions import previews
from prescriptions.models import Prescription
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


@task()
def draw_prescription_pages(prescription_pk: int) -> None:
    """Draw the pictures of an uploaded PDF's pages, unless they are drawn already or it was erased meanwhile."""
    prescription = Prescription.objects.filter(pk=prescription_pk, erased_at__isnull=True).first()
    if prescription is None or prescription.file_kind != Prescription.FileKind.PDF or not prescription.file:
        return
    previews.draw_if_missing(prescription.file)
