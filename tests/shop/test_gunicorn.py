"""Gunicorn's committed settings (shop/gunicorn.conf.py): JSON logs, paths without query strings."""

import json
import runpy
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from shop.logging import gunicorn_logging

ROOT = Path(__file__).resolve().parent.parent.parent
CONFIG = ROOT / "shop" / "gunicorn.conf.py"
NEVER_LOGGED = [
    "isotretinoin",
    "pregnant",
    "q=",
    "UA-of-the-customer",
    "previous-page",
    "customer@example.com",
    "sana.qureshi",
    "RX-ABCDEFGH",
    "rx-abcdefgh",
]


def application(environ, start_response):
    """What gunicorn serves in the test below: a page, and a page that fails."""
    if environ["PATH_INFO"] == "/fails/":
        raise RuntimeError("could not reach customer@example.com")
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url, **headers):
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def wait_until_listening(port, server, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert server.poll() is None, server.communicate()
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("gunicorn did not start")


def test_the_access_log_names_the_path_and_never_the_query_string_referrer_user_agent_or_address():
    settings = runpy.run_path(str(CONFIG))

    atoms = settings["access_log_format"].replace("%(", " ").replace(")s", " ").split()
    assert atoms == ["m", "U", "s", "B", "M"]
    assert settings["logconfig_dict"] == gunicorn_logging("INFO")
    assert settings["control_socket_disable"] is True


def raw_request(port, request: bytes) -> bytes:
    """Bytes on the wire, for a request no HTTP library would send."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
        connection.sendall(request)
        return connection.recv(1024)


def test_gunicorn_writes_json_lines_without_query_strings_or_what_the_client_sent():
    port = free_port()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-c",
            str(CONFIG),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "tests.shop.test_gunicorn:application",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until_listening(port, server)
        page = get(
            f"http://127.0.0.1:{port}/search/a%22b%5Cc/?q=isotretinoin+pregnant",
            Referer="https://jild.example.pk/previous-page/?q=isotretinoin",
            **{"User-Agent": "UA-of-the-customer"},
        )
        failure = get(f"http://127.0.0.1:{port}/fails/?q=isotretinoin")
        # An odd address holding an email and a prescription reference.
        odd = get(f"http://127.0.0.1:{port}/accounts/sana.qureshi@example.com/RX-ABCDEFGH/")
        # Refused by gunicorn itself, before any path was read: the line
        # names the path from the request line, still percent-encoded.
        refused = raw_request(
            port,
            b"GET /accounts/sana.qureshi%40example.com/rx-abcdefgh/?q=isotretinoin HTTP/1.1\r\n"
            b"Host: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        )
    finally:
        server.send_signal(signal.SIGTERM)
        out, err = server.communicate(timeout=30)

    assert (page, failure, odd) == (200, 500, 200)
    assert refused.startswith(b"HTTP/1.1 400 ")
    assert err == ""
    entries = [json.loads(line) for line in out.splitlines()]
    access = [entry for entry in entries if entry["logger"] == "gunicorn.access"]
    assert [{k: v for k, v in entry.items() if k != "time"} for entry in access] == [
        {
            "level": "INFO",
            "logger": "gunicorn.access",
            "method": "GET",
            "path": '/search/a"b\\c/',
            "status": 200,
            "bytes": 2,
            "duration_ms": access[0]["duration_ms"],
        },
        {
            "level": "INFO",
            "logger": "gunicorn.access",
            "method": "GET",
            "path": "/fails/",
            "status": 500,
            "bytes": access[1]["bytes"],
            "duration_ms": access[1]["duration_ms"],
        },
        {
            "level": "INFO",
            "logger": "gunicorn.access",
            "method": "GET",
            "path": "/accounts/[email]/[prescription]/",
            "status": 200,
            "bytes": 2,
            "duration_ms": access[2]["duration_ms"],
        },
        {
            "level": "INFO",
            "logger": "gunicorn.access",
            "method": "GET",
            "path": "/accounts/[email]/[prescription]/",
            "status": 400,
            "bytes": access[3]["bytes"],
            "duration_ms": access[3]["duration_ms"],
        },
    ]
    assert isinstance(access[0]["duration_ms"], int)
    (error,) = [entry for entry in entries if entry["level"] == "ERROR"]
    assert error["logger"] == "gunicorn.error"
    assert error["message"] == "Error handling request GET /fails/"
    assert "RuntimeError: [withheld]" in error["exception"]
    assert any(entry["message"].startswith("Listening at: http://127.0.0.1:") for entry in entries)
    for word in NEVER_LOGGED:
        assert word not in out, word
