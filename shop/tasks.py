"""The task queue: retries with backoff, periodic jobs, and attempts whose worker died.

The queue is django-tasks (Django 6's tasks API, backported) on its database
backend (django-tasks-db). A queued task is a row in the shop's own database,
so a task enqueued inside a transaction is committed or rolled back with the
write that caused it: nothing is sent for an order that was rolled back, and
nothing is lost for one that was committed. No other service is needed, for
the demo or in production. Workers run ``manage.py run_worker``.

django-tasks runs each queued row once. This module adds what a shop needs on
top:

- ``retrying_task``: when an attempt fails, the next attempt is queued after a
  growing delay, up to a number of attempts. A failed attempt's row records
  ``AttemptFailed``; the last one records ``GaveUp``, which is what staff look
  for (admin: Task results, "Gave up"). Either way the stored traceback keeps
  its frames but not the exceptions' text (``shop.logging.redacted_traceback``),
  which for an email can hold the recipient's address.
- periodic jobs (``settings.SHOP_PERIODIC_TASKS``): every worker's scheduler
  enqueues a job once per period; a unique row claims the period, so any
  number of workers enqueue it once between them.
- attempts whose worker died (SIGKILL, out of memory, a lost machine) stay
  "running" for ever in django-tasks; ``recover_stalled_tasks`` fails them as
  ``WorkerLost`` and queues the next attempt.

A task runs at least once, not exactly once: a worker that dies after an email
left but before its row was marked done sends it again.
"""

from __future__ import annotations

import datetime
import logging
import random
import sys
import threading
import time
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, close_old_connections, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import TaskContext, task
from django_tasks.base import Task

from shop.logging import redacted_traceback

logger = logging.getLogger(__name__)

# The keyword arguments a retrying task's own rows carry, beside the task's.
ATTEMPT = "_attempt"
RETRY_OF = "_retry_of"


class AttemptFailed(Exception):
    """This attempt failed and the next one is queued."""


class GaveUp(Exception):
    """The last attempt failed: the task needs a person."""


class WorkerLost(Exception):
    """The worker running this attempt stopped before it finished."""


@dataclass(frozen=True)
class Backoff:
    """How often a task is tried, and how long it waits between tries.

    The wait doubles from ``first_delay`` up to ``max_delay``, each stretched by
    up to a tenth at random so that tasks that failed together (a mail server
    down for a minute) do not all come back in the same second.
    """

    attempts: int = 8
    first_delay: float = 30.0
    max_delay: float = 3600.0

    def delay(self, failed_attempt: int) -> datetime.timedelta:
        """The wait after attempt number ``failed_attempt`` (1 for the first) failed."""
        base = min(self.max_delay, self.first_delay * 2 ** (failed_attempt - 1))
        return datetime.timedelta(seconds=base * (1 + random.random() / 10))


def retrying_task(
    function: Callable | None = None,
    *,
    backoff: Backoff = Backoff(),
    priority: int = 0,
    queue_name: str = "default",
):
    """Make ``function`` a task that is tried again after a failure, with backoff.

    Enqueue it as any django-tasks task: ``send_it.enqueue(order_id)``; its
    arguments must be JSON (ids, not model instances). Backends that cannot run
    a task later (the test suite's immediate backend) run it once.
    """

    def decorate(function: Callable) -> Task:
        def attempt(context: TaskContext, *args, **kwargs):
            number = kwargs.pop(ATTEMPT, 1)
            kwargs.pop(RETRY_OF, None)
            try:
                return function(*args, **kwargs)
            except Exception:
                summary = redacted_traceback(sys.exc_info())
                this_task = context.task_result.task
                if number < backoff.attempts and this_task.get_backend().supports_defer:
                    run_after = timezone.now() + backoff.delay(number)
                    this_task.using(run_after=run_after).enqueue(
                        *args, **kwargs, **{ATTEMPT: number + 1, RETRY_OF: str(context.task_result.id)}
                    )
                    logger.warning(
                        "Task %s: attempt %d of %d failed, next at %s",
                        function.__name__,
                        number,
                        backoff.attempts,
                        run_after.isoformat(timespec="seconds"),
                    )
                    raise AttemptFailed(
                        f"Attempt {number} of {backoff.attempts} failed; the next is queued.\n{summary}"
                    ) from None
                logger.error("Task %s: gave up after %d attempts", function.__name__, number)
                raise GaveUp(f"Attempt {number} of {backoff.attempts} failed; no more attempts.\n{summary}") from None

        # The queue finds a task by its module and name, which must be the
        # function's. (Not functools.wraps: the queue reads the signature, and
        # must see the context argument that wraps would hide.)
        for name in ("__module__", "__name__", "__qualname__", "__doc__"):
            setattr(attempt, name, getattr(function, name))
        return task(attempt, priority=priority, queue_name=queue_name, takes_context=True)

    return decorate(function) if function is not None else decorate


