"""The test suite: the same apps and middleware as production, made fast and isolated."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import STORAGES, env

SECRET_KEY = "test-only-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]

# The database engine comes from DATABASE_URL as everywhere (PostgreSQL in CI's
# second pass). pytest-django creates and destroys the test database itself: an
# in-memory one for SQLite, ``test_<name>`` on PostgreSQL.

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# The queue's own test mode: a task runs when it is enqueued, in the test's
# thread. Tests of queueing itself (transactions, retries, the worker) switch
# to the database backend (tests/shop/test_tasks.py).
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
CACHES = {"default": env.cache("TEST_CACHE_URL", default="locmemcache://tests")}
# Parallel test workers (pytest-xdist: gw0, gw1...) each clear the cache between
# tests, so on Redis each gets a database of its own: TEST_CACHE_URL's, plus its number.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
if CACHES["default"]["BACKEND"] == "django_redis.cache.RedisCache" and _worker.isdigit():
    _server, _, _database = CACHES["default"]["LOCATION"].rpartition("/")
    CACHES["default"]["LOCATION"] = f"{_server}/{int(_database or 0) + int(_worker)}"

TEST_TMP_DIR = Path(tempfile.mkdtemp(prefix="shop-tests-"))
MEDIA_ROOT = TEST_TMP_DIR / "media"
PRESCRIPTION_ROOT = TEST_TMP_DIR / "private" / "prescriptions"
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "prescriptions": {
        **STORAGES["prescriptions"],
        "OPTIONS": {**STORAGES["prescriptions"]["OPTIONS"], "location": str(PRESCRIPTION_ROOT)},
    },
}

# Serve static files from the apps' folders, as in development: tests never
# run collectstatic.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

# The browser tests load product pictures.
SERVE_MEDIA = True
