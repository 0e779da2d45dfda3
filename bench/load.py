"""Load test: mixed traffic from locust against gunicorn on 127.0.0.1, for a bounded time.

    .venv/bin/python bench/load.py                  # 20 users for 60 s, PostgreSQL + Redis
    .venv/bin/python bench/load.py --users 50 --duration 120
    .venv/bin/python bench/load.py --database sqlite # no PostgreSQL/Redis needed

It builds a fresh database (the demo shop plus load-test customers), starts
gunicorn with the shop's settings and DEBUG off, runs bench/locustfile.py
headless, prints locust's summary and exits non-zero if any request failed.
Needs the bench extra: pip install -e ".[bench]".
"""

from __future__ import annotations

import argparse
import csv
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PORT = 8200
OUT = ROOT / "var" / "load"


def run(*args, env, check=True):
    print("$", " ".join(args), flush=True)
    return subprocess.run(args, cwd=ROOT, env=env, check=check)


def database_env(kind: str) -> dict:
    if kind == "postgres":
        return {
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/jild_load",
            "CACHE_URL": "rediscache://127.0.0.1:6379/3",
        }
    return {"DATABASE_URL": f"sqlite:///{OUT / 'load.sqlite3'}", "CACHE_URL": "locmemcache://load"}


def prepare(env: dict, kind: str, customers: int) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    if kind == "postgres":
        run("dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "jild_load", env=env)
        run("createdb", "-h", "127.0.0.1", "-U", "postgres", "jild_load", env=env)
        run("redis-cli", "-n", "3", "flushdb", env=env)
    else:
        (OUT / "load.sqlite3").unlink(missing_ok=True)
    run(PYTHON, "manage.py", "migrate", "--noinput", "-v0", env=env)
    run(PYTHON, "manage.py", "load_demo_shop", env=env)
    make_customers = (
        "from django.contrib.auth import get_user_model;"
        "User = get_user_model();"
        f"[User.objects.filter(email=f'load-customer-{{n}}@example.com').exists() or "
        f"User.objects.create_user(username=f'load-{{n}}', email=f'load-customer-{{n}}@example.com', "
        f"password='load-test-2026') for n in range(1, {customers} + 1)]"
    )
    run(PYTHON, "manage.py", "shell", "-c", make_customers, env=env)


def wait_for_server(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"gunicorn did not answer on {url}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--spawn-rate", type=float, default=4)
    parser.add_argument("--duration", default="60s")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    args = parser.parse_args()

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "shop.settings.local",
        "DEBUG": "False",
        "SECRET_KEY": "load-test-only",
        # Every simulated visitor comes through "our proxy" with its own address.
        "TRUSTED_PROXY_COUNT": "1",
        "MEDIA_ROOT": str(OUT / "media"),
        "PRESCRIPTION_ROOT": str(OUT / "private"),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        **database_env(args.database),
    }
    prepare(env, args.database, customers=args.users * 2)

    server = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "shop.wsgi:application",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_for_server(f"http://127.0.0.1:{PORT}/")
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
            f"http://127.0.0.1:{PORT}",
            "--csv",
            str(OUT / "locust"),
            "--only-summary",
            env=env,
            check=False,
        )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    with open(OUT / "locust_stats.csv", newline="") as f:
        total = next(row for row in csv.DictReader(f) if row["Name"] == "Aggregated")
    requests, failures = int(total["Request Count"]), int(total["Failure Count"])
    print(
        f"\n{args.users} users, {args.duration}: {requests} requests, {failures} failures, "
        f"{float(total['Requests/s']):.1f} req/s, p50 {total['50%']} ms, p99 {total['99%']} ms"
    )
    return 1 if failures or result.returncode else 0


if __name__ == "__main__":
    sys.exit(main())
