"""The load test's settings: the production profile, served over plain HTTP on 127.0.0.1.

Everything comes from ``shop.settings.production``: PostgreSQL from
DATABASE_URL, Redis from REDIS_URL (cache, rate limits) and REDIS_SESSIONS_URL
(sessions), manifest static files (``collectstatic`` first), DEBUG off, JSON
logs through the health-data filter, the same middleware and rate limits.
What differs, and why:

- No TLS between locust and gunicorn, as behind a load balancer that
  terminates it: no redirect to HTTPS, no HSTS, and cookies not marked Secure
  (a client only sends a Secure cookie over HTTPS, so sessions would not stick).
- Files on local disk under MEDIA_ROOT and PRESCRIPTION_ROOT: this machine has
  no object storage. The production profile requires the S3 variables, so they
  are set to names that nothing here ever contacts.
- Static files collected into var/load/static, not the shop's var/static.
- No second factor for the pharmacists: the simulated pharmacists share one
  demo account, and an authenticator code is good once per 30 s. The code
  pages cost one request per sign-in, not per page.
"""

import os

for _name in ("S3_BUCKET_MEDIA", "S3_BUCKET_PRESCRIPTIONS", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"):
    os.environ.setdefault(_name, "load-test-not-used")

from shop.settings.base import STORAGES as LOCAL_STORAGES  # noqa: E402
from shop.settings.production import *  # noqa: E402, F403
from shop.settings.production import STORAGES, VAR_DIR  # noqa: E402

SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
OSCAR_BASKET_COOKIE_SECURE = False
OSCAR_RECENTLY_VIEWED_COOKIE_SECURE = False
SHOP_STAFF_TWO_FACTOR = False

STORAGES = {
    **STORAGES,
    "default": LOCAL_STORAGES["default"],
    "prescriptions": LOCAL_STORAGES["prescriptions"],
}
STATIC_ROOT = VAR_DIR / "load" / "static"
