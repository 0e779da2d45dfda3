"""Staff's view of the task queue (admin: Task results): what gave up, what waits for a retry.

django-tasks-db's own admin lists rows; this one says what each means for
staff (done, will retry, gave up, waiting, running) and lists what gave up
first, with an action to run a task again.
"""

from django.contrib import admin, messages
from django.db.models import Q
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_tasks_db.admin import DBTaskResultAdmin
from django_tasks_db.models import DBTaskResult

from shop.models import ScheduledRun
from shop.tasks import ATTEMPT, RETRY_OF, AttemptFailed, _path

WILL_RETRY = Q(status="FAILED", exception_class_path=_path(AttemptFailed))
GAVE_UP = Q(status="FAILED") & ~WILL_RETRY


class OutcomeFilter(admin.SimpleListFilter):
    title = _("outcome")
    parameter_name = "outcome"

    def lookups(self, request, model_admin):
        return [
            ("gave-up", _("Gave up: needs a person")),
            ("retrying", _("Failed once, retry queued")),
            ("waiting", _("Waiting")),
            ("running", _("Running")),
            ("done", _("Done")),
        ]

    def queryset(self, request, queryset):
        return {
            "gave-up": lambda: queryset.filter(GAVE_UP),
            "retrying": lambda: queryset.filter(WILL_RETRY),
            "waiting": lambda: queryset.filter(status="READY"),
            "running": lambda: queryset.filter(status="RUNNING"),
            "done": lambda: queryset.filter(status="SUCCESSFUL"),
        }.get(self.value(), lambda: queryset)()


admin.site.unregister(DBTaskResult)


@admin.register(DBTaskResult)
class TaskResultAdmin(DBTaskResultAdmin):
    list_display = ("task_name", "outcome", "attempt", "enqueued_at", "display_run_after", "finished_at", "queue_name")
    list_filter = (OutcomeFilter, "queue_name")
    actions = ["run_again"]

    @admin.display(description=_("outcome"))
    def outcome(self, obj):
        if obj.status == "FAILED":
            return _("retry queued") if obj.exception_class_path == _path(AttemptFailed) else _("gave up")
        return {"READY": _("waiting"), "RUNNING": _("running"), "SUCCESSFUL": _("done")}[obj.status]

    @admin.display(description=_("attempt"))
    def attempt(self, obj):
        return obj.args_kwargs.get("kwargs", {}).get(ATTEMPT, 1)

    def has_change_permission(self, request, obj=None):
        # The action below needs it; the rows themselves stay read-only.
        return request.user.has_perm("django_tasks_database.change_dbtaskresult")

    @admin.action(description=_("Run the selected tasks again now"))
    def run_again(self, request, queryset):
        count = 0
        for row in queryset.filter(status="FAILED"):
            kwargs = {k: v for k, v in row.args_kwargs["kwargs"].items() if k not in (ATTEMPT, RETRY_OF)}
            import_string(row.task_path).enqueue(*row.args_kwargs["args"], **kwargs)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d task queued again.", "%(count)d tasks queued again.", count) % {"count": count},
            messages.SUCCESS,
        )


@admin.register(ScheduledRun)
class ScheduledRunAdmin(admin.ModelAdmin):
    list_display = ("job", "slot", "enqueued_at")
    list_filter = ("job",)
    ordering = ["-slot"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
