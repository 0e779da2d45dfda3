"""Benchmark the shop under gunicorn with wrk, at several catalogue sizes.

Usage (from the repository root; see bench/README.md):

    .venv/bin/python bench/run.py                    # 1,000 and 100,000 products
    .venv/bin/python bench/run.py --sizes 1000 --duration 5

For each size it builds (or reuses) a benchmark-only SQLite database
``var/bench-<size>.sqlite3``: migrate, ``load_demo_shop``, ``generate_catalogue``.
It then serves it with gunicorn on 127.0.0.1, logs a customer and the demo
pharmacist in over HTTP, fills a 10-line basket, measures every page with wrk,
counts each page's SQL queries in-process (bench/django_side.py), and prints
one Markdown table per size, also saved to bench/results/<timestamp>.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from bench.wrk import WrkResult, run_wrk, wrk_available  # noqa: E402

VAR = ROOT / "var"
RESULTS = ROOT / "bench" / "results"
DEMO_PASSWORD = "shop-demo-2026"
PHARMACIST = "pharmacist@example.com"
HOST = "127.0.0.1"


@dataclass
class Page:
    name: str
    url: str
    session: str | None = None  # which logged-in session's cookie to send
    wrk: bool = True  # False: queries only
    login_as: str | None = None  # queries only: log this user in in-process
    wrk_result: WrkResult | None = None
    all_rps: list[float] = field(default_factory=list)  # every measured run, when repeated
    load_before: float | None = None  # 1-minute load average when its measurement started
    counted: dict = field(default_factory=dict)


@dataclass
class SizeResult:
    size: int
    prescriptions: int
    database: Path
    built: dict
    catalogue: dict
    pages: list[Page]
    server_errors: int = 0


def main() -> None:
    args = parse_args()
    if not wrk_available():
        sys.exit("wrk is not installed: apt-get install -y wrk")
    secret_key = "bench-only-" + secrets.token_urlsafe(32)
    started = datetime.datetime.now(datetime.UTC)
    results = []
    for size in args.sizes:
        prescriptions = args.prescriptions if args.prescriptions is not None else size
        results.append(bench_size(size, prescriptions, args, secret_key))
    report = render(results, args, started)
    print(report)
    if not args.no_save:
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = RESULTS / f"{started:%Y-%m-%dT%H%MZ}.md"
        path.write_text(report)
        print(f"\nSaved to {path.relative_to(ROOT)}", file=sys.stderr)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000], help="catalogue sizes (products)")
    parser.add_argument(
        "--prescriptions", type=int, default=None, help="synthetic prescriptions per size (default: the size)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--duration", type=int, default=15, help="seconds of wrk per page (default 15)")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of wrk warm-up per page (default 3)")
    parser.add_argument(
        "--repeat", type=int, default=1, help="measured wrk runs per page; the median run is reported (default 1)"
    )
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default 1, to leave the CPU to gunicorn)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument("--port", type=int, default=8100, help="first port to try (default 8100)")
    parser.add_argument("--search", default="sunscreen", help="the search query measured (default: sunscreen)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the benchmark databases from scratch")
    parser.add_argument("--no-save", action="store_true", help="do not write bench/results/<timestamp>.md")
    return parser.parse_args()


# --- Environment and database ------------------------------------------------------------


def bench_env(size: int, secret_key: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "CACHE_URL"))}
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DATABASE_URL=f"sqlite:///{database_path(size)}",
        # The benchmark never writes into the shop's own media or prescription folders.
        MEDIA_ROOT=str(VAR / "bench" / "media"),
        PRESCRIPTION_ROOT=str(VAR / "bench" / "private"),
        DEBUG="False",
        SECRET_KEY=secret_key,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        CACHE_URL="locmemcache://bench",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
        BENCH_PASSWORD=secret_key[-16:],
    )
    return env


def database_path(size: int) -> Path:
    return VAR / f"bench-{size}.sqlite3"


def manage(env: dict, *arguments: str) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "manage.py", *arguments], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        sys.exit(f"manage.py {' '.join(arguments)} failed:\n{done.stdout}\n{done.stderr}")
    return time.perf_counter() - started, done.stdout


def prepare_database(size: int, prescriptions: int, args, env: dict) -> dict:
    """Build the size's database, or reuse the one an earlier run built with the same options."""
    database = database_path(size)
    marker = database.with_suffix(".json")
    wanted = {"products": size, "prescriptions": prescriptions, "seed": args.seed}
    if not args.rebuild and database.exists() and marker.exists():
        built = json.loads(marker.read_text())
        if {k: built.get(k) for k in wanted} == wanted:
            log(f"Reusing {database.relative_to(ROOT)} (built {built['built_at']}); migrating it")
            # The code may have new migrations (indexes...) since the database was built.
            _seconds, migrated = manage(env, "migrate", "--noinput", "-v1")
            applied = [
                line.split("Applying ", 1)[1].split("...")[0] for line in migrated.splitlines() if "Applying " in line
            ]
            if applied:
                log(f"  applied {', '.join(applied)}")
            # Databases built before generate_catalogue refreshed the planner's
            # statistics have none; without them SQLite ignores the browsing indexes.
            manage(env, "shell", "-c", "from shop.db import refresh_planner_statistics; refresh_planner_statistics()")
            return {**built, "reused": True, "applied_on_reuse": applied}
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    marker.unlink(missing_ok=True)
    log(f"Building {database.relative_to(ROOT)}: migrate")
    migrate_s, _out = manage(env, "migrate", "--noinput", "-v0")
    log("  load_demo_shop")
    demo_s, _out = manage(env, "load_demo_shop")
    log(f"  generate_catalogue --products {size} --prescriptions {prescriptions}")
    generate_s, generate_out = manage(
        env, "generate_catalogue", f"--products={size}", f"--prescriptions={prescriptions}", f"--seed={args.seed}"
    )
    log("    " + generate_out.strip().replace("\n", "\n    "))
    built = {
        **wanted,
        "built_at": f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
        "migrate_s": round(migrate_s, 1),
        "load_demo_shop_s": round(demo_s, 1),
        "generate_catalogue_s": round(generate_s, 1),
        "generate_catalogue_output": generate_out.strip(),
    }
    marker.write_text(json.dumps(built, indent=2))
    return {**built, "reused": False}


