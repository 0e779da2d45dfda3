"""The task queue: enqueued with the write that causes it, retried with backoff, seen by staff, run by real workers."""

import datetime
import os
import subprocess
import sys
import zoneinfo
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from shop.models import ScheduledRun
from shop.tasks import (
    ATTEMPT,
    AttemptFailed,
    Backoff,
    GaveUp,
    Periodic,
    WorkerLost,
    enqueue_due_jobs,
    prune_task_results,
    queue_lag,
    recover_stalled_tasks,
    run_pending_tasks,
)
from tests.factories import UserFactory
from tests.shop import queue_tasks
from tests.smtp import closed_port, mail_server

ROOT = Path(__file__).resolve().parents[2]
KARACHI = zoneinfo.ZoneInfo("Asia/Karachi")
DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def database_queue(settings):
    settings.TASKS = DATABASE_QUEUE


def path(exception) -> str:
    return f"{exception.__module__}.{exception.__qualname__}"


def make_due_now():
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now() - datetime.timedelta(seconds=1))


def rows():
    return list(DBTaskResult.objects.order_by("enqueued_at"))


# --- Backoff ------------------------------------------------------------------------------


def test_backoff_doubles_from_the_first_delay_up_to_the_cap_with_a_little_jitter():
    backoff = Backoff(attempts=10, first_delay=30, max_delay=300)

    waits = [backoff.delay(n).total_seconds() for n in range(1, 8)]

    for wait, base in zip(waits, [30, 60, 120, 240, 300, 300, 300], strict=True):
        assert base <= wait <= base * 1.1


# --- Enqueued with the write ---------------------------------------------------------------


@pytest.mark.django_db
def test_a_task_enqueued_in_a_rolled_back_transaction_never_runs(database_queue):
    with pytest.raises(RuntimeError), transaction.atomic():
        queue_tasks.send_note.enqueue("customer@example.com", "Rolled back")
        raise RuntimeError("the write failed")

    assert not DBTaskResult.objects.exists()
    run_pending_tasks()
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_task_enqueued_in_a_committed_transaction_runs_once(database_queue):
    with transaction.atomic():
        queue_tasks.send_note.enqueue("customer@example.com", "Committed")

    assert run_pending_tasks() == 1
    assert run_pending_tasks() == 0
    assert [message.subject for message in mail.outbox] == ["Committed"]
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


# --- Retries ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_failed_send_is_retried_later_and_succeeds_when_the_mail_server_is_back(database_queue, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port(), 2
    queue_tasks.send_note.enqueue("customer@example.com", "Your order")
    before = timezone.now()

    run_pending_tasks()

    first, second = rows()
    assert first.status == "FAILED"
    assert first.exception_class_path == path(AttemptFailed)
    assert "ConnectionRefusedError" in first.traceback
    assert second.status == "READY"
    assert second.args_kwargs["kwargs"][ATTEMPT] == 2
    wait = datetime.timedelta(seconds=60)
    assert before + wait <= second.run_after <= timezone.now() + wait * 1.1
    assert run_pending_tasks() == 0, "the retry waits for its time"

    with mail_server() as server:
        settings.EMAIL_PORT = server.port
        make_due_now()
        run_pending_tasks()

    assert [(recipients, message["Subject"]) for _sender, recipients, message in server.received] == [
        (["customer@example.com"], "Your order")
    ]
    assert rows()[-1].status == "SUCCESSFUL"


@pytest.mark.django_db
def test_after_its_last_attempt_a_task_gives_up_with_a_traceback_that_holds_no_private_text(database_queue):
    queue_tasks.fail_with_private_text.enqueue("patient@example.com")

    for _ in range(3):
        make_due_now()
        run_pending_tasks()

    attempts = rows()
    assert [row.exception_class_path for row in attempts] == [path(AttemptFailed)] * 2 + [path(GaveUp)]
    assert all(row.status == "FAILED" for row in attempts)
    for row in attempts:
        assert "ValueError" in row.traceback
        assert "patient@example.com" not in row.traceback
        assert "RX-ABCD2345" not in row.traceback
    make_due_now()
    assert run_pending_tasks() == 0


@pytest.mark.django_db
def test_the_queues_test_mode_runs_a_task_at_once_and_a_failure_never_reaches_the_caller():
    queue_tasks.send_note.enqueue("customer@example.com", "Immediate")
    result = queue_tasks.fail_with_private_text.enqueue("patient@example.com")

    assert [message.subject for message in mail.outbox] == ["Immediate"]
    assert result.status == "FAILED"
    assert result.errors[0].exception_class_path == path(GaveUp)


# --- Staff's list ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_staff_see_tasks_that_gave_up_and_can_run_them_again(database_queue, django_app):
    admin = UserFactory(is_staff=True, is_superuser=True)
    queue_tasks.fail_with_private_text.enqueue("patient@example.com")
    for _ in range(3):
        make_due_now()
        run_pending_tasks()
    queue_tasks.send_note.enqueue("customer@example.com", "Still waiting")

    page = django_app.get("/admin/django_tasks_database/dbtaskresult/?outcome=gave-up", user=admin)

    listed = page.html.select("#result_list tbody tr")
    assert len(listed) == 1
    assert "fail_with_private_text" in listed[0].text
    assert "gave up" in listed[0].text
    form = page.forms["changelist-form"]
    form["action"] = "run_again"
    form.get("_selected_action", index=0).checked = True
    done = form.submit().follow()
    assert "1 task queued again." in done.text
    again = DBTaskResult.objects.filter(status="READY", task_path__endswith="fail_with_private_text").get()
    assert again.args_kwargs == {"args": ["patient@example.com"], "kwargs": {}}


# --- Periodic jobs ------------------------------------------------------------------------------


def test_a_daily_job_at_nine_falls_in_the_period_that_began_at_nine_shop_time():
    job = Periodic("shop.tasks.prune_task_results", every=datetime.timedelta(days=1), at=datetime.timedelta(hours=9))

    assert job.slot(datetime.datetime(2026, 3, 5, 8, 59, tzinfo=KARACHI)) == datetime.datetime(
        2026, 3, 4, 9, tzinfo=KARACHI
    )
    assert job.slot(datetime.datetime(2026, 3, 5, 9, 0, tzinfo=KARACHI)) == datetime.datetime(
        2026, 3, 5, 9, tzinfo=KARACHI
    )


@pytest.mark.django_db
def test_a_periodic_job_is_enqueued_once_per_period_however_often_schedulers_look(database_queue, settings):
    settings.SHOP_PERIODIC_TASKS = [{"task": "shop.tasks.prune_task_results", "every": datetime.timedelta(hours=1)}]
    now = datetime.datetime(2026, 3, 5, 10, 15, tzinfo=KARACHI)

    assert enqueue_due_jobs(now) == ["shop.tasks.prune_task_results"]
    assert enqueue_due_jobs(now + datetime.timedelta(minutes=30)) == []
    assert enqueue_due_jobs(now + datetime.timedelta(hours=1)) == ["shop.tasks.prune_task_results"]

    assert DBTaskResult.objects.filter(task_path="shop.tasks.prune_task_results").count() == 2
    assert ScheduledRun.objects.count() == 2


# --- Lost workers and upkeep ---------------------------------------------------------------


@pytest.mark.django_db
def test_an_attempt_whose_worker_died_is_failed_and_tried_again_once(database_queue):
    queue_tasks.send_note.enqueue("customer@example.com", "Interrupted")
    DBTaskResult.objects.update(status="RUNNING", started_at=timezone.now() - datetime.timedelta(hours=1))

    assert recover_stalled_tasks.call() == 1
    assert recover_stalled_tasks.call() == 0

    lost, again = rows()
    assert lost.status == "FAILED"
    assert lost.exception_class_path == path(WorkerLost)
    assert again.status == "READY"
    assert again.args_kwargs["kwargs"][ATTEMPT] == 2
    run_pending_tasks()
    assert [message.subject for message in mail.outbox] == ["Interrupted"]


@pytest.mark.django_db
def test_an_attempt_still_running_within_the_limit_is_left_alone(database_queue):
    queue_tasks.send_note.enqueue("customer@example.com", "Slow")
    DBTaskResult.objects.update(status="RUNNING", started_at=timezone.now() - datetime.timedelta(minutes=1))

    assert recover_stalled_tasks.call() == 0
    assert DBTaskResult.objects.get().status == "RUNNING"


@pytest.mark.django_db
def test_queue_lag_is_the_wait_of_the_oldest_task_that_could_run(database_queue):
    assert queue_lag() == datetime.timedelta(0)
    queue_tasks.send_note.enqueue("customer@example.com", "Old")
    later = timezone.now() + datetime.timedelta(hours=1)
    queue_tasks.send_note.using(run_after=later).enqueue("customer@example.com", "Later")
    DBTaskResult.objects.filter(args_kwargs__args__1="Old").update(
        enqueued_at=timezone.now() - datetime.timedelta(minutes=7)
    )

    lag = queue_lag()

    assert datetime.timedelta(minutes=7) <= lag < datetime.timedelta(minutes=8)


@pytest.mark.django_db
def test_pruning_keeps_what_gave_up_and_what_is_recent(database_queue):
    queue_tasks.send_note.enqueue("customer@example.com", "Old and done")
    queue_tasks.fail_with_private_text.enqueue("patient@example.com")
    for _ in range(3):
        make_due_now()
        run_pending_tasks()
    DBTaskResult.objects.update(finished_at=timezone.now() - datetime.timedelta(days=8))
    queue_tasks.send_note.enqueue("customer@example.com", "Recent")
    run_pending_tasks()

    prune_task_results.call()

    kept = {(row.task_path.rsplit(".", 1)[1], row.exception_class_path) for row in DBTaskResult.objects.all()}
    assert kept == {("send_note", ""), ("fail_with_private_text", path(GaveUp))}


# --- The real worker ----------------------------------------------------------------------------


@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3",
    reason="the worker is another process, and SQLite's test database lives in this process's memory",
)
@pytest.mark.django_db(transaction=True)
def test_the_worker_command_sends_a_queued_email_through_smtp(database_queue):
    queue_tasks.send_note.enqueue("customer@example.com", "From the worker")
    database = connection.settings_dict
    url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"

    with mail_server() as server:
        worker = subprocess.run(
            [sys.executable, "manage.py", "run_worker", "--batch", "--no-startup-delay", "--no-reload"],
            cwd=ROOT,
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "tests.worker_settings",
                "DATABASE_URL": url,
                "TEST_SMTP_PORT": str(server.port),
            },
            capture_output=True,
            text=True,
            timeout=120,
        )

    assert worker.returncode == 0, worker.stderr
    assert [(recipients, message["Subject"]) for _sender, recipients, message in server.received] == [
        (["customer@example.com"], "From the worker")
    ]
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
