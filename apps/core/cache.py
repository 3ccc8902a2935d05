"""The cache of a deployment: Redis, and a per-process memory cache while Redis cannot be reached.

Everything the portal keeps in the cache can be lost without harm — rate-limit counters, the
calendar version, rendered QR images — but Django's Redis backend raises ConnectionError from every
call while Redis is down, and that turned a cache outage into a 500 on every public page and a lost
registration at every desk. This backend answers from process memory instead, so a Redis restart
costs only some precision: rate limits count per process for a few seconds, caches start cold.

After a failure Redis is left alone for `RETRY_SECONDS` (a circuit breaker): a stopped Redis answers
"connection refused" at once, but a Redis that does not answer at all would otherwise cost the
socket timeout on every call.

Round trips are what a public page pays for: Django's client builds a new redis.Redis object on every
call and asks EXISTS before every INCR, and django_ratelimit counts a hit with add() then incr(). Here
each process keeps one client per server, incr() is one script, and a rate-limit count (an add() of 1
under django_ratelimit's key prefix) is one INCR + EXPIRE script whose result the incr() that
django_ratelimit sends next answers without asking Redis again.
"""

import logging
import threading
import time

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
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


# INCRBY only if the key exists (Django's incr raises ValueError for a missing key), in one round trip.
_INCR_EXISTING = (
    "if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('INCRBY', KEYS[1], ARGV[1]) end"
)
# A counter of a rate-limit window: the first hit creates it with its expiry.
_COUNT = (
    "local n = redis.call('INCR', KEYS[1]) if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end return n"
)


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's Redis client with one redis.Redis (and its scripts) per server for the process."""

    def __init__(self, servers, **options):
        super().__init__(servers, **options)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._client(connection_pool=self._get_connection_pool(write))
            client.portal_scripts = {
                "incr": client.register_script(_INCR_EXISTING),
                "count": client.register_script(_COUNT),
            }
            self._clients[index] = client
        return client

    def incr(self, key, delta):
        value = self.get_client(key, write=True).portal_scripts["incr"](keys=[key], args=[delta])
        if value is None:
            raise ValueError(f"Key '{key}' not found.")
        return value

    def count(self, key, timeout) -> int:
        return self.get_client(key, write=True).portal_scripts["count"](keys=[key], args=[timeout])


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
        self._class = ReusedClientRedisCacheClient
        # Counts read by add() for the incr() that django_ratelimit sends right after (per thread:
        # Django keeps a cache object per thread).
        self._counted: dict[str, int] = {}
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


_plain_add, _plain_incr = ResilientRedisCache.add, ResilientRedisCache.incr


def _add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
    """add(); for a rate-limit counter's first count, the count itself in one round trip (see above)."""
    if value != 1 or not str(key).startswith(getattr(settings, "RATELIMIT_CACHE_PREFIX", "rl:")):
        return _plain_add(self, key, value, timeout, version)
    seconds = self.get_backend_timeout(timeout) or 0
    count = None
    if not self.degraded:
        try:
            count = self._cache.count(self.make_and_validate_key(key, version=version), max(int(seconds), 1))
        except UNREACHABLE as exc:
            self._trip("add", exc)
    if count is None:
        if self._fallback.add(key, 1, timeout, version):
            return True
        count = self._fallback.incr(key, 1, version)
    if count == 1:
        return True
    if len(self._counted) > 1000:  # never read (no incr followed): keep the memory bounded
        self._counted.clear()
    self._counted[key] = count
    return False


def _incr(self, key, delta=1, version=None):
    """incr(); answers the count add() just read for a rate-limit counter without asking again."""
    counted = self._counted.pop(key, None)
    if counted is not None and delta == 1:
        return counted
    return _plain_incr(self, key, delta, version)


ResilientRedisCache.add, ResilientRedisCache.incr = _add, _incr
