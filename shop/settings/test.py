"""The test suite: the same apps and middleware as production, made fast and isolated."""

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
CACHES = {"default": env.cache("TEST_CACHE_URL", default="locmemcache://tests")}

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
