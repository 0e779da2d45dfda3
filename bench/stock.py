"""Measure the shop against stock django-oscar 4.2 on this machine, interleaved page by page.

Usage (from the repository root; see bench/README.md, "Stock django-oscar 4.2, for comparison"):

    .venv/bin/python bench/stock.py                          # 1,000 products, 3 rounds of 15 s
    .venv/bin/python bench/stock.py --rounds 1 --duration 5  # a quick look, about 3 minutes
    .venv/bin/python bench/stock.py --rebuild                # build the stock project again
    .venv/bin/python bench/stock.py --help                   # every option

What it does:

1. Builds a throw-away stock Oscar project in ``var/stock-oscar/`` (git-ignored): its own
   virtualenv with django-oscar 4.2.1 from PyPI, a settings module as Oscar's "Building your own
   shop" page describes it (Oscar's apps, middleware and context processors, ``ATOMIC_REQUESTS``,
   SQLite, a Whoosh search index, DEBUG=False) plus a bare view at ``/__bench__/bare/``. It imports
   the same synthetic products the shop's ``generate_catalogue --products N --seed S`` makes
   (``demo.generator.product_spec``: titles, descriptions, categories, prices, stock) through
   Oscar's own ``oscar_import_catalogue``, then runs ``rebuild_index``. A later run reuses the
   project when ``var/stock-oscar/build.json`` says it was built with the same options and the
   same generated files; ``--rebuild`` starts again from scratch.
2. Builds or reuses the shop's benchmark database ``var/bench-<N>.sqlite3`` with bench/run.py's
   own helpers, so the shop is served exactly as run.py serves it (``bench.settings``, the same
   environment).
3. Serves both at once, each with ``gunicorn --workers 2`` (sync) on 127.0.0.1.
4. Logs a customer in on each side and fills a 10-line basket through the basket form, checks
   every page answers 200, then measures each page with the wrk command run.py uses, interleaved:
   for each page the shop then stock Oscar (stock first every other round), for ``--rounds`` rounds.
5. Prints a Markdown table, saved to ``bench/results/stock-<UTC timestamp>.md``.

Needs wrk and, like bench/run.py, ``requests`` (the bench extra: ``pip install -e ".[bench]"``).
The shop's database is reused as run.py leaves it; ``bench/run.py --rebuild`` rebuilds it.
Building the stock project takes about two minutes at 1,000 products (most of it ``migrate``
and ``rebuild_index``); Oscar's importer saves products one by one, so 100,000 take far longer.

After every wrk run the script waits until that side's gunicorn workers are idle again: wrk
stops with a request queued on each connection, which sync workers still serve, and for stock
Oscar's slow pages that is seconds of CPU the next run (either side's) would otherwise pay for.

The ratio is shop ÷ stock, the median of the per-round ratios, each taken between the requests/s
that answered 200 on both sides: stock Oscar's product page answers some requests with HTTP 500
("database is locked") under load, and wrk counts those quick failures as requests.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime
import hashlib
import json
import os
import platform
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from bench.run import (  # noqa: E402
    HOST,
    RESULTS,
    VAR,
    Gunicorn,
    bench_env,
    cpu_model,
    database_path,
    django_side,
    fill_basket,
    free_port,
    git_commit,
    log,
    login,
    prepare_database,
)
from bench.wrk import WrkResult, run_wrk, wrk_available  # noqa: E402

STOCK_DIR = VAR / "stock-oscar"
STOCK_VENV = STOCK_DIR / "venv"
STOCK_PYTHON = STOCK_VENV / "bin" / "python"
MARKER = STOCK_DIR / "build.json"
LOGS = STOCK_DIR / "logs"

# Stock Oscar as PyPI resolves it today. Oscar 4.2 asks only for treebeard>=4.3, and treebeard 6+
# deprecates (7 removes) tree methods Oscar 4.2 calls; the shop pins <6 for that reason, so stock
# gets the same treebeard and the two sides differ only in what the shop changed.
REQUIREMENTS = (
    "django-oscar==4.2.1",
    "django>=5.2,<5.3",
    "django-haystack>=3.3",
    "whoosh>=2.7.4",
    "django-treebeard>=4.7,<6",
    "gunicorn",
    "pycountry",
    "sorl-thumbnail",
)
REPORTED_PACKAGES = ("django-oscar", "django", "django-haystack", "whoosh", "django-treebeard", "gunicorn")

PARTNER = "jild"  # the shop's partner name, so stock records read the same
CATEGORY_NAME = "Acne"  # the shop's largest top-level category, as bench/run.py measures
# Stock's product page shows the synthetic product closest to the shop's isotretinoin 20 mg.
STOCK_PRODUCT_TITLE = "isotretinoin 20 mg capsules"
BASKET_LINES = 10
STOCK_CUSTOMER = "bench-stock-basket@example.invalid"
# Issue 7's throughput targets: shop ÷ stock.
TARGETS = {"browse": 10.0, "category": 10.0, "product page": 3.0}


# --- The generated stock project --------------------------------------------------------

MANAGE_PY = '''\
#!/usr/bin/env python
"""The stock Oscar project's manage.py (written by bench/stock.py)."""
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stock.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
'''

WSGI_PY = '''\
"""WSGI entry point for gunicorn (written by bench/stock.py)."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stock.settings")
application = get_wsgi_application()
'''

SETTINGS_PY = '''\
"""Stock django-oscar, set up as Oscar's "Building your own shop" page says (written by bench/stock.py).

