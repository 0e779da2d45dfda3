"""A mail server that refuses or hangs: registration, password reset and password change still answer.

The write stands, and the email waits in the queue until a worker can deliver it.
"""

import time
from contextlib import contextmanager

import pytest
from django.contrib.auth import get_user_model
from django_tasks_db.models import DBTaskResult
from oscar.core.loading import get_model

from shop.tasks import run_pending_tasks
from tests.factories import PASSWORD, ProductFactory
from tests.smtp import closed_port, mail_server, silent_server

User = get_user_model()
ProductAlert = get_model("customer", "ProductAlert")
pytestmark = pytest.mark.django_db

# A request that waited for this mail server would take at least this long.
SMTP_TIMEOUT = 5


@contextmanager
def refused():
    yield closed_port()


@pytest.fixture(params=["refused", "hanging"])
def broken_smtp(request, settings):
    """Email at a port that refuses, or at one that accepts and never answers; the database queue."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_TIMEOUT = SMTP_TIMEOUT
    with refused() if request.param == "refused" else silent_server() as port:
        settings.EMAIL_PORT = port
        yield request.param


def queued_emails():
    return list(DBTaskResult.objects.filter(task_path="shop.emails.send_email", status="READY"))


def deliver_queued(settings):
    """Run the queue as a worker would, against a mail server that works; returns what it received."""
    with mail_server() as server:
        settings.EMAIL_PORT = server.port
        assert run_pending_tasks() == 1
    return server.received


def timed(action):
    started = time.monotonic()
    response = action()
    return response, time.monotonic() - started


def test_registration_answers_and_keeps_the_account_when_email_fails(django_app, broken_smtp, settings):
    form = django_app.get("/accounts/register/").forms["register_form"]
    form["first_name"], form["last_name"], form["email"] = "Bilal", "Ahmed", "bilal@example.com"
    form["password1"] = form["password2"] = "a-long-pass-phrase-7"

    response, seconds = timed(form.submit)

    assert response.status_code == 302
    assert seconds < SMTP_TIMEOUT / 2
    assert User.objects.filter(email="bilal@example.com").exists()
    assert "Log out" in response.follow().follow().text
    [queued] = queued_emails()
    assert queued.args_kwargs["kwargs"]["to"] == ["bilal@example.com"]
    [(_sender, recipients, message)] = deliver_queued(settings)
    assert recipients == ["bilal@example.com"]
    assert "Thank you for registering" in message["Subject"]


def test_password_change_answers_and_keeps_the_new_password_when_email_fails(
    customer, customer_app, broken_smtp, settings
):
    form = customer_app.get("/accounts/change-password/").forms["change_password_form"]
    form["old_password"] = PASSWORD
    form["new_password1"] = form["new_password2"] = "another-long-phrase-9"

    response, seconds = timed(form.submit)

    assert response.status_code == 302
    assert seconds < SMTP_TIMEOUT / 2
    customer.refresh_from_db()
    assert customer.check_password("another-long-phrase-9")
    assert "Password updated" in response.follow().text
    [queued] = queued_emails()
    assert queued.args_kwargs["kwargs"]["to"] == [customer.email]
    [(_sender, recipients, message)] = deliver_queued(settings)
    assert recipients == [customer.email]
    assert "password" in message["Subject"].lower()


def test_password_reset_answers_when_email_fails_and_the_link_arrives_later(
    django_app, customer, broken_smtp, settings
):
    form = django_app.get("/password-reset/").forms[1]
    form["email"] = customer.email

    response, seconds = timed(form.submit)

    assert response.status_code == 302
    assert seconds < SMTP_TIMEOUT / 2
    page = response.follow()
    assert "we are sending it a link to reset your password" in " ".join(
        page.html.select_one("main, body").text.split()
    )
    [queued] = queued_emails()
    assert queued.args_kwargs["kwargs"]["to"] == [customer.email]
    [(_sender, recipients, message)] = deliver_queued(settings)
    assert recipients == [customer.email]
    assert "/password-reset/confirm/" in message.get_payload(0).get_payload(decode=True).decode()


def test_a_stock_update_that_triggers_back_in_stock_alerts_is_kept_and_the_alerts_are_queued(
    customer, broken_smtp, settings
):
    product = ProductFactory(title="Gentle cleanser")
    ProductAlert.objects.create(product=product, user=customer)
    stock = product.stockrecords.get()
    stock.num_in_stock = 7

    stock.save()  # Oscar emails the alerts from the stock record's post_save

    stock.refresh_from_db()
    assert stock.num_in_stock == 7
    assert ProductAlert.objects.get().status == ProductAlert.CLOSED
    [queued] = queued_emails()
    assert queued.args_kwargs["kwargs"]["to"] == [customer.email]
    [(_sender, recipients, message)] = deliver_queued(settings)
    assert recipients == [customer.email]
    assert "Gentle cleanser" in message["Subject"]
