"""Production logs: JSON lines on stdout, with no medicine, prescription, name or email in them."""

import io
import json
import logging
import logging.config
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core import mail

from checkout.session import CheckoutSessionMixin
from prescriptions import notifications
from shop.logging import HealthDataFilter, JSONFormatter, production_logging
from tests.checkout_steps import add_to_basket, checkout_to_preview
from tests.factories import ProductFactory, RxProductFactory, approve, submit_prescription
from tests.shop.test_security import PRODUCTION_ENV, ROOT

# What the scenarios below put in front of Oscar's log calls; none of it may be written.
PRIVATE = ["Isotretinoin", "isotretinoin", "needs a prescription", "customer@example.com", "Sana", "Qureshi", "RX-"]


@pytest.fixture
def production_logs(monkeypatch):
    """The production profile's LOGGING, applied in this process; yields a reader of what it wrote."""
    # dictConfig closes every handler it replaces, pytest's own log file among
    # them, which pytest then writes to in the next phase of the test.
    monkeypatch.setattr(logging.config, "_clearExistingHandlers", lambda: None)
    logging.config.dictConfig(production_logging("INFO"))
    (handler,) = logging.getLogger().handlers
    # The handler writes to sys.stdout (checked below); pytest swaps
    # sys.stdout between a test's phases, so the test reads a buffer instead.
    buffer = io.StringIO()
    handler.setStream(buffer)

    def read():
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return [json.loads(line) for line in text.splitlines()], text

    yield read
    logging.config.dictConfig(settings.LOGGING)


def assert_nothing_private(text):
    leaked = [word for word in PRIVATE if word in text]
    assert not leaked, f"{leaked} in the logs:\n{text}"


@pytest.mark.django_db
def test_a_refused_order_is_logged_by_its_number_without_the_medicine_or_the_reason(
    customer_app, customer, pakistan, production_logs, monkeypatch
):
    product = RxProductFactory(title="Isotretinoin 20 mg capsules")
    add_to_basket(customer_app, product)
    # As if the pharmacist revoked the approval between the page's check and
    # the order's transaction: only OrderCreator (order/utils.py) refuses.
    monkeypatch.setattr(CheckoutSessionMixin, "check_prescriptions_cover_basket", lambda self, request: None)
    preview = checkout_to_preview(customer_app)
    production_logs()

    refused = preview.forms["place_order_form"].submit()

    assert "Isotretinoin 20 mg capsules needs a prescription" in refused.text
    entries, text = production_logs()
    (refusal,) = [entry for entry in entries if "unable to place order" in entry["message"]]
    assert refusal["level"] == "ERROR"
    assert refusal["logger"] == "oscar.checkout"
    assert refusal["message"].startswith("Order #1")
    assert refusal["message"].endswith("unable to place order - [withheld]")
    assert "UnableToPlaceOrder: [withheld]" in refusal["exception"]
    assert "PrescriptionRequired: [withheld]" in refusal["exception"]
    assert_nothing_private(text)


@pytest.mark.django_db
def test_a_prescription_email_is_logged_without_its_recipient_or_what_it_is_about(customer, production_logs):
    prescription = approve(submit_prescription(customer, [RxProductFactory(title="Isotretinoin 20 mg capsules")]))
    mail.outbox.clear()
    production_logs()

    notifications.send(prescription.pk, notifications.APPROVED)

    assert [message.to for message in mail.outbox] == [["customer@example.com"]]
    entries, text = production_logs()
    assert {
        "level": "INFO",
        "logger": "prescriptions.notifications",
        "message": "Sending email to [withheld]",
    }.items() <= entries[0].items()
    assert_nothing_private(text)


@pytest.mark.django_db
def test_a_placed_order_and_its_confirmation_email_are_logged_without_the_customer(
    customer_app, customer, pakistan, production_logs
):
    add_to_basket(customer_app, ProductFactory(title="Gentle cleanser"))
    preview = checkout_to_preview(customer_app)
    production_logs()

    preview.forms["place_order_form"].submit().follow()

    assert [message.to for message in mail.outbox] == [["customer@example.com"]]
    entries, text = production_logs()
    assert any(entry["message"] == "Sending email to [withheld]" for entry in entries), entries
    assert_nothing_private(text)


