"""The cache of a deployment: Redis, and a per-process memory cache while Redis cannot be reached.

Everything the portal keeps in the cache can be lost without harm — rate-limit counters, the
calendar version, rendered QR images — but Django's Redis backend raises ConnectionError from every
call while Redis is down, and that turned a cache outage into a 500 on every public page and a lost
registration at every desk. This backend answers from process memory instead, so a Redis restart
costs only some precision: rate limits count per process for a few seconds, caches start cold.

After a failure Redis is left alone for `RETRY_SECONDS` (a circuit breaker): a stopped Redis answers
"connection refused" at once, but a Redis that does not answer at all would otherwise cost the
socket timeout on every call.
"""

import logging
import threading
import time

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# BusyLoadingError (Redis restarting with data to load) is a ConnectionError too.
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)

# The operations of Django's cache API that talk to the server.
_OPERATIONS = (
    "add", "get", "set", "touch", "delete", "get_many", "has_key", "incr", "decr", "set_many",
    "delete_many", "clear", "get_or_set",
)


class ResilientRedisCache(RedisCache):
    """Django's Redis cache that falls back to process memory while Redis is unreachable."""

    RETRY_SECONDS = 5.0

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS") or {})
        self.RETRY_SECONDS = float(options.pop("RETRY_SECONDS", self.RETRY_SECONDS))
        # Fail fast: a cache call that waits seconds for a dead server is worse than a cache miss.
        options.setdefault("socket_connect_timeout", 0.5)
        options.setdefault("socket_timeout", 1.0)
        super().__init__(server, {**params, "OPTIONS": options})
        self._fallback = LocMemCache(
            f"resilient-fallback-{id(self)}",
            {"TIMEOUT": params.get("TIMEOUT", 300), "OPTIONS": {"MAX_ENTRIES": 20000}},
        )
        self._down_until = 0.0
        self._lock = threading.Lock()

    @property
    def degraded(self) -> bool:
        """True while calls are answered from process memory."""
        return time.monotonic() < self._down_until

    def _trip(self, operation: str, exc: Exception) -> None:
        with self._lock:
            first = not self.degraded
            self._down_until = time.monotonic() + self.RETRY_SECONDS
        if first:
            logger.warning("Redis cache unreachable (%s: %s); answering from process memory for %.0f s.",
                           operation, exc, self.RETRY_SECONDS)

    def ping(self) -> bool:
        """Ask Redis itself (never the fallback): True if it answers. Used by the health check."""
        try:
            return bool(self._cache.get_client(write=True).ping())
        except UNREACHABLE:
            return False


def _resilient(name: str):
    redis_method = getattr(RedisCache, name)

    def method(self, *args, **kwargs):
        if not self.degraded:
            try:
                return redis_method(self, *args, **kwargs)
            except UNREACHABLE as exc:
                self._trip(name, exc)
        return getattr(self._fallback, name)(*args, **kwargs)

    method.__name__ = name
    method.__doc__ = f"{redis_method.__doc__ or name} (from process memory while Redis is unreachable)"
    return method


for _name in _OPERATIONS:
    setattr(ResilientRedisCache, _name, _resilient(_name))
