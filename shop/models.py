from django.db import models
from django.utils.translation import gettext_lazy as _


class ScheduledRun(models.Model):
    """A periodic job's claim on one period (shop.tasks.enqueue_due_jobs).

    The unique pair makes the claim and the job's enqueueing happen once per
    period, however many workers' schedulers try at the same moment.
    """

    job = models.CharField(_("job"), max_length=200)
    slot = models.DateTimeField(_("period starting"))
    enqueued_at = models.DateTimeField(_("enqueued at"), auto_now_add=True)

    class Meta:
        verbose_name = _("scheduled run")
        verbose_name_plural = _("scheduled runs")
        constraints = [models.UniqueConstraint(fields=["job", "slot"], name="one_run_per_job_and_period")]

    def __str__(self):
        return f"{self.job} @ {self.slot.isoformat()}"
