"""Production: PostgreSQL, Redis, private object storage, HTTPS only.

Every app server is interchangeable and keeps nothing on its own disk:
data and sessions are in PostgreSQL, the cache (with sessions read through
it) and rate-limit counters in Redis, which may fail (shop/cache.py), product
pictures and prescriptions in object storage, static files are built into the
release (collectstatic) and served by whitenoise. Secrets come only from the
environment: the app refuses to start without them.
"""

from urllib.parse import urlsplit, urlunsplit

from django.core.exceptions import ImproperlyConfigured

from shop.cache import redis_cache
from shop.logging import production_logging

from .base import *  # noqa: F403
from .base import CONTENT_SECURITY_POLICY, STORAGES, env

DEBUG = False
# Whoever can read prescriptions signs in with a second factor, whatever the environment says.
SHOP_STAFF_TWO_FACTOR = True
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[f"https://{host}" for host in ALLOWED_HOSTS])
OSCAR_URL_SCHEMA = "https"

# --- Database: PostgreSQL through psycopg 3 -----------------------------------

DATABASES = {"default": env.db("DATABASE_URL")}
DATABASES["default"].update(CONN_MAX_AGE=env.int("DB_CONN_MAX_AGE", default=60), CONN_HEALTH_CHECKS=True)

# --- Cache and sessions: Redis --------------------------------------------------


def _next_database(url: str) -> str:
    """The same Redis server, the database after the URL's (redis://host:6379/0 -> /1)."""
    parts = urlsplit(url)
    database = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{database + 1}"))


# shop/cache.py: every Redis call may fail and then counts as a miss, with
# timeouts of a quarter of a second, so a dead or stalled Redis slows pages
# down a little and breaks none.
#
# Sessions are rows in the database, read through the cache (cached_db): a
# Redis that is down, flushed or evicting (maxmemory-policy allkeys-lru) costs
# a database read, never a session. They still keep a Redis database of their
# own (REDIS_SESSIONS_URL, by default the next database on the cache's server),
# so that a FLUSHDB of the page cache does not also send every session read to
# the database at once.
CACHES = {
    "default": redis_cache(env("REDIS_URL"), "shop"),
    "sessions": redis_cache(env("REDIS_SESSIONS_URL", default=_next_database(env("REDIS_URL"))), "session"),
}
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_CACHE_ALIAS = "sessions"

# --- HTTPS and cookies ----------------------------------------------------------

# The load balancer terminates TLS and says so in this header.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# (/healthz and /readyz are answered before this redirect: shop.health.)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
OSCAR_BASKET_COOKIE_SECURE = True
OSCAR_RECENTLY_VIEWED_COOKIE_SECURE = True
SHOP_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=1)

# --- Files --------------------------------------------------------------------------

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


def _s3(bucket: str, **options) -> dict:
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "access_key": env("S3_ACCESS_KEY_ID"),
            "secret_key": env("S3_SECRET_ACCESS_KEY"),
            "endpoint_url": env("S3_ENDPOINT_URL", default=None),
            "region_name": env("S3_REGION", default=None),
            "file_overwrite": False,
            **options,
        },
    }


def _acl(variable: str, allowed: tuple[str, ...]) -> str | None:
    """A canned ACL to send with every upload, or None to send none.

    Buckets created on AWS since April 2023 have ACLs disabled ("bucket owner
    enforced") and refuse every upload that names an ACL other than
    bucket-owner-full-control, so the default is to name none and let the
    bucket's policy decide who may read.
    """
    acl = env(variable, default="") or None
    if acl is not None and acl not in allowed:
        raise ImproperlyConfigured(f"{variable} must be one of {', '.join(allowed)}, or unset; not {acl!r}")
    return acl


# Both buckets are required: a server that kept files on its own disk would
# lose them when it is replaced, and the others could not serve them.
# Product pictures: public and cacheable. Readable by anyone through the
# bucket's policy (or a CDN in front); S3_MEDIA_ACL=public-read only for a
# bucket that still uses ACLs.
STORAGES["default"] = _s3(
    env("S3_BUCKET_MEDIA"),
    default_acl=_acl("S3_MEDIA_ACL", ("public-read", "bucket-owner-full-control")),
    querystring_auth=False,
)
CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"] = [
    *CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"],
    env("MEDIA_HOST", default="https://*.amazonaws.com"),
]
# Prescriptions: a private bucket (Block Public Access on, no policy granting
# reads), never a public ACL, links that expire in a minute, encrypted at
# rest, nothing ever overwritten. The app streams files to permitted users
# itself (prescriptions.views.PrescriptionFileView).
STORAGES["prescriptions"] = _s3(
    env("S3_BUCKET_PRESCRIPTIONS"),
    default_acl=_acl("S3_PRESCRIPTIONS_ACL", ("private", "bucket-owner-full-control")),
    querystring_auth=True,
    querystring_expire=60,
    object_parameters={"ServerSideEncryption": "AES256"},
)

# --- Email: SMTP ------------------------------------------------------------------

# e.g. EMAIL_URL=smtp+tls://user:password@smtp.example.com:587
_email = env.email_url("EMAIL_URL", default="smtp://localhost:25")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email["EMAIL_HOST"]
EMAIL_PORT = _email["EMAIL_PORT"]
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"]
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"]
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)

# --- Logs: JSON lines on stdout, no health data -------------------------------------

# shop/logging.py: every record goes through HealthDataFilter, which withholds
# what Oscar's own log calls would write about medicines and recipients.
LOGGING = production_logging(env("LOG_LEVEL", default="INFO"))

# --- Error reports ------------------------------------------------------------------

# Off unless SENTRY_DSN is set. Reports carry what the logs would: no request
# body, cookies, local variables or exception text, and every string scrubbed
# of email addresses and prescription references (shop.logging.sentry_before_send).
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    from shop.logging import sentry_before_breadcrumb, sentry_before_send

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", default="production"),
        release=env("SENTRY_RELEASE", default=None),
        integrations=[DjangoIntegration()],
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        before_send=sentry_before_send,
        before_breadcrumb=sentry_before_breadcrumb,
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )
