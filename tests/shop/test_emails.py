"""Emails go through the task queue: queued with the write that causes them, delivered and retried by the worker."""

import datetime
import email.message
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from oscar.core.loading import get_model

from shop.emails import QueuedDispatcher
from shop.tasks import AttemptFailed, run_pending_tasks
from tests.checkout_steps import add_to_basket, checkout_to_preview
from tests.factories import ProductFactory, RxProductFactory, UserFactory, submit_prescription
from tests.smtp import closed_port, mail_server, silent_server

User = get_user_model()
Email = get_model("communication", "Email")
Order = get_model("order", "Order")
pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]

MESSAGES = {"subject": "Welcome", "body": "Plain words", "html": "<p><strong>Rich</strong> words</p>", "sms": ""}


@pytest.fixture
def queue(settings):
    """The database queue, and email through SMTP on 127.0.0.1 (each test names the port)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_TIMEOUT = 1
    return settings


def deliver(settings) -> list[tuple[str, list[str], email.message.Message]]:
    with mail_server() as server:
        settings.EMAIL_PORT = server.port
        DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now() - datetime.timedelta(seconds=1))
        run_pending_tasks()
    return server.received


def parts(message: email.message.Message) -> dict[str, str]:
    return {
        part.get_content_type(): part.get_payload(decode=True).decode()
        for part in message.walk()
        if not part.is_multipart()
    }


def test_a_queued_email_rolls_back_with_the_write_that_caused_it(queue):
    with pytest.raises(RuntimeError), transaction.atomic():
        user = UserFactory(email="new@example.com")
        QueuedDispatcher().dispatch_user_messages(user, MESSAGES)
        assert DBTaskResult.objects.count() == 1
        raise RuntimeError("the request failed after the write")

    assert not User.objects.filter(email="new@example.com").exists()
    assert not DBTaskResult.objects.exists()
    assert not Email.objects.exists()


def test_the_worker_delivers_the_rendered_message_with_its_html_part_once(queue):
    user = UserFactory(email="new@example.com")
    QueuedDispatcher().dispatch_user_messages(user, MESSAGES)

    [(sender, recipients, message)] = deliver(queue)

    assert recipients == ["new@example.com"]
    assert sender == "orders@jild.example"
    assert message["Subject"] == "Welcome"
    assert parts(message) == {"text/plain": "Plain words", "text/html": "<p><strong>Rich</strong> words</p>"}
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    assert Email.objects.get(user=user).subject == "Welcome", "the customer's email history still records it"


def test_a_hanging_mail_server_costs_the_worker_one_timeout_and_the_email_is_sent_on_a_later_attempt(queue):
    QueuedDispatcher().dispatch_direct_messages("new@example.com", MESSAGES)

    with silent_server() as port:
        queue.EMAIL_PORT = port
        run_pending_tasks()

    failed, retry = DBTaskResult.objects.order_by("enqueued_at")
    assert (failed.status, failed.exception_class_path) == ("FAILED", f"{AttemptFailed.__module__}.AttemptFailed")
    assert "TimeoutError" in failed.traceback
    assert retry.status == "READY"
    assert run_pending_tasks() == 0, "the next attempt waits for its time"
    assert [recipients for _sender, recipients, _message in deliver(queue)] == [["new@example.com"]]


def test_the_order_confirmation_is_queued_with_the_order_and_sent_by_the_worker(
    customer, customer_app, pakistan, queue
):
    add_to_basket(customer_app, ProductFactory(title="Gentle cleanser"))
    preview = checkout_to_preview(customer_app)
    queue.EMAIL_PORT = closed_port()  # the request must not need it: it only queues

    preview.forms["place_order_form"].submit().follow()

    order = Order.objects.get()
    [queued] = DBTaskResult.objects.all()
    assert (queued.task_path, queued.status) == ("shop.emails.send_order_confirmation", "READY")
    assert queued.args_kwargs == {"args": [order.id], "kwargs": {}}, "the medicines ordered are not in the queue"
    assert not Email.objects.exists()
    [(_sender, recipients, message)] = deliver(queue)
    assert recipients == [customer.email]
    assert order.number in message["Subject"]
    assert "Gentle cleanser" in parts(message)["text/plain"]
    assert f"/accounts/orders/{order.number}/" in parts(message)["text/plain"]
    assert Email.objects.get(user=customer).subject == message["Subject"], "recorded once it has left"


def test_a_prescription_email_waits_in_the_queue_as_ids_only_and_the_worker_renders_it(customer, queue):
    prescription = submit_prescription(customer, [RxProductFactory(title="Isotretinoin 20 mg capsules")])

    [queued] = DBTaskResult.objects.all()
    assert queued.task_path == "prescriptions.notifications.send_email"
    assert queued.args_kwargs == {"args": [prescription.pk, "PRESCRIPTION_RECEIVED"], "kwargs": {}}
    [(_sender, recipients, message)] = deliver(queue)
    assert recipients == [customer.email]
    assert "Isotretinoin 20 mg capsules" in parts(message)["text/plain"]


@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3",
    reason="the worker is another process, and SQLite's test database lives in this process's memory",
)
@pytest.mark.django_db(transaction=True)
def test_a_registration_made_while_the_mail_server_refused_is_welcomed_by_the_worker_process(django_app, queue):
    queue.EMAIL_PORT = closed_port()
    form = django_app.get("/accounts/register/").forms["register_form"]
    form["first_name"], form["last_name"], form["email"] = "Bilal", "Ahmed", "bilal@example.com"
    form["password1"] = form["password2"] = "a-long-pass-phrase-7"
    assert form.submit().status_code == 302
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
    [(_sender, recipients, message)] = server.received
    assert recipients == ["bilal@example.com"]
    assert "Thank you for registering" in message["Subject"]
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
