"""/healthz and /readyz for the load balancer, and error reports without health data."""

import datetime
import gzip
import json
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from shop.logging import sentry_before_send
from tests.shop import queue_tasks
from tests.shop.test_security import PRODUCTION_ENV, manage
from tests.smtp import closed_port

pytestmark = pytest.mark.django_db


def body(response) -> dict:
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    return json.loads(response.content)


def test_liveness_answers_without_touching_the_database_or_a_session(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert body(response) == {"status": "alive"}
    assert not response.cookies


def test_readiness_with_everything_up(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert body(response) == {
        "status": "ready",
        "checks": {"database": "ok", "cache": "ok", "storage": "ok", "queue": "ok"},
    }


def test_the_load_balancer_may_ask_by_ip_address(client):
    # Not in ALLOWED_HOSTS: any other page answers 400 to this.
    assert client.get("/readyz/", HTTP_HOST="10.0.3.7").status_code == 200
    assert client.get("/healthz", HTTP_HOST="10.0.3.7").status_code == 200
    assert client.get("/", HTTP_HOST="10.0.3.7").status_code == 400


def test_a_cache_that_is_down_degrades_readiness_without_failing_it(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed_port()}/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
        }
    }

    response = client.get("/readyz")

    assert response.status_code == 200
    assert body(response)["status"] == "degraded"
    assert body(response)["checks"]["cache"] == "failing"
    assert body(response)["checks"]["database"] == "ok"


def test_a_queue_that_lags_is_reported(client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.SHOP_READY_MAX_QUEUE_LAG = 300
    queue_tasks.send_note.enqueue("sana@example.com", "hello")
    assert body(client.get("/readyz"))["checks"]["queue"] == "ok"

    DBTaskResult.objects.update(enqueued_at=timezone.now() - datetime.timedelta(minutes=10))

    response = client.get("/readyz")
    assert response.status_code == 200
    assert body(response)["checks"]["queue"] == "failing"


def test_without_its_database_the_production_server_is_unready_but_alive():
    closed = closed_port()
    probe = (
        "from django.test import Client; c = Client(); "
        "r = c.get('/readyz', HTTP_HOST='10.0.3.7'); print(r.status_code, r.content.decode()); "
        "r = c.get('/healthz', HTTP_HOST='10.0.3.7'); print(r.status_code, r.content.decode())"
    )
    env = {
        **PRODUCTION_ENV,
        "DATABASE_URL": f"postgres://shop:secret@127.0.0.1:{closed}/shop",
        "REDIS_URL": f"redis://127.0.0.1:{closed}/0",
        "S3_ENDPOINT_URL": f"http://127.0.0.1:{closed}",
        "AWS_MAX_ATTEMPTS": "1",
    }

    printed = manage("shell", "-c", probe, env=env)

    assert printed.returncode == 0, printed.stderr
    ready_line, alive_line = printed.stdout.strip().splitlines()[-2:]
    status, _, answer = ready_line.partition(" ")
    assert status == "503"
    assert json.loads(answer) == {
        "status": "unready",
        "checks": {"database": "failing", "cache": "failing", "storage": "failing", "queue": "failing"},
    }
    assert alive_line.startswith("200 ")


class Collector(BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self):
        data = self.rfile.read(int(self.headers["Content-Length"]))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            data = gzip.decompress(data)
        elif encoding == "deflate":
            data = zlib.decompress(data)
        elif encoding == "br":
            pytest.fail("the report came brotli-compressed, which this test cannot read")
        Collector.received.append(data)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def sentry_collector():
    Collector.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_error_reports_reach_sentry_without_emails_or_prescription_references(sentry_collector):
    report = (
        "import logging, sentry_sdk\n"
        "try:\n"
        "    raise ValueError('no stock for sana.qureshi@example.com, prescription RX-ABCD2345')\n"
        "except ValueError:\n"
        "    sentry_sdk.capture_exception()\n"
        "logging.getLogger('oscar.communication').error('Sending email to %s', 'sana.qureshi@example.com')\n"
        "sentry_sdk.flush(5)\n"
    )
    env = {**PRODUCTION_ENV, "SENTRY_DSN": f"http://publickey@127.0.0.1:{sentry_collector}/1"}

    printed = manage("shell", "-c", report, env=env)

    assert printed.returncode == 0, printed.stderr
    sent = b"".join(Collector.received).decode()
    assert "ValueError" in sent and "Sending email to" in sent, "both reports should have arrived"
    assert "sana.qureshi" not in sent and "ABCD2345" not in sent


def test_without_a_dsn_nothing_is_sent(sentry_collector):
    report = "import sentry_sdk; sentry_sdk.capture_message('hello'); sentry_sdk.flush(2)"

    printed = manage("shell", "-c", report, env=PRODUCTION_ENV)

    assert printed.returncode == 0, printed.stderr
    assert Collector.received == []


def test_a_reported_request_keeps_its_path_but_not_its_query_cookies_or_body():
    event = {
        "request": {
            "method": "POST",
            "url": "https://jild.example.pk/accounts/sana@example.com/?q=isotretinoin",
            "query_string": "q=isotretinoin",
            "cookies": {"sessionid": "secret"},
            "data": {"patient_name": "Sana Qureshi"},
            "headers": {"Cookie": "sessionid=secret", "User-Agent": "Mozilla", "Referer": "https://x/?q=acne"},
        },
        "user": {"id": 7, "email": "sana@example.com", "ip_address": "203.0.113.9"},
        "extra": {"basket": "Isotretinoin 20 mg"},
        "exception": {
            "values": [
                {
                    "type": "ValueError",
                    "value": "Isotretinoin for Sana",
                    "stacktrace": {"frames": [{"filename": "checkout/views.py", "vars": {"patient": "Sana Qureshi"}}]},
                }
            ]
        },
    }

    cleaned = sentry_before_send(event, {"exc_info": (ValueError, ValueError("Isotretinoin for Sana"), None)})

    assert cleaned["request"] == {
        "method": "POST",
        "url": "https://jild.example.pk/accounts/[email]/",
        "headers": {"User-Agent": "Mozilla"},
    }
    assert cleaned["user"] == {"id": 7}
    assert "extra" not in cleaned
    assert cleaned["exception"]["values"][0]["value"] == "[withheld]"
    assert "vars" not in cleaned["exception"]["values"][0]["stacktrace"]["frames"][0]