# --- Periodic jobs -------------------------------------------------------------------


@dataclass(frozen=True)
class Periodic:
    """A task (dotted path to it) enqueued once every ``every``, ``at`` into each period.

    Periods are counted in the shop's time zone from midnight, so
    ``Periodic("x", every=timedelta(days=1), at=timedelta(hours=9))`` runs
    daily at 09:00 shop time (or as soon after as a worker runs).
    """

    task: str
    every: datetime.timedelta
    at: datetime.timedelta = datetime.timedelta(0)

    def slot(self, now: datetime.datetime) -> datetime.datetime:
        """The start of the period ``now`` falls in."""
        epoch = datetime.datetime(2000, 1, 1, tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE)) + self.at
        return epoch + (now - epoch) // self.every * self.every


def periodic_jobs() -> list[Periodic]:
    return [Periodic(**job) if isinstance(job, dict) else job for job in settings.SHOP_PERIODIC_TASKS]


def enqueue_due_jobs(now: datetime.datetime | None = None) -> list[str]:
    """Enqueue every periodic job whose current period has not been claimed yet; returns their names."""
    from shop.models import ScheduledRun

    now = now or timezone.now()
    enqueued = []
    for job in periodic_jobs():
        slot = job.slot(now)
        if ScheduledRun.objects.filter(job=job.task, slot=slot).exists():
            continue
        try:
            with transaction.atomic():
                ScheduledRun.objects.create(job=job.task, slot=slot)
                import_string(job.task).enqueue()
        except IntegrityError:
            continue  # another worker's scheduler claimed this period first
        enqueued.append(job.task)
    return enqueued


class Scheduler(threading.Thread):
    """Inside each worker process: enqueues due periodic jobs every ``interval`` seconds."""

    def __init__(self, interval: float = 30.0):
        super().__init__(name="shop-scheduler", daemon=True)
        self.interval = interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                close_old_connections()
                enqueue_due_jobs()
            except Exception:
                # The database may be away for a moment; the next round tries again.
                logger.exception("Scheduler: could not enqueue periodic jobs")
            finally:
                close_old_connections()
            self.stopped.wait(self.interval)

    def stop(self) -> None:
        self.stopped.set()


# --- The queue's own upkeep ------------------------------------------------------------


def queue_lag(now: datetime.datetime | None = None) -> datetime.timedelta:
    """How long the oldest task that could run now has waited (zero when none waits)."""
    from django_tasks_db.models import DBTaskResult, get_date_max

    now = now or timezone.now()
    ready = DBTaskResult.objects.ready()
    waiting_since = [
        ready.filter(run_after=get_date_max()).order_by("enqueued_at").values_list("enqueued_at", flat=True).first(),
        ready.exclude(run_after=get_date_max()).order_by("run_after").values_list("run_after", flat=True).first(),
    ]
    oldest = min((moment for moment in waiting_since if moment is not None), default=now)
    return max(now - oldest, datetime.timedelta(0))


