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

A write that fails leaves Redis holding the value from before it, which it
would serve again once it answers (a paused or partitioned server keeps its
data): a logged-out session would be logged in again for whoever holds its
old cookie, a bumped catalogue version would bring back yesterday's prices.
So the client remembers the keys of the writes that failed and deletes them
before anything else once the server answers. A process only knows its own
failed writes, and one that dies before Redis comes back forgets them; the
cached copies then last until they expire.
"""

from __future__ import annotations

import functools
import inspect
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
# Failed writes remembered per server; past this, the oldest are forgotten.
MAX_STALE_KEYS = 10_000


class RedisUnavailable(ConnectionError):
    """Raised instead of calling a server that failed moments ago."""


# One circuit per server and process, shared by the threads (each thread has a
# client of its own).
_lock = threading.Lock()
_open_until: dict[str, float] = {}
# (key, version) of the writes that failed, per server, in the order they failed.
_stale: dict[str, dict[tuple[str, int | None], None]] = {}


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
        _stale.clear()


def _remember_stale(server: str, keys: list[tuple[str, int | None]]) -> None:
    if not keys:
        return
    with _lock:
        stale = _stale.setdefault(server, {})
        for key in keys:
            stale.pop(key, None)
            stale[key] = None
        overflow = len(stale) - MAX_STALE_KEYS
        for key in list(stale)[: max(overflow, 0)]:
            del stale[key]
    if overflow > 0:
        logger.warning("Redis at %s: %d failed writes forgotten; their old values may be served", server, overflow)


def _take_stale(server: str) -> list[tuple[str, int | None]]:
    with _lock:
        return list(_stale.pop(server, {}))


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

    def _delete_stale(self) -> None:
        stale = _take_stale(self._circuit)
        by_version: dict[int | None, list[str]] = {}
        for key, version in stale:
            by_version.setdefault(version, []).append(key)
        try:
            for version, keys in by_version.items():
                DefaultClient.delete_many(self, keys, version=version)
        except ConnectionInterrupted:
            _remember_stale(self._circuit, stale)
            raise


# The commands that write, and where their keys are among the arguments.
_WRITES = {"set", "add", "delete", "incr", "decr", "touch", "expire", "persist", "set_many", "delete_many"}


def _written_keys(signature: inspect.Signature, self, args, kwargs) -> list[tuple[str, int | None]]:
    try:
        bound = signature.bind(self, *args, **kwargs).arguments
    except TypeError:
        # The call itself was wrong; the write never happened.
        return []
    version = bound.get("version")
    if "data" in bound:
        keys = list(bound["data"])
    elif "keys" in bound:
        keys = list(bound["keys"])
    else:
        keys = [bound["key"]]
    return [(str(key), version) for key in keys]


def _guarded(name: str):
    method = getattr(DefaultClient, name)
    signature = inspect.signature(method) if name in _WRITES else None

    @functools.wraps(method)
    def call(self, *args, **kwargs):
        try:
            if _circuit_open(self._circuit):
                raise ConnectionInterrupted(connection=None) from RedisUnavailable(f"Redis at {self._circuit} failed")
            try:
                if _stale.get(self._circuit):
                    self._delete_stale()
                result = method(self, *args, **kwargs)
            except ConnectionInterrupted as error:
                _trip(self._circuit, self._retry_after, error)
                raise
        except ConnectionInterrupted:
            if signature is not None:
                _remember_stale(self._circuit, _written_keys(signature, self, args, kwargs))
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