Benchmark only: the secret key is fixed and public, and nothing here is tuned.
"""
import os
from pathlib import Path

from oscar.defaults import *  # noqa: F403

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = "stock-oscar-bench-only-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.flatpages",
    "oscar.config.Shop",
    "oscar.apps.analytics.apps.AnalyticsConfig",
    "oscar.apps.checkout.apps.CheckoutConfig",
    "oscar.apps.address.apps.AddressConfig",
    "oscar.apps.shipping.apps.ShippingConfig",
    "oscar.apps.catalogue.apps.CatalogueConfig",
    "oscar.apps.catalogue.reviews.apps.CatalogueReviewsConfig",
    "oscar.apps.communication.apps.CommunicationConfig",
    "oscar.apps.partner.apps.PartnerConfig",
    "oscar.apps.basket.apps.BasketConfig",
    "oscar.apps.payment.apps.PaymentConfig",
    "oscar.apps.offer.apps.OfferConfig",
    "oscar.apps.order.apps.OrderConfig",
    "oscar.apps.customer.apps.CustomerConfig",
    "oscar.apps.search.apps.SearchConfig",
    "oscar.apps.voucher.apps.VoucherConfig",
    "oscar.apps.wishlists.apps.WishlistsConfig",
    "oscar.apps.dashboard.apps.DashboardConfig",
    "oscar.apps.dashboard.reports.apps.ReportsDashboardConfig",
    "oscar.apps.dashboard.users.apps.UsersDashboardConfig",
    "oscar.apps.dashboard.orders.apps.OrdersDashboardConfig",
    "oscar.apps.dashboard.catalogue.apps.CatalogueDashboardConfig",
    "oscar.apps.dashboard.offers.apps.OffersDashboardConfig",
    "oscar.apps.dashboard.partners.apps.PartnersDashboardConfig",
    "oscar.apps.dashboard.pages.apps.PagesDashboardConfig",
    "oscar.apps.dashboard.ranges.apps.RangesDashboardConfig",
    "oscar.apps.dashboard.reviews.apps.ReviewsDashboardConfig",
    "oscar.apps.dashboard.vouchers.apps.VouchersDashboardConfig",
    "oscar.apps.dashboard.communications.apps.CommunicationsDashboardConfig",
    "oscar.apps.dashboard.shipping.apps.ShippingDashboardConfig",
    # Third-party apps Oscar depends on.
    "widget_tweaks",
    "haystack",
    "treebeard",
    "sorl.thumbnail",
    "django_tables2",
]
SITE_ID = 1

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "oscar.apps.basket.middleware.BasketMiddleware",
    "django.contrib.flatpages.middleware.FlatpageFallbackMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "oscar.apps.customer.auth_backends.EmailBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "stock.urls"
WSGI_APPLICATION = "stock.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.template.context_processors.i18n",
                "django.contrib.messages.context_processors.messages",
                "oscar.apps.search.context_processors.search_form",
                "oscar.apps.checkout.context_processors.checkout",
                "oscar.apps.communication.notifications.context_processors.notifications",
                "oscar.core.context_processors.metadata",
            ],
        },
    },
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": BASE_DIR / "db.sqlite3",
        "ATOMIC_REQUESTS": True,
    }
}

# Haystack's simple backend lists nothing on Oscar's browse pages; Whoosh needs no server.
HAYSTACK_CONNECTIONS = {
    "default": {
        "ENGINE": "haystack.backends.whoosh_backend.WhooshEngine",
        "PATH": str(BASE_DIR / "whoosh_index"),
    },
}
if os.environ.get("STOCK_BENCH_BULK_LOAD"):
    # Only while importing the catalogue, which rebuild_index follows: re-indexing every saved
    # product one by one would make a large import take hours. Served pages keep Oscar's default.
    HAYSTACK_SIGNAL_PROCESSOR = "haystack.signals.BaseSignalProcessor"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = BASE_DIR / "media"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Server errors go to gunicorn's log, so the benchmark can say why a page failed.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"handlers": ["stderr"], "level": "ERROR", "propagate": False}},
}
'''

URLS_PY = '''\
"""Oscar's URLs plus the benchmark's bare view (written by bench/stock.py)."""
from django.apps import apps
from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path


def bare(request):
    """No template, no database of its own: Django, the middleware and URL resolving."""
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [
    path("__bench__/bare/", bare, name="bench-bare"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include(apps.get_app_config("oscar").urls[0])),
]
'''

BENCHINFO_PY = '''\
"""What bench/stock.py needs from inside the stock project: python -m stock.benchinfo STEP [JSON]."""
import json
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stock.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from haystack.query import SearchQuerySet  # noqa: E402
from oscar.core.loading import get_model  # noqa: E402

Basket = get_model("basket", "Basket")
Category = get_model("catalogue", "Category")
Product = get_model("catalogue", "Product")


def catalogue(options):
    return {
        "products": Product.objects.count(),
        "categories": Category.objects.count(),
        "indexed": SearchQuerySet().models(Product).count(),
    }


def setup(options):
    category = Category.objects.get(depth=1, name=options["category"])
    listed = Product.objects.filter(categories__in=category.get_descendants_and_self()).distinct().order_by("upc")
    in_stock = Product.objects.filter(stockrecords__num_in_stock__gt=10).distinct().order_by("upc")
    listed_in_stock = listed.filter(pk__in=in_stock.values("pk"))
    product = listed_in_stock.filter(title__icontains=options["product_title"]).first() or listed_in_stock.first()
    others = in_stock.exclude(pk=product.pk).values_list("pk", flat=True)[: options["lines"] - 1]
    user, _created = get_user_model().objects.get_or_create(
        username=options["email"], defaults={"email": options["email"], "first_name": "Bench"}
    )
    user.set_password(options["password"])
    user.save()
    Basket.objects.filter(owner=user).delete()
    return {
        "category_url": category.get_absolute_url(),
        "category_products": listed.count(),
        "product_url": product.get_absolute_url(),
        "product_title": product.title,
        "basket_product_ids": [product.pk, *others],
    }


def basket_lines(options):
    basket = Basket.open.filter(owner__email=options["email"]).first()
    return {"lines": basket.num_lines if basket else 0}


if __name__ == "__main__":
    step = {"catalogue": catalogue, "setup": setup, "basket-lines": basket_lines}[sys.argv[1]]
    json.dump(step(json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}), sys.stdout)
'''

PROJECT_FILES = {
    "manage.py": MANAGE_PY,
    "stock/__init__.py": "",
    "stock/settings.py": SETTINGS_PY,
    "stock/urls.py": URLS_PY,
    "stock/wsgi.py": WSGI_PY,
    "stock/benchinfo.py": BENCHINFO_PY,
}


# --- Command line ------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=1000, help="synthetic products on both sides (default 1000)")
    parser.add_argument("--seed", type=int, default=1, help="generate_catalogue's seed (default 1)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; the order swaps each round (3)")
    parser.add_argument("--duration", type=int, default=15, help="seconds of wrk per page and side (default 15)")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of wrk warm-up before each run (default 3)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default 1, to leave the CPU to gunicorn)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers on each side (default 2)")
    parser.add_argument("--port", type=int, default=8100, help="first port to try (default 8100)")
    parser.add_argument("--rebuild", action="store_true", help="build the stock project (and its venv) from scratch")
    parser.add_argument(
        "--keep", action="store_true", help="keep var/stock-oscar/ for the next run (the default; see --clean)"
    )
    parser.add_argument("--clean", action="store_true", help="delete var/stock-oscar/ when done")
    parser.add_argument("--no-save", action="store_true", help="do not write bench/results/stock-<timestamp>.md")
    args = parser.parse_args()
    if args.keep and args.clean:
        parser.error("--keep and --clean contradict each other")
    if args.products < 1 or args.rounds < 1 or args.duration < 1:
        parser.error("--products, --rounds and --duration must be at least 1")
    return args


# --- Building the stock project ----------------------------------------------------------


def project_fingerprint() -> str:
    """Changes whenever the generated project would: then an old build is not reused."""
    digest = hashlib.sha256()
    for name, text in sorted(PROJECT_FILES.items()):
        digest.update(f"{name}\0{text}\0".encode())
    return digest.hexdigest()[:16]


def stock_env(**extra: str) -> dict[str, str]:
    # Nothing of the shop's environment (its settings, its virtualenv, its PYTHONPATH) leaks in.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTHON", "VIRTUAL_ENV"))}
    env["DJANGO_SETTINGS_MODULE"] = "stock.settings"
    env.update(extra)
    return env


def run_checked(command: list[str], *, cwd: Path, env: dict[str, str], what: str) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"{what} failed ({done.returncode}):\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
    return time.perf_counter() - started, done.stdout


def stock_manage(*arguments: str, **extra_env: str) -> float:
    seconds, _out = run_checked(
        [str(STOCK_PYTHON), "manage.py", *arguments],
        cwd=STOCK_DIR,
        env=stock_env(**extra_env),
        what=f"stock manage.py {' '.join(arguments)}",
    )
    return seconds


def benchinfo(step: str, options: dict | None = None) -> dict:
    _seconds, out = run_checked(
        [str(STOCK_PYTHON), "-m", "stock.benchinfo", step, json.dumps(options or {})],
        cwd=STOCK_DIR,
        env=stock_env(),
        what=f"stock.benchinfo {step}",
    )
    return json.loads(out)


def read_marker() -> dict:
    try:
        return json.loads(MARKER.read_text())
    except (OSError, ValueError):
        return {}


def ensure_venv(marker: dict) -> dict:
    """The stock virtualenv: reused when it was installed from the same requirements."""
    if STOCK_PYTHON.exists() and marker.get("requirements") == list(REQUIREMENTS) and marker.get("packages"):
        return marker["packages"]
    shutil.rmtree(STOCK_VENV, ignore_errors=True)
    log(f"Creating {STOCK_VENV.relative_to(ROOT)} and installing {', '.join(REQUIREMENTS)}")
    run_checked([sys.executable, "-m", "venv", str(STOCK_VENV)], cwd=ROOT, env=stock_env(), what="python -m venv")
    run_checked(
        [str(STOCK_PYTHON), "-m", "pip", "install", "--quiet", *REQUIREMENTS],
        cwd=ROOT,
        env=stock_env(),
        what="pip install",
    )
    _seconds, frozen = run_checked(
        [str(STOCK_PYTHON), "-m", "pip", "freeze"], cwd=ROOT, env=stock_env(), what="pip freeze"
    )
    packages = dict(line.split("==", 1) for line in frozen.splitlines() if "==" in line)
    # Record the venv at once: a later failure in the data steps need not reinstall it.
    MARKER.write_text(json.dumps({"requirements": list(REQUIREMENTS), "packages": packages}, indent=2))
    return packages


def write_catalogue_csv(path: str, products: int, seed: int) -> None:
    """Oscar's import format, one row per (product, category): the importer links each row's category.

    Run in the shop's virtualenv with its settings (demo.generator needs Django set up); it
    only reads ``product_spec``, never the database.
    """
    import django

    django.setup()
    from demo.generator import product_spec

    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, escapechar="\\")
        for number in range(1, products + 1):
            spec = product_spec(seed, number)
            for category in spec.categories:
                writer.writerow(
                    [
                        spec.product_class,
                        category,
                        spec.upc,
                        spec.title,
                        spec.description,
                        PARTNER,
                        spec.upc,
                        str(spec.price),
                        spec.num_in_stock,
                    ]
                )


def build_catalogue_csv(products: int, seed: int, shop_env: dict[str, str]) -> Path:
    path = STOCK_DIR / "catalogue.csv"
    code = f"from bench.stock import write_catalogue_csv; write_catalogue_csv({str(path)!r}, {products}, {seed})"
    # The child imports this module, so it needs this process's import path too (requests).
    pythonpath = os.pathsep.join(filter(None, (shop_env.get("PYTHONPATH"), os.environ.get("PYTHONPATH"))))
    env = {**shop_env, "PYTHONPATH": pythonpath}
    run_checked([sys.executable, "-c", code], cwd=ROOT, env=env, what="writing the catalogue CSV")
    return path


def ensure_stock_project(args: argparse.Namespace, shop_env: dict[str, str]) -> dict:
    """Build var/stock-oscar/, or reuse the one an earlier run built with the same options."""
    if args.rebuild:
        shutil.rmtree(STOCK_DIR, ignore_errors=True)
    STOCK_DIR.mkdir(parents=True, exist_ok=True)
    marker = read_marker()
    wanted = {"products": args.products, "seed": args.seed, "project": project_fingerprint()}
    packages = ensure_venv(marker)
    marker = read_marker()
    if (STOCK_DIR / "db.sqlite3").exists() and {k: marker.get(k) for k in wanted} == wanted:
        log(f"Reusing {STOCK_DIR.relative_to(ROOT)} (built {marker['built_at']})")
        return {**marker, "reused": True}

    log(f"Building the stock Oscar project in {STOCK_DIR.relative_to(ROOT)}")
    for name in ("db.sqlite3", "whoosh_index", "media", "static", "catalogue.csv"):
        target = STOCK_DIR / name
        if target.is_dir():
            shutil.rmtree(target)
        else:
            target.unlink(missing_ok=True)
    for name, text in PROJECT_FILES.items():
        (STOCK_DIR / name).parent.mkdir(parents=True, exist_ok=True)
        (STOCK_DIR / name).write_text(text)
    (STOCK_DIR / "media").mkdir()
    log("  migrate")
    migrate_s = stock_manage("migrate", "--noinput", "-v0")
    log(f"  oscar_import_catalogue: {args.products:,} products from demo.generator.product_spec(seed={args.seed})")
    csv_path = build_catalogue_csv(args.products, args.seed, shop_env)
    import_s = stock_manage("oscar_import_catalogue", str(csv_path), STOCK_BENCH_BULK_LOAD="1")
    log("  rebuild_index --noinput")
    index_s = stock_manage("rebuild_index", "--noinput")
    catalogue = benchinfo("catalogue")
    if catalogue["products"] != args.products or catalogue["indexed"] != args.products:
        sys.exit(
            f"The stock catalogue has {catalogue['products']:,} products and {catalogue['indexed']:,} "
            f"index rows, not {args.products:,}"
        )
    built = {
        "requirements": list(REQUIREMENTS),
        "packages": packages,
        **wanted,
        "built_at": f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC",
        "migrate_s": round(migrate_s, 1),
        "import_s": round(import_s, 1),
        "rebuild_index_s": round(index_s, 1),
        "catalogue": catalogue,
    }
    MARKER.write_text(json.dumps(built, indent=2))
    return {**built, "reused": False}


# --- Servers and sessions ----------------------------------------------------------------


class StockGunicorn(Gunicorn):
    """bench.run's Gunicorn (same flags, start-up check and stop), serving the stock project."""

    def __init__(self, port: int, workers: int, log_path: Path):
        self.base = f"http://{HOST}:{port}"
        self.log_path = log_path
        self.log_file = log_path.open("w")
        self.process = subprocess.Popen(
            [
                str(STOCK_VENV / "bin" / "gunicorn"),
                "stock.wsgi:application",
                f"--workers={workers}",
                "--worker-class=sync",
                f"--bind={HOST}:{port}",
                "--timeout=120",
                "--log-level=warning",
            ],
            cwd=STOCK_DIR,
            env=stock_env(),
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def start(server: Gunicorn, stack: contextlib.ExitStack, timeout: float = 120) -> Gunicorn:
    """Wait for the bare view to answer 200.

    Not Gunicorn.wait_until_up: it gives up on the first read timeout, and on a busy machine a
    worker that is still importing Django often takes longer than its 2 s to answer.
    """
    # Registered before waiting, so a server that never comes up is still stopped.
    stack.callback(server.stop)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            sys.exit(f"gunicorn exited with {server.process.returncode}; see {server.log_path}")
        with contextlib.suppress(requests.RequestException):
            if requests.get(f"{server.base}/__bench__/bare/", timeout=10).status_code == 200:
                return server
        time.sleep(0.3)
    sys.exit(f"gunicorn did not answer within {timeout:.0f} s; see {server.log_path}")


def shop_session(server: Gunicorn, setup: dict, password: str, env: dict[str, str]) -> str:
    """The shop's benchmark customer logged in with a 10-line basket, as bench/run.py does it."""
    session = login(server.base, setup["basket_user"], password)
    fill_basket(server.base, session, setup["basket_product_ids"])
    lines = django_side(env, "basket-lines", setup["basket_user"])["lines"]
    if lines != len(setup["basket_product_ids"]):
        sys.exit(f"The shop's benchmark basket has {lines} lines, not {len(setup['basket_product_ids'])}")
    return session.cookies["sessionid"]


def stock_session(server: Gunicorn, setup: dict, password: str) -> str:
    """Stock Oscar's customer, logged in and filled through Oscar's own login and basket forms."""
    session = login(server.base, STOCK_CUSTOMER, password)
    fill_basket(server.base, session, setup["basket_product_ids"])
    # The basket form redirects whether or not it added the line: count what it really holds.
    lines = benchinfo("basket-lines", {"email": STOCK_CUSTOMER})["lines"]
    if lines != len(setup["basket_product_ids"]):
        sys.exit(f"Stock Oscar's benchmark basket has {lines} lines, not {len(setup['basket_product_ids'])}")
    return session.cookies["sessionid"]


# --- Measuring -------------------------------------------------------------------------


@dataclass
class Side:
    url: str
    session_id: str | None = None
    runs: list[WrkResult] = field(default_factory=list)

    @property
    def cookie(self) -> str | None:
        return f"sessionid={self.session_id}" if self.session_id else None


@dataclass
class PagePair:
    name: str
    shop: Side
    stock: Side
    loads: list[float] = field(default_factory=list)  # 1-minute load average before each round's pair
    orders: list[str] = field(default_factory=list)  # who went first in each round


def answered_200(run: WrkResult) -> float:
    """Requests/s that were not errors: wrk counts quick HTTP 500s as requests too."""
    return run.requests_per_second * (1 - run.non_2xx / run.requests) if run.requests else 0.0


def round_ratios(page: PagePair) -> list[float | None]:
    return [
        answered_200(shop) / answered_200(stock) if answered_200(stock) else None
        for shop, stock in zip(page.shop.runs, page.stock.runs, strict=True)
    ]


def check_answers_200(base: str, side: Side, label: str) -> None:
    cookies = {"sessionid": side.session_id} if side.session_id else None
    response = requests.get(base + side.url, cookies=cookies, allow_redirects=False, timeout=60)
    if response.status_code != 200:
        where = f" (to {response.headers.get('Location')})" if response.is_redirect else ""
        sys.exit(f"{label} {side.url} answered HTTP {response.status_code}{where}, not 200")


def worker_pids(arbiter: int) -> list[int]:
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            # Fields after the command name, which may itself hold spaces and parentheses.
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == arbiter:
                pids.append(int(stat.parent.name))
    return pids


def cpu_ticks(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime + stime
    return total


def wait_until_idle(server: Gunicorn, timeout: float = 180) -> None:
    """Wait until the workers have served what wrk left behind.

    wrk stops with a request queued on each of its connections, and sync workers serve them
    all to closed sockets: 8 of stock's slow pages are seconds of CPU that would otherwise
    be charged to the next run, this side's or the other's (they share the CPUs).
    """
    pids = worker_pids(server.process.pid)
    deadline = time.monotonic() + timeout
    previous, quiet = cpu_ticks(pids), 0
    while quiet < 3 and time.monotonic() < deadline:
        time.sleep(0.2)
        now = cpu_ticks(pids)
        # An idle sync worker still wakes each second to tell the arbiter it is alive: a tick or so.
        quiet = quiet + 1 if now - previous <= 1 else 0
        previous = now


def measure(server: Gunicorn, side: Side, args: argparse.Namespace) -> WrkResult:
    url = server.base + side.url
    common = {"connections": args.connections, "threads": args.threads, "cookie": side.cookie}
    run_wrk(url, duration=args.warmup, **common)
    wait_until_idle(server)
    result = run_wrk(url, duration=args.duration, **common)
    wait_until_idle(server)
    return result


def measure_all(pages: list[PagePair], shop: Gunicorn, stock: Gunicorn, args: argparse.Namespace) -> None:
    for page in pages:
        check_answers_200(shop.base, page.shop, f"shop {page.name}")
        check_answers_200(stock.base, page.stock, f"stock {page.name}")
    for number in range(args.rounds):
        # Swapping who goes first cancels out any advantage of the slot (a page cache warmed by
        # the neighbour, a burst of load from other jobs that starts mid-pair).
        order = ("shop", "stock") if number % 2 == 0 else ("stock", "shop")
        log(f"== round {number + 1} of {args.rounds}, {order[0]} first")
        for page in pages:
            page.loads.append(os.getloadavg()[0])
            page.orders.append(order[0])
            for who in order:
                side, server = (page.shop, shop) if who == "shop" else (page.stock, stock)
                result = measure(server, side, args)
                side.runs.append(result)
                errors = f", {result.non_2xx} non-2xx" if result.non_2xx else ""
                log(f"  {page.name:<18} {who:<5} {result.requests_per_second:9,.1f} req/s{errors}")


# --- Report ------------------------------------------------------------------------------


def fmt(value: float) -> str:
    return f"{value:,.1f}" if value < 1000 else f"{value:,.0f}"


def rate_cell(runs: list[WrkResult]) -> str:
    """Median req/s; with failures, also the median of what answered 200 and the rounds' counts."""
    text = fmt(statistics.median(run.requests_per_second for run in runs))
    failed, sockets = sum(run.non_2xx for run in runs), sum(run.socket_errors for run in runs)
    notes = []
    if failed:
        text += f", of which {fmt(statistics.median(answered_200(run) for run in runs))} answered 200"
        notes.append(f"{failed:,} of {sum(run.requests for run in runs):,} non-2xx")
    if sockets:
        notes.append(f"{sockets:,} socket errors")
    return text + (f" ({'; '.join(notes)})" if notes else "")


def latency_cell(runs: list[WrkResult]) -> str:
    p50 = statistics.median(run.p50_ms for run in runs)
    p99 = statistics.median(run.p99_ms for run in runs)
    return f"{fmt(p50)} / {fmt(p99)}"


def ratio_cells(page: PagePair) -> tuple[str, str, str]:
    ratios = round_ratios(page)
    known = [r for r in ratios if r is not None]
    if not known:
        return "–", "–", "stock answered no 200s"
    median = statistics.median(known)
    each = ", ".join(f"{r:.1f}" if r is not None else "–" for r in ratios)
    target = TARGETS.get(page.name)
    verdict = f"≥ {target:g}×: {'met' if median >= target else 'not met'}" if target else ""
    return f"**{median:.1f}×**" if target else f"{median:.1f}×", each, verdict


def log_findings(path: Path) -> str:
    text = path.read_text(errors="replace") if path.exists() else ""
    tracebacks, locked = text.count("Traceback"), text.count("database is locked")
    if not tracebacks:
        return "no tracebacks"
    return f"{tracebacks} tracebacks ({locked} of them “database is locked”), see `{path.relative_to(ROOT)}`"


def render(
    pages: list[PagePair],
    args: argparse.Namespace,
    started: datetime.datetime,
    stock_build: dict,
    shop_build: dict,
    stock_setup: dict,
    logs: dict[str, Path],
    load_at_start: tuple[float, ...],
) -> str:
    import django
    import oscar

    packages = {name.lower(): version for name, version in stock_build["packages"].items()}
    stock_versions = ", ".join(f"{name} {packages.get(name, '?')}" for name in REPORTED_PACKAGES)
    stock_how = "reused from an earlier run" if stock_build.get("reused") else "built by this run"
    shop_how = "reused from an earlier run" if shop_build.get("reused") else "built by this run"
    cat = stock_build["catalogue"]
    lines = [
        f"# Jild shop against stock django-oscar, {started:%Y-%m-%d %H:%M} UTC",
        "",
        f"- Machine: {os.cpu_count()} CPUs ({cpu_model()}), Python {platform.python_version()}; commit {git_commit()}",
        f"- Jild shop: Django {django.get_version()}, django-oscar {oscar.get_version()}, settings `bench.settings`, "
        f"`{database_path(args.products).relative_to(ROOT)}` ({shop_how}, {shop_build['built_at']})",
        f"- Stock Oscar: {stock_versions}; `{STOCK_DIR.relative_to(ROOT)}` ({stock_how}, {stock_build['built_at']}): "
        f"{cat['products']:,} products from `product_spec(seed={args.seed})` through `oscar_import_catalogue`, "
        f"{cat['categories']} categories, Whoosh index of {cat['indexed']:,}",
        f"- Servers: gunicorn, {args.workers} sync workers each, both running at once on 127.0.0.1, DEBUG=False",
        f"- Load: `wrk -t{args.threads} -c{args.connections} -d{args.duration}s --latency`, after a {args.warmup} s "
        f"warm-up run, interleaved page by page, {args.rounds} round(s), the order swapped every other round; "
        "after each wrk run, a wait until that side's workers have served what wrk left queued",
        f"- Load average at the start: {', '.join(f'{x:.2f}' for x in load_at_start)}; "
        f"at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}",
        "",
        "Medians of the rounds. Jild ÷ stock is the median of the per-round ratios of the requests/s that "
        "answered 200 on each side.",
        "",
        "| page | Jild req/s | Jild p50 / p99 ms | stock req/s | stock p50 / p99 ms | Jild ÷ stock "
        "| each round | issue 7 | load average before |",
        "|---|---:|---:|---:|---:|---:|---|---|---|",
    ]
    for page in pages:
        ratio, each, verdict = ratio_cells(page)
        lines.append(
            f"| {page.name} | {rate_cell(page.shop.runs)} | {latency_cell(page.shop.runs)} "
            f"| {rate_cell(page.stock.runs)} | {latency_cell(page.stock.runs)} | {ratio} | {each} | {verdict} "
            f"| {', '.join(f'{load:.2f}' for load in page.loads)} |"
        )
    lines += [
        "",
        "## Pages",
        "",
        "| page | Jild URL | stock URL |",
        "|---|---|---|",
        *(f"| {page.name} | `{page.shop.url}` | `{page.stock.url}` |" for page in pages),
        "",
        f"The category is the top-level “{CATEGORY_NAME}” on both sides (stock lists "
        f"{stock_setup['category_products']:,} products in it and its subcategory). Stock's product page is "
        f"“{stock_setup['product_title']}”, a plain product of that category; the shop's is isotretinoin "
        "`RX-ISO-20` with its drug information. The baskets are logged-in customers' with 10 lines, "
        "added through each shop's basket form.",
        "",
        "## Every round",
        "",
    ]
    for page in pages:
        lines.append(f"- **{page.name}**")
        for number, (shop, stock, ratio) in enumerate(
            zip(page.shop.runs, page.stock.runs, round_ratios(page), strict=True)
        ):
            ratio_text = f"{ratio:.2f}×" if ratio is not None else "–"
            lines.append(
                f"  - round {number + 1} ({page.orders[number]} first, load {page.loads[number]:.2f}): "
                f"Jild {run_summary(shop)}; stock {run_summary(stock)}; ratio {ratio_text}"
            )
    lines += ["", "## Server logs", ""]
    lines += [f"- {who}: {log_findings(path)}" for who, path in logs.items()]
    return "\n".join(lines) + "\n"


def run_summary(run: WrkResult) -> str:
    text = f"{fmt(run.requests_per_second)} req/s, p50 {fmt(run.p50_ms)} ms, p99 {fmt(run.p99_ms)} ms"
    if run.non_2xx:
        text += f", {run.non_2xx:,} of {run.requests:,} non-2xx ({fmt(answered_200(run))} answered 200/s)"
    if run.socket_errors:
        text += f", {run.socket_errors:,} socket errors"
    return text


# --- Main --------------------------------------------------------------------------------


def stop_on_sigterm() -> None:
    """A plain `kill` unwinds like Ctrl-C does, so both gunicorns are stopped on the way out."""

    def handler(signum: int, _frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)


def main() -> None:
    args = parse_args()
    if not wrk_available():
        sys.exit("wrk is not installed: apt-get install -y wrk")
    stop_on_sigterm()
    started = datetime.datetime.now(datetime.UTC)
    secret_key = "bench-only-" + secrets.token_urlsafe(32)
    shop_env = bench_env(args.products, secret_key)
    try:
        report = compare(args, started, shop_env)
    except KeyboardInterrupt:
        sys.exit("Interrupted: both gunicorns were stopped")
    finally:
        if args.clean:
            shutil.rmtree(STOCK_DIR, ignore_errors=True)
    print(report)
    if not args.no_save:
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = RESULTS / f"stock-{started:%Y-%m-%dT%H%MZ}.md"
        path.write_text(report)
        log(f"\nSaved to {path.relative_to(ROOT)}")


def compare(args: argparse.Namespace, started: datetime.datetime, shop_env: dict[str, str]) -> str:
    stock_build = ensure_stock_project(args, shop_env)
    # The same database, options and marker as bench/run.py: whichever runs first builds it.
    shop_build = prepare_database(
        args.products, args.products, argparse.Namespace(rebuild=False, seed=args.seed), shop_env
    )
    shop_setup = django_side(shop_env, "setup")
    password = shop_env["BENCH_PASSWORD"]
    stock_setup = benchinfo(
        "setup",
        {
            "category": CATEGORY_NAME,
            "product_title": STOCK_PRODUCT_TITLE,
            "email": STOCK_CUSTOMER,
            "password": password,
            "lines": BASKET_LINES,
        },
    )
    LOGS.mkdir(parents=True, exist_ok=True)
    logs = {"Jild gunicorn": LOGS / "gunicorn-shop.log", "stock gunicorn": LOGS / "gunicorn-stock.log"}
    load_at_start = os.getloadavg()
    with contextlib.ExitStack() as stack:
        shop_port = free_port(args.port)
        shop = start(Gunicorn(shop_env, shop_port, args.workers, logs["Jild gunicorn"]), stack)
        stock = start(StockGunicorn(free_port(shop_port + 1), args.workers, logs["stock gunicorn"]), stack)
        log(f"Jild shop on {shop.base}, stock Oscar on {stock.base}")
        shop_basket = shop_session(shop, shop_setup, password, shop_env)
        stock_basket = stock_session(stock, stock_setup, password)
        pages = [
            PagePair("browse", Side("/catalogue/"), Side("/catalogue/")),
            PagePair("category", Side(shop_setup["category_url"]), Side(stock_setup["category_url"])),
            PagePair("product page", Side(shop_setup["product_url"]), Side(stock_setup["product_url"])),
            PagePair("basket, 10 lines", Side("/basket/", shop_basket), Side("/basket/", stock_basket)),
            PagePair("bare Django view", Side("/__bench__/bare/"), Side("/__bench__/bare/")),
        ]
        measure_all(pages, shop, stock, args)
    return render(pages, args, started, stock_build, shop_build, stock_setup, logs, load_at_start)


if __name__ == "__main__":
    main()