def django_side(env: dict, *arguments: str, stdin: dict | None = None) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "bench.django_side", *arguments],
        cwd=ROOT,
        env=env,
        input=json.dumps(stdin) if stdin is not None else None,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.exit(f"bench.django_side {' '.join(arguments)} failed:\n{done.stderr}")
    return json.loads(done.stdout)


# --- gunicorn --------------------------------------------------------------------------


def free_port(first: int) -> int:
    for port in range(first, first + 50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind((HOST, port))
            except OSError:
                continue
            return port
    sys.exit(f"No free port from {first} to {first + 49}")


class Gunicorn:
    def __init__(self, env: dict, port: int, workers: int, log_path: Path):
        gunicorn = Path(sys.executable).parent / "gunicorn"
        self.base = f"http://{HOST}:{port}"
        self.log_path = log_path
        self.log_file = log_path.open("w")
        self.process = subprocess.Popen(
            [
                str(gunicorn if gunicorn.exists() else shutil.which("gunicorn")),
                "shop.wsgi:application",
                f"--workers={workers}",
                "--worker-class=sync",
                f"--bind={HOST}:{port}",
                "--timeout=120",
                "--log-level=warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_until_up(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"gunicorn exited with {self.process.returncode}; see {self.log_file.name}")
            try:
                if requests.get(f"{self.base}/__bench__/bare/", timeout=2).status_code == 200:
                    return
            except (requests.ConnectionError, requests.Timeout):
                # Not listening yet, or a worker still importing the project on a busy machine.
                pass
            time.sleep(0.3)
        self.stop()
        sys.exit(f"gunicorn did not answer within {timeout} s; see {self.log_file.name}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # the arbiter stops its own workers
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log_file.close()


# --- Sessions over HTTP ------------------------------------------------------------------


def login(base: str, email: str, password: str) -> requests.Session:
    """Log in through the shop's own login form, as a browser would."""
    session = requests.Session()
    page = session.get(f"{base}/accounts/login/", timeout=30)
    page.raise_for_status()
    response = session.post(
        f"{base}/accounts/login/",
        data={
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
            "login-username": email,
            "login-password": password,
            "login_submit": "Log in",
        },
        headers={"Referer": f"{base}/accounts/login/"},
        allow_redirects=False,
        timeout=30,
    )
    if response.status_code != 302 or "sessionid" not in session.cookies:
        sys.exit(f"Could not log in as {email}: HTTP {response.status_code}")
    return session


def fill_basket(base: str, session: requests.Session, product_ids: list[int]) -> None:
    for pk in product_ids:
        response = session.post(
            f"{base}/basket/add/{pk}/",
            data={"csrfmiddlewaretoken": session.cookies["csrftoken"], "quantity": 1},
            headers={"Referer": f"{base}/catalogue/"},
            allow_redirects=False,
            timeout=30,
        )
        if response.status_code != 302:
            sys.exit(f"Could not add product {pk} to the basket: HTTP {response.status_code}")


# --- One catalogue size ----------------------------------------------------------------


def bench_size(size: int, prescriptions: int, args, secret_key: str) -> SizeResult:
    env = bench_env(size, secret_key)
    log(f"== {size:,} products, {prescriptions:,} prescriptions")
    built = prepare_database(size, prescriptions, args, env)
    setup = django_side(env, "setup")
    pages = [
        Page("browse", "/catalogue/"),
        Page("category", setup["category_url"]),
        Page("search", f"/search/?q={args.search}"),
        Page("product (isotretinoin)", setup["product_url"]),
        Page("basket, 10 lines", "/basket/", session="customer"),
        Page("pharmacist queue", "/dashboard/pharmacy/", session="pharmacist"),
        Page("pharmacist queue, all statuses (extra)", "/dashboard/pharmacy/?status=all", session="pharmacist"),
        Page("home page (extra)", "/"),
        Page("basket, 1 line (queries only)", "/basket/", wrk=False, login_as=setup["one_line_basket_user"]),
        Page("bare Django view (floor)", "/__bench__/bare/"),
        Page("static file via WhiteNoise (floor)", "/static/shop/css/shop.css"),
    ]

    port = free_port(args.port)
    server = Gunicorn(env, port, args.workers, VAR / f"bench-{size}-gunicorn.log")
    try:
        server.wait_until_up()
        sessions = {
            "customer": login(server.base, setup["basket_user"], env["BENCH_PASSWORD"]),
            "pharmacist": login(server.base, PHARMACIST, DEMO_PASSWORD),
        }
        fill_basket(server.base, sessions["customer"], setup["basket_product_ids"])
        lines = django_side(env, "basket-lines", setup["basket_user"])["lines"]
        if lines != len(setup["basket_product_ids"]):
            sys.exit(f"The benchmark basket has {lines} lines, not {len(setup['basket_product_ids'])}")
        cookies = {name: {"sessionid": s.cookies["sessionid"]} for name, s in sessions.items()}
        for page in pages:
            if not page.wrk:
                continue
            check = requests.get(
                server.base + page.url, cookies=cookies.get(page.session), allow_redirects=False, timeout=60
            )
            if check.status_code != 200:
                sys.exit(f"{page.name} ({page.url}) answered HTTP {check.status_code}, not 200")
            cookie = f"sessionid={cookies[page.session]['sessionid']}" if page.session else None
            url = server.base + page.url
            log(f"  wrk {page.name}: {page.url}")
            run_wrk(url, duration=args.warmup, connections=args.connections, threads=args.threads, cookie=cookie)
            page.load_before = os.getloadavg()[0]
            runs = [
                run_wrk(url, duration=args.duration, connections=args.connections, threads=args.threads, cookie=cookie)
                for _ in range(max(1, args.repeat))
            ]
            runs.sort(key=lambda run: run.requests_per_second)
            page.wrk_result = runs[len(runs) // 2]
            page.all_rps = [run.requests_per_second for run in runs]
            log(f"    {page.wrk_result.requests_per_second:,.1f} req/s, p50 {page.wrk_result.p50_ms:.1f} ms")
    finally:
        server.stop()
    server_errors = server.log_path.read_text().count("Traceback")

    counted = django_side(
        env,
        "count",
        stdin={
            "host": HOST,
            "pages": [
                {
                    "name": page.name,
                    "url": page.url,
                    "cookies": cookies.get(page.session) if page.session else None,
                    "login_as": page.login_as,
                }
                for page in pages
            ],
        },
    )
    for page in pages:
        page.counted = counted[page.name]
        if page.counted["status"] != 200:
            sys.exit(f"{page.name} answered HTTP {page.counted['status']} in-process, not 200")
    return SizeResult(size, prescriptions, database_path(size), built, setup["catalogue"], pages, server_errors)


# --- Report ------------------------------------------------------------------------------


def render(results: list[SizeResult], args, started: datetime.datetime) -> str:
    import django
    import oscar

    lines = [
        f"# Benchmark, {started:%Y-%m-%d %H:%M} UTC",
        "",
        f"- Machine: {os.cpu_count()} CPUs ({cpu_model()}), Python {platform.python_version()}, "
        f"Django {django.get_version()}, django-oscar {oscar.get_version()}, SQLite; commit {git_commit()}",
        f"- Server: gunicorn, {args.workers} sync workers, 127.0.0.1, settings `bench.settings` "
        "(= `shop.settings.local` plus the bare view), DEBUG=False, local-memory cache",
        f"- Load: `wrk -t{args.threads} -c{args.connections} -d{args.duration}s --latency` per page, "
        f"after a {args.warmup} s warm-up run; queries counted in-process (Django test client, "
        "same database, page warmed once)",
        f"- Load average before the run: {', '.join(f'{x:.2f}' for x in os.getloadavg())}",
    ]
    for result in results:
        built, cat = result.built, result.catalogue
        how = "reused from an earlier run" if built.get("reused") else "built by this run"
        if built.get("applied_on_reuse"):
            how += f", then migrated ({', '.join(built['applied_on_reuse'])})"
        lines += [
            "",
            f"## {result.size:,} products",
            "",
            f"Catalogue: {cat['products']:,} products ({cat['browsable']:,} browsable, including the 29 demo ones), "
            f"{cat['prescriptions']:,} prescriptions ({cat['pending']:,} pending). Database "
            f"`{result.database.relative_to(ROOT)}`, {how} ({built['built_at']}): "
            f"generate_catalogue took {built['generate_catalogue_s']} s "
            f"(migrate {built['migrate_s']} s, load_demo_shop {built['load_demo_shop_s']} s).",
            "",
            "| page | req/s | p50 ms | p99 ms | queries |",
            "|---|---:|---:|---:|---:|",
        ]
        for page in result.pages:
            w = page.wrk_result
            numbers = f"{w.requests_per_second:,.1f} | {w.p50_ms:,.1f} | {w.p99_ms:,.1f}" if w else "– | – | –"
            flags = ""
            if w and (w.non_2xx or w.socket_errors):
                flags = f" ⚠ {w.non_2xx} non-2xx, {w.socket_errors} socket errors"
            lines.append(f"| {page.name} `{page.url}`{flags} | {numbers} | {page.counted['queries']} |")
        if result.server_errors:
            lines += [
                "",
                f"⚠ gunicorn logged {result.server_errors} tracebacks: see var/bench-{result.size}-gunicorn.log",
            ]
    lines += ["", "## Queries per page", ""]
    lines.append(
        "Repeated query shapes (same SQL with other values), and the slowest queries (10 ms or more, "
        "at most three) with SQLite's query plan."
    )
    for result in results:
        lines += ["", f"### {result.size:,} products"]
        for page in result.pages:
            c = page.counted
            measured = ""
            if page.wrk_result:
                runs = ", ".join(f"{rps:,.1f}" for rps in page.all_rps)
                measured = f"; req/s of each run: {runs}; load average before: {page.load_before:.2f}"
            lines += [
                "",
                f"- **{page.name}**: {c['queries']} queries, {c['query_ms']} ms of SQL in-process{measured}",
            ]
            for repeated in c["repeated"]:
                lines.append(f"  - {repeated['times']}× `{one_line(repeated['sql'], 160)}`")
            for query in c["slow"]:
                lines.append(f"  - slow, {query['ms']} ms: `{one_line(query['sql'], 400)}`")
                if query["plan"]:
                    lines.append(f"    plan: {'; '.join(query['plan'])}")
    return "\n".join(lines) + "\n"


_COLUMNS = re.compile(r"^SELECT (?:DISTINCT )?(.+?) FROM ", re.S)


def one_line(sql: str, limit: int) -> str:
    """The SQL on one line, with a long column list shortened to …."""
    text = " ".join(sql.split()).replace("`", "'")
    columns = _COLUMNS.match(text)
    if columns and len(columns.group(1)) > 60:
        text = text[: columns.start(1)] + "…" + text[columns.end(1) :]
    return text if len(text) <= limit else text[: limit - 1] + "…"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def git_commit() -> str:
    done = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True)
    return done.stdout.strip() or "unknown"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
