"""Redis as a cache that may fail: a dead or stalled server costs a request milliseconds.

Nothing the shop keeps lives only in Redis. Sessions are rows in the database
with Redis as their read cache (``cached_db``), the page fragments and counts
are recomputed, and the rate limits count in each process while Redis is away
(``shop.ratelimit``). So every cache call may fail, and a failure is a miss:

- ``IGNORE_EXCEPTIONS``: django-redis answers a failed read with the default
  (a miss) and a failed write with nothing, instead of raising;
- short socket timeouts: a server that accepts the connection and then says
  nothing (paused, swapping, a full network buffer) is given up after a
  quarter of a second;
- ``FailFastClient``: once a call has failed, the process skips Redis for a
  few seconds instead of waiting out the timeout on each of the dozen cache
  calls a page makes, then tries again with the next call.
"""

from __future__ import annotations

import functools
import logging
import threading
import time

from django_redis.client import DefaultClient
from django_redis.exceptions import ConnectionInterrupted

logger = logging.getLogger(__name__)

# A stalled server costs the first request that meets it at most this much per
# connection attempt or command.
SOCKET_TIMEOUT = 0.25
# How long a process leaves Redis alone after a call failed.
RETRY_AFTER = 5.0


class RedisUnavailable(ConnectionError):
    """Raised instead of calling a server that failed moments ago."""


# One circuit per server and process, shared by the threads (each thread has a
# client of its own).
_lock = threading.Lock()
_open_until: dict[str, float] = {}


def _circuit_open(server: str) -> bool:
    until = _open_until.get(server)
    return until is not None and time.monotonic() < until


def _trip(server: str, retry_after: float, error: BaseException) -> None:
    with _lock:
        already = _circuit_open(server)
        _open_until[server] = time.monotonic() + retry_after
    if not already:
        logger.warning(
            "Redis at %s failed (%s); the cache is bypassed for %.1f s",
            server,
            error.__cause__ or error,
            retry_after,
        )


def _close(server: str) -> None:
    if server in _open_until:
        with _lock:
            if _open_until.pop(server, None) is not None:
                logger.warning("Redis at %s answers again; the cache is back", server)


def reset_circuits() -> None:
    """Forget every failure (tests that restart a server call it)."""
    with _lock:
        _open_until.clear()


class FailFastClient(DefaultClient):
    """django-redis's client, which stops calling a server that just failed.

    Only connection failures and timeouts count (django-redis turns them into
    ``ConnectionInterrupted``); a missing key or a wrong type is the caller's
    business. The cache backend then ignores the error as it does any other.
    """

    def __init__(self, server, params, backend) -> None:
        super().__init__(server, params, backend)
        self._circuit = ",".join(self._server)
        self._retry_after = float(params.get("OPTIONS", {}).get("RETRY_AFTER", RETRY_AFTER))


def _guarded(name: str):
    method = getattr(DefaultClient, name)

    @functools.wraps(method)
    def call(self, *args, **kwargs):
        if _circuit_open(self._circuit):
            raise ConnectionInterrupted(connection=None) from RedisUnavailable(f"Redis at {self._circuit} failed")
        try:
            result = method(self, *args, **kwargs)
        except ConnectionInterrupted as error:
            _trip(self._circuit, self._retry_after, error)
            raise
        _close(self._circuit)
        return result

    return call


# Every command the shop's cache calls go through (Django's cache API, which
# django-redis's RedisCache maps one to one onto its client).
for _name in (
    "add",
    "set",
    "get",
    "get_many",
    "set_many",
    "delete",
    "delete_many",
    "has_key",
    "incr",
    "decr",
    "touch",
    "expire",
    "ttl",
    "persist",
    "clear",
    "delete_pattern",
    "keys",
    "iter_keys",
    "lock",
):
    setattr(FailFastClient, _name, _guarded(_name))


def redis_cache(url: str, prefix: str, **options) -> dict:
    """A CACHES entry for Redis at ``url`` that treats every failure as a miss."""
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": url,
        "KEY_PREFIX": prefix,
        "OPTIONS": {
            "CLIENT_CLASS": "shop.cache.FailFastClient",
            "IGNORE_EXCEPTIONS": True,
            "SOCKET_CONNECT_TIMEOUT": SOCKET_TIMEOUT,
            "SOCKET_TIMEOUT": SOCKET_TIMEOUT,
            **options,
        },
    }
