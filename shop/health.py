"""``/healthz`` and ``/readyz``: what a load balancer asks an app server.

- ``/healthz`` (liveness): the process answers. It touches nothing else, so a
  database outage never makes the orchestrator restart healthy workers.
- ``/readyz`` (readiness): can this server take customers? Only the database
  decides it (503 without it: no page of the shop works). The cache, the
  prescription storage and the task queue's lag are reported beside it but
  answer 200 while they fail, because the shop keeps working without them
  (pages without the cache, browsing without uploads, emails late) and they are
  shared by every server: taking all of them out of the pool for a Redis
  outage would turn a slower shop into no shop.

Both are answered by a middleware placed first, before host validation, the
HTTPS redirect and sessions: a load balancer asks by IP over plain HTTP, and a
probe must not open a session or pay for the rest of the stack. The answer
names each check and says "ok" or "failing", nothing more: the error itself
goes to the log.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import storages
from django.db import connection
from django.http import HttpResponse

from shop.tasks import queue_lag

logger = logging.getLogger(__name__)

PROBE_KEY = "shop:readyz"


@dataclass(frozen=True)
class Check:
    name: str
    run: Callable[[], None]
    decides_readiness: bool
    needs_database: bool = False


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _cache() -> None:
    token = str(time.monotonic_ns())
    cache.set(PROBE_KEY, token, timeout=30)
    # A cache that swallows its errors (fails soft) answers None instead of raising.
    if cache.get(PROBE_KEY) != token:
        raise ConnectionError("the cache did not keep a value")


def _storage() -> None:
    # A lookup, not a write: on S3 a HEAD request, which proves the bucket
    # answers and the credentials work, without leaving anything behind.
    storages["prescriptions"].exists("readyz-probe")


def _queue() -> None:
    lag = queue_lag()
    if lag.total_seconds() > settings.SHOP_READY_MAX_QUEUE_LAG:
        raise TimeoutError(f"the oldest ready task has waited {lag.total_seconds():.0f} s")


CHECKS = (
    Check("database", _database, decides_readiness=True),
    Check("cache", _cache, decides_readiness=False),
    Check("storage", _storage, decides_readiness=False),
    Check("queue", _queue, decides_readiness=False, needs_database=True),
)


def readiness() -> tuple[bool, dict[str, str]]:
    """Whether this server can take customers, and how each check went."""
    results: dict[str, str] = {}
    ready = True
    for check in CHECKS:
        try:
            if check.needs_database and results.get("database") == "failing":
                # The queue lives in the database too; say so instead of waiting for it again.
                raise ConnectionError("the database is failing")
            check.run()
        except Exception:
            logger.warning("readyz: %s check failed", check.name, exc_info=True)
            results[check.name] = "failing"
            ready = ready and not check.decides_readiness
        else:
            results[check.name] = "ok"
    return ready, results


class HealthCheckMiddleware:
    """Answer the load balancer's two questions before anything else runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info.rstrip("/")
        if path == "/healthz":
            return _plain({"status": "alive"}, 200)
        if path == "/readyz":
            ready, results = readiness()
            if not ready:
                status = "unready"
            elif "failing" in results.values():
                status = "degraded"
            else:
                status = "ready"
            return _plain({"status": status, "checks": results}, 200 if ready else 503)
        return self.get_response(request)


def _plain(body: dict, status: int) -> HttpResponse:
    response = HttpResponse(json.dumps(body), status=status, content_type="application/json")
    response["Cache-Control"] = "no-store"
    return response