def _path(exception: type[BaseException]) -> str:
    return f"{exception.__module__}.{exception.__qualname__}"


@task()
def recover_stalled_tasks() -> int:
    """Fail the attempts whose worker died, and queue their next attempt; returns how many."""
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - datetime.timedelta(seconds=settings.SHOP_TASK_STALLED_AFTER)
    recovered = 0
    with transaction.atomic():
        stalled = DBTaskResult.objects.select_for_update(skip_locked=True).filter(
            status="RUNNING", started_at__lt=cutoff
        )
        for row in stalled:
            row.status = "FAILED"
            row.finished_at = timezone.now()
            row.exception_class_path = _path(WorkerLost)
            row.traceback = "The worker running this attempt stopped before it finished."
            row.save(update_fields=["status", "finished_at", "exception_class_path", "traceback"])
            args, kwargs = row.args_kwargs["args"], dict(row.args_kwargs["kwargs"])
            if _is_retrying(row.task_path):
                if not DBTaskResult.objects.filter(**{f"args_kwargs__kwargs__{RETRY_OF}": str(row.id)}).exists():
                    kwargs.update({ATTEMPT: kwargs.get(ATTEMPT, 1) + 1, RETRY_OF: str(row.id)})
                    import_string(row.task_path).enqueue(*args, **kwargs)
            else:
                import_string(row.task_path).enqueue(*args, **kwargs)
            logger.warning("Task %s (%s): its worker was lost; queued again", row.task_name, row.id)
            recovered += 1
    return recovered


def _is_retrying(task_path: str) -> bool:
    try:
        return import_string(task_path).takes_context
    except ImportError:
        return False


@task()
def prune_task_results() -> int:
    """Delete what no one needs any more; returns how many rows went.

    Finished tasks after a week, superseded failed attempts with them; tasks
    that gave up stay for ``SHOP_TASK_FAILED_KEPT_DAYS`` for staff to see.
    Claims of past periods after a week.
    """
    from django_tasks_db.models import DBTaskResult

    from shop.models import ScheduledRun

    now = timezone.now()
    week_ago = now - datetime.timedelta(days=7)
    done = DBTaskResult.objects.filter(finished_at__lt=week_ago).filter(
        status="SUCCESSFUL"
    ) | DBTaskResult.objects.filter(finished_at__lt=week_ago, exception_class_path=_path(AttemptFailed))
    gave_up = DBTaskResult.objects.filter(
        status="FAILED", finished_at__lt=now - datetime.timedelta(days=settings.SHOP_TASK_FAILED_KEPT_DAYS)
    )
    deleted = done.delete()[0] + gave_up.delete()[0]
    deleted += ScheduledRun.objects.filter(slot__lt=week_ago).delete()[0]
    return deleted


@task()
def clear_expired_sessions() -> None:
    """Sessions live in the database: remove those past their expiry."""
    from django.contrib.sessions.models import Session

    Session.objects.filter(expire_date__lt=timezone.now()).delete()


def run_pending_tasks(*, backend: str = "default", limit: int = 1000) -> int:
    """Run every task that is due now, in this process, as a worker does; returns how many ran.

    For tests and one-off maintenance: the worker's own claim and run, without
    its loop, which closes the database connection between tasks (and so would
    end a test's transaction). ``manage.py run_worker --batch`` is the command-line way.
    """
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name=backend,
        startup_delay=False,
        max_tasks=limit,
        worker_id=f"inline-{time.monotonic_ns()}",
        excluded_queue_names=[],
    )
    ran = 0
    while ran < limit:
        with transaction.atomic():
            row = DBTaskResult.objects.ready().filter(backend_name=backend).get_locked()
            if row is None:
                break
            row.claim(worker.worker_id)
        worker.run_task(row)
        ran += 1
    return ran
