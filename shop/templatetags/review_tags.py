"""Words for the pharmacist's review page, where the audit trail stores codes."""

from django import template

from prescriptions import messages
from prescriptions.models import Prescription

register = template.Library()


@register.filter
def status_label(code: str) -> str:
    """ "pending" -> "Pending review"; a code no longer in use is shown as stored, not hidden."""
    try:
        return Prescription.Status(code).label
    except ValueError:
        return code


@register.filter
def checklist_label(key: str) -> str:
    return messages.checklist_label(key)
