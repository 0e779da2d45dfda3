from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from prescriptions.models import AppendOnly


class ReturnCheck(AppendOnly):
    """A pharmacist's check of one line of a parcel that came back: back on the shelf, or written off.

    A pack that left the pharmacy goes back on sale only when a pharmacist has
    seen it sealed and in date; anything else is written off with the reason.
    Written once (the database refuses changes, as for the supply register).
    """

    class Outcome(models.TextChoices):
        RESTOCKED = "restocked", _("Sealed and in date: back to saleable stock")
        WRITTEN_OFF = "written_off", _("Written off")

    line = models.OneToOneField("order.Line", on_delete=models.PROTECT, related_name="return_check")
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    quantity = models.PositiveIntegerField()
    reason = models.CharField(max_length=200, blank=True)
    pharmacist = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("return check")
        verbose_name_plural = _("return checks")

    def __str__(self) -> str:
        return f"Line {self.line_id}: {self.outcome} x {self.quantity}"


from oscar.apps.order.models import *  # noqa: E402