def test_a_failure_that_names_a_customer_is_logged_by_its_type_and_frames(production_logs):
    class RecipientRefused(Exception):
        pass

    recipient, refusal = "customer@example.com", "Sana Qureshi <customer@example.com> refused RX-ABCDEFGH"
    try:
        try:
            raise KeyError(recipient)
        except KeyError as lookup:
            raise RecipientRefused(refusal) from lookup
    except RecipientRefused as failure:
        logging.getLogger("prescriptions.notifications").exception("Could not send (%s) to %s", failure, "x@y.pk")

    (entry,), text = production_logs()
    assert entry["message"] == "Could not send (RecipientRefused) to [email]"
    assert "KeyError: [withheld]" in entry["exception"]
    assert "The above exception was the direct cause" in entry["exception"]
    assert "RecipientRefused: [withheld]" in entry["exception"]
    assert "test_logging.py" in entry["exception"]
    assert "x@y.pk" not in text
    assert_nothing_private(text)


@pytest.mark.parametrize(
    ("message", "args", "written"),
    [
        ("Sending email to %s", ("customer@example.com",), "Sending email to [withheld]"),
        ("Sending alerts for '%s'", ("Isotretinoin 20 mg",), "Sending alerts for '[withheld]'"),
        ("Order #%s: unable to take payment (%s) - restoring basket", ("100001", "Sana's card"), "Order #100001: "),
        ("Approved %s for %s", ("RX-ABCDEFGH", "Sana.Q+1@Example.com.pk"), "Approved [prescription] for [email]"),
        ("Already formatted: RX-ABCDEFGH, a@b.co", (), "Already formatted: [prescription], [email]"),
        ("Error handling request %s", ("/search/?q=isotretinoin+pregnant",), "Error handling request /search/"),
        ("Error handling request %s %s", ("GET", "/search/?q=isotretinoin"), "Error handling request GET /search/"),
        ("Order #%s: the confirmation email could not be sent", ("100001",), "Order #100001: the confirmation"),
        ("Could not send %s for prescription id %s", ("PRESCRIPTION_APPROVED", 42), "Could not send PRESCRIPTION_A"),
    ],
)
def test_the_filter_withholds_what_identifies_a_customer_and_keeps_identifiers(message, args, written):
    record = logging.LogRecord("oscar.checkout", logging.INFO, __file__, 1, message, args, None)

    assert HealthDataFilter().filter(record) is True

    formatted = json.loads(JSONFormatter().format(record))["message"]
    assert formatted.startswith(written)
    for private in ("customer@example.com", "Isotretinoin", "isotretinoin", "Sana", "RX-ABCDEFGH", "q="):
        assert private not in formatted


def test_the_production_profile_logs_through_the_filter():
    script = "import django,json;django.setup();from django.conf import settings;print(json.dumps(settings.LOGGING))"
    env = {**{k: v for k, v in os.environ.items() if k != "CACHE_URL"}, **PRODUCTION_ENV, "LOG_LEVEL": "WARNING"}

    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == production_logging("WARNING")


def test_every_production_handler_carries_the_filter():
    config = production_logging("INFO")

    assert config["handlers"]
    for handler in config["handlers"].values():
        assert handler["filters"] == ["no_health_data"]
        assert handler["stream"] == "ext://sys.stdout"


@pytest.mark.django_db
def test_an_address_holding_an_email_and_a_prescription_reference_is_logged_without_either(client, production_logs):
    production_logs()

    response = client.get("/accounts/sana.qureshi@example.com/RX-ABCDEFGH/?q=isotretinoin")

    assert response.status_code == 404
    entries, text = production_logs()
    (entry,) = [entry for entry in entries if entry["logger"] == "django.request"]
    assert entry["path"] == "/accounts/[email]/[prescription]/"
    assert entry["message"] == "Not Found: /accounts/[email]/[prescription]/"
    assert entry["status"] == 404
    for private in ("sana.qureshi", "example.com", "RX-ABCDEFGH", "isotretinoin"):
        assert private not in text


@pytest.mark.parametrize(
    ("path", "written"),
    [
        ("/accounts/sana.qureshi@example.com/", "/accounts/[email]/"),
        ("/accounts/sana.qureshi%40example.com/", "/accounts/[email]/"),
        ("/p/Sana.Q+1@Example.com.pk/edit/", "/p/[email]/edit/"),
        ("/rx/RX-ABCDEFGH/", "/rx/[prescription]/"),
        ("/rx/rx-abcdefgh/", "/rx/[prescription]/"),
        ("/rx/RX%2DABCDEFGH/", "/rx/[prescription]/"),
        ("/catalogue/gentle-cleanser_12/", "/catalogue/gentle-cleanser_12/"),
    ],
)
def test_the_logged_path_is_scrubbed_as_sent_or_percent_encoded(rf, path, written):
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Not Found", (), None)
    record.request = rf.get(path)

    entry = json.loads(JSONFormatter().format(record))

    assert entry["path"] == written
