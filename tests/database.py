"""The test databases: migrated once into a template, copied for each test worker.

Migrating the shop's ~200 migrations takes most of a small test run. Under
pytest-xdist every worker would do it again; instead the first worker to get
here migrates its own test database as usual and keeps a copy of it as the
template, and every other worker copies that: SQLite's backup API into the
worker's in-memory database, PostgreSQL's ``CREATE DATABASE ... TEMPLATE``.
The template is kept between runs, under a name made from every installed
app's migrations and the data the migrations seed, so a change to any of them
builds a new one; a later run of a single test file migrates nothing.
"""

from __future__ import annotations

import fcntl
import hashlib
import sqlite3
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connections

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "var" / "test-databases"
# What the migrations' data and post_migrate handlers write, beside the migrations themselves.
SEEDS = ("prescriptions/roles.py",)


def fingerprint(engine: str) -> str:
    digest = hashlib.sha256(engine.encode())
    for config in sorted(apps.get_app_configs(), key=lambda c: c.label):
        for path in sorted((Path(config.path) / "migrations").glob("*.py")):
            digest.update(f"{config.label}/{path.name}".encode())
            digest.update(path.read_bytes())
    for name in SEEDS:
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()[:12]


@contextmanager
def _locked():
    FOLDER.mkdir(parents=True, exist_ok=True)
    with open(FOLDER / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def set_up_worker_database(migrate: Callable[[], None], alias: str = "default") -> None:
    """Point ``alias`` at a fresh copy of the migrated template.

    ``migrate``: set the test database up the usual way (Django's
    ``setup_databases``); called only when there is no template yet, whose
    result becomes the template.
    """
    connection = connections[alias]
    if connection.vendor == "sqlite":
        _sqlite_copy(connection, migrate)
    elif connection.vendor == "postgresql":
        _postgresql_copy(connection, migrate)
    else:  # pragma: no cover - the shop runs on these two
        raise RuntimeError(f"No template database for {connection.vendor}")


def _use(connection, name: str) -> None:
    connection.close()
    connection.settings_dict["NAME"] = name
    settings.DATABASES[connection.alias]["NAME"] = name


def _sqlite_copy(connection, migrate: Callable[[], None]) -> None:
    template = FOLDER / f"template-{fingerprint('sqlite')}.sqlite3"
    with _locked():
        if not template.exists():
            migrate()
            for old in FOLDER.glob("template-*.sqlite3"):
                old.unlink()
            building = template.with_suffix(".building")
            building.unlink(missing_ok=True)
            target = sqlite3.connect(building)
            try:
                connection.ensure_connection()
                connection.connection.backup(target)
            finally:
                target.close()
            building.rename(template)
            return
    _use(connection, connection.creation._get_test_db_name())
    connection.ensure_connection()
    source = sqlite3.connect(f"file:{template}?mode=ro", uri=True)
    try:
        source.backup(connection.connection)
    finally:
        source.close()


def _postgresql_copy(connection, migrate: Callable[[], None]) -> None:
    base = connection.settings_dict["NAME"]
    template = f"{base}_template_{fingerprint('postgresql')}"
    copy = connection.creation._get_test_db_name()
    quote = connection.ops.quote_name
    with _locked():
        with connection._nodb_cursor() as cursor:
            cursor.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [f"{base}\\_template\\_%"])
            existing = {row[0] for row in cursor.fetchall()}
        if template not in existing:
            migrate()
            # A template may have no other connection while it is copied.
            connection.close()
            with connection._nodb_cursor() as cursor:
                for old in existing:
                    cursor.execute(f"DROP DATABASE IF EXISTS {quote(old)}")
                cursor.execute(f"CREATE DATABASE {quote(template)} TEMPLATE {quote(copy)}")
            return
        with connection._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {quote(copy)}")
            cursor.execute(f"CREATE DATABASE {quote(copy)} TEMPLATE {quote(template)}")
    _use(connection, copy)


def tear_down_worker_database(alias: str = "default") -> None:
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return  # an in-memory database goes with its process
    copy = connection.settings_dict["NAME"]
    connection.close()
    with connection._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(copy)}")
