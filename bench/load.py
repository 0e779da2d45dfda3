"""Load test: mixed traffic from locust against gunicorn on 127.0.0.1, for a bounded time.

    pip install -e ".[bench]"                        # once: locust
    .venv/bin/python bench/load.py                   # 20 users for 90 s
    .venv/bin/python bench/load.py --users 50 --duration 120s

It serves the production profile (bench/load_settings.py: shop.settings.production
over plain HTTP, files on local disk) on PostgreSQL and Redis at 127.0.0.1, with
the committed gunicorn settings (shop/gunicorn.conf.py). It builds a fresh
database of its own (``loadtest``; the demo shop plus load-test customers),
empties its own Redis databases (9 for the cache, 10 for sessions), collects the
static files into var/load/static, runs bench/locustfile.py headless, and prints
locust's totals, a line per request, and what gunicorn's log holds. It exits
non-zero if any request failed, or the log holds a line that is not JSON or
holds personal data; errors in the log are printed.
Locust's CSV files and gunicorn's log are in var/load/.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
OUT = ROOT / "var" / "load"
# What the simulated visitors are, search for or upload, none of which
# gunicorn's or the shop's log lines may carry. (Product pages' paths name
# their product, as any access log would.)
PRIVATE = ["@example.com", "q=", "Load Test Patient", "Dr. Load Test", "12345-P", "RX-"]


def run(*args, env, check=True, capture=False):
    print("$", " ".join(args), flush=True)
    return subprocess.run(args, cwd=ROOT, env=env, check=check, capture_output=capture, text=True)


def server_env(args) -> dict:
    inherited = {k: v for k, v in os.environ.items() if k not in ("CACHE_URL", "TEST_CACHE_URL", "DATABASE_URL")}
    return {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "bench.load_settings",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{args.db_name}",
        "REDIS_URL": f"redis://127.0.0.1:6379/{args.redis_db}",
        "REDIS_SESSIONS_URL": f"redis://127.0.0.1:6379/{args.redis_db + 1}",
        "EMAIL_URL": "dummymail://",
        # Every simulated visitor comes through "our proxy" with its own address.
        "TRUSTED_PROXY_COUNT": "1",
        "MEDIA_ROOT": str(OUT / "media"),
        "PRESCRIPTION_ROOT": str(OUT / "private"),
        "LOG_LEVEL": "INFO",
    }


def prepare(env: dict, args) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    run("dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", args.db_name, env=env)
    run("createdb", "-h", "127.0.0.1", "-U", "postgres", args.db_name, env=env)
    for database in (args.redis_db, args.redis_db + 1):
        run("redis-cli", "-h", "127.0.0.1", "-n", str(database), "flushdb", env=env)
    run(PYTHON, "manage.py", "collectstatic", "--noinput", "--clear", "-v0", env=env)
    run(PYTHON, "manage.py", "migrate", "--noinput", "-v0", env=env)
    run(PYTHON, "manage.py", "load_demo_shop", env=env)
    make_customers = (
        "from django.contrib.auth import get_user_model;"
        "User = get_user_model();"
        f"[User.objects.filter(email=f'load-customer-{{n}}@example.com').exists() or "
        f"User.objects.create_user(username=f'load-{{n}}', email=f'load-customer-{{n}}@example.com', "
        f"password='load-test-2026') for n in range(1, {args.users * 2} + 1)]"
    )
    run(PYTHON, "manage.py", "shell", "-c", make_customers, env=env)


def prescriptions_stored(env: dict) -> str:
    count = "from prescriptions.models import Prescription;print('stored', Prescription.objects.count())"
    result = run(PYTHON, "manage.py", "shell", "-c", count, env=env, capture=True)
    return next((line.split()[1] for line in result.stdout.splitlines() if line.startswith("stored ")), "?")


def wait_for_server(url: str, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}; see {OUT / 'gunicorn.log'}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"gunicorn did not answer on {url}")


def read_log(path: Path) -> dict:
    """What gunicorn and the shop wrote: line counts, and anything that should not be there."""
    lines = path.read_text(errors="replace").splitlines()
    entries, not_json = [], []
    for line in lines:
        try:
            entries.append(json.loads(line))
        except ValueError:
            not_json.append(line)
    return {
        "lines": len(lines),
        "access": sum(1 for entry in entries if entry.get("logger") == "gunicorn.access"),
        "errors": [entry for entry in entries if entry.get("level") in ("ERROR", "CRITICAL")],
        "not_json": not_json,
        "private": sorted({word for word in PRIVATE for line in lines if word in line}),
    }


def summarise(entries: list[dict]) -> list[dict]:
    """One row per request name and a last one for all, from locust's final JSON stats."""
    from locust.stats import calculate_response_time_percentile as percentile

    def row(name, requests, failures, times, started, ended):
        return {
            "name": name,
            "requests": requests,
            "failures": failures,
            "p50": percentile(times, requests, 0.5),
            "p99": percentile(times, requests, 0.99),
            "rps": requests / max(ended - started, 1e-9),
        }

    rows, merged = [], {}
    for entry in sorted(entries, key=lambda entry: entry["name"]):
        times = {int(ms): count for ms, count in entry["response_times"].items()}
        for ms, count in times.items():
            merged[ms] = merged.get(ms, 0) + count
        ended = entry["last_request_timestamp"] or entry["start_time"]
        rows.append(
            row(
                f"{entry['method']} `{entry['name']}`",
                entry["num_requests"],
                entry["num_failures"],
                times,
                entry["start_time"],
                ended,
            )
        )
    started = min(entry["start_time"] for entry in entries)
    ended = max(entry["last_request_timestamp"] or entry["start_time"] for entry in entries)
    requests, failures = sum(r["requests"] for r in rows), sum(r["failures"] for r in rows)
    rows.append(row("**all**", requests, failures, merged, started, ended))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--spawn-rate", type=float, default=4)
    parser.add_argument("--duration", default="90s", help="locust's --run-time, e.g. 90s or 2m")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--port", type=int, default=8200)
    parser.add_argument("--db-name", default="loadtest", help="PostgreSQL database, dropped and created again")
    parser.add_argument("--redis-db", type=int, default=9, help="Redis database for the cache; sessions use the next")
    args = parser.parse_args()

    env = server_env(args)
    prepare(env, args)
    log_path = OUT / "gunicorn.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "gunicorn",
                "-c",
                "shop/gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{args.port}",
                "--workers",
                str(args.workers),
                "shop.wsgi:application",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_server(f"http://127.0.0.1:{args.port}/", server)
        result = run(
            PYTHON,
            "-m",
            "locust",
            "-f",
            "bench/locustfile.py",
            "--headless",
            "-u",
            str(args.users),
            "-r",
            str(args.spawn_rate),
            "-t",
            args.duration,
            "--host",
            f"http://127.0.0.1:{args.port}",
            "--csv",
            str(OUT / "locust"),
            "--json-file",
            str(OUT / "locust"),  # locust adds ".json"
            "--only-summary",
            env=env,
            check=False,
        )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    rows = summarise(json.loads((OUT / "locust.json").read_text()))
    print("\n| request | requests | failures | p50 ms | p99 ms |\n|---|---:|---:|---:|---:|")
    for row in rows:
        print(f"| {row['name']} | {row['requests']} | {row['failures']} | {row['p50']} | {row['p99']} |")
    total = rows[-1]
    requests, failures = total["requests"], total["failures"]
    if failures:
        with open(OUT / "locust_failures.csv", newline="") as f:
            for failure in csv.DictReader(f):
                print(
                    f"  failed: {failure['Method']} {failure['Name']}: {failure['Error']} ({failure['Occurrences']}x)"
                )
    log = read_log(log_path)
    print(
        f"\n{args.users} users, {args.duration}, {args.workers} workers: {requests} requests, {failures} failures, "
        f"{total['rps']:.1f} req/s, p50 {total['p50']} ms, p99 {total['p99']} ms; "
        f"{prescriptions_stored(env)} prescriptions stored"
    )
    print(
        f"gunicorn log ({log_path}): {log['lines']} lines, {log['access']} access lines, "
        f"{len(log['errors'])} errors, {len(log['not_json'])} lines not JSON, personal data: {log['private'] or 'none'}"
    )
    for entry in log["errors"][:5]:
        print("  error:", entry.get("logger"), entry.get("message"))
    for line in log["not_json"][:5]:
        print("  not JSON:", line[:200])
    # Errors in the log are shown, not fatal: the requests' outcome is what the
    # run measures, and each error is worth reading (bench/README.md).
    clean_log = not (log["not_json"] or log["private"])
    return 0 if not failures and result.returncode == 0 and clean_log else 1


if __name__ == "__main__":
    sys.exit(main())
