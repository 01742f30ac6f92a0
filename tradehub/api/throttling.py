"""Per-caller rate limit for the partner API (`API_THROTTLE_RATE`, e.g. `1200/min`)."""

import contextlib
import functools
import logging
import math
import threading
import time
from typing import Any

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from rest_framework.throttling import BaseThrottle

from tradehub.partners.principals import ApiClient

logger = logging.getLogger(__name__)

DURATIONS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# With the shared cache (Redis) down or frozen, throttling fails open onto a per-process limiter
# for this long before the cache is tried again (so a frozen Redis costs one request at most
# CACHE_SOCKET_TIMEOUT every this many seconds, not every request).
CACHE_RETRY_SECONDS = 10.0


class CacheBreaker:
    """Which store the throttle counts in: the shared cache, or this process's own while the
    shared one is failing."""

    def __init__(self) -> None:
        self.fallback = LocMemCache("tradehub-throttle-fallback", {"TIMEOUT": None})
        self.down_until = 0.0
        self.lock = threading.Lock()

    def store(self) -> BaseCache:
        # The backend itself, not `django.core.cache.cache`: that is a proxy, and
        # `isinstance(proxy, RedisCache)` is False, which silently sent every request down the
        # four-round-trip path below instead of the pipelined one.
        return self.fallback if time.monotonic() < self.down_until else caches["default"]

    def failed(self, exc: Exception) -> None:
        with self.lock:
            self.down_until = time.monotonic() + CACHE_RETRY_SECONDS
        logger.warning(
            "Throttle cache unavailable (%s: %s); per-process limits for %.0f s",
            exc.__class__.__name__,
            exc,
            CACHE_RETRY_SECONDS,
        )


breaker = CacheBreaker()
# One redis-py client per connection pool. Django's RedisCache builds a new `redis.Redis` on every
# call (`get_client`), and its constructor copies some 200 response callbacks into a fresh
# case-insensitive dict: a fifth of the throttle's CPU. A client is only a handle on the pool and
# is safe to share between threads.
_redis_clients: dict[int, tuple[Any, Any]] = {}


def redis_client(store: RedisCache) -> Any:
    """The write client of a Redis cache (the same object for the same connection pool)."""
    cache_client = store._cache  # type: ignore[attr-defined]
    pool = cache_client._get_connection_pool(True)
    found = _redis_clients.get(id(pool))
    if found is None or found[0] is not pool:
        found = (pool, cache_client._client(connection_pool=pool))
        _redis_clients[id(pool)] = found
    return found[1]


def _resp(*parts: bytes) -> bytes:
    """One Redis command in the protocol's wire format (an array of bulk strings)."""
    return b"*%d\r\n" % len(parts) + b"".join(b"$%d\r\n%s\r\n" % (len(p), p) for p in parts)


def count_in_redis(client: Any, cur_name: str, prev_name: str, ttl: int) -> tuple[int, Any]:
    """INCR and EXPIRE of the current window's counter and GET of the previous one's, written as
    one packet on a pooled connection: (current count, previous count as stored or None).

    This is what a non-transactional redis-py pipeline sends, without its per-command packing,
    response callbacks and retry wrapper (0.125 ms of CPU per call against about 0.05 ms). A
    pooled connection is checked by the pool before it is handed out (a socket closed by Redis
    is reopened); an error on the way (including an error reply) closes the connection, since a
    reply may be left unread on it, and is raised for the caller's fallback."""
    cur, prev = cur_name.encode(), prev_name.encode()
    packet = _resp(b"INCR", cur) + _resp(b"EXPIRE", cur, b"%d" % ttl) + _resp(b"GET", prev)
    pool = client.connection_pool
    connection = pool.get_connection()
    try:
        connection.send_packed_command([packet], check_health=False)
        count = connection.read_response()
        connection.read_response()
        previous = connection.read_response()
    except BaseException:
        connection.disconnect()
        raise
    finally:
        pool.release(connection)
    return int(count), previous


@functools.lru_cache(maxsize=16)
def parse_rate(rate: str | None) -> tuple[int, int] | None:
    """`"1200/min"` -> (1200, 60); None or empty disables throttling."""
    if not rate:
        return None
    count, _, period = rate.partition("/")
    period = period.strip().lower()
    return int(count), DURATIONS[period[:1]] if period else 1


def throttle_ident(request: Any, fallback: str) -> str:
    """One budget per API key (by its public prefix), per staff user, or per client address."""
    user = getattr(request, "user", None)
    if isinstance(user, ApiClient):
        return f"key:{user.api_key.prefix}"
    if user is not None and getattr(user, "is_authenticated", False):
        return f"user:{user.pk}"
    return f"ip:{fallback}"


def seconds_until_allowed(num: int, duration: int, prev: int, cur: int, elapsed: float) -> float:
    """How long until one more request fits, given the counts of the previous and current fixed
    windows and the fraction of the current window that has elapsed."""
    # In this window the estimate prev*(1-f) + cur + 1 must drop to num: f >= 1 - (num-1-cur)/prev.
    if cur + 1 <= num and prev > 0:
        needed = 1 - (num - 1 - cur) / prev
        return max(0.0, needed - elapsed) * duration
    # Otherwise wait for the next window, where this window becomes the previous one.
    needed_next = max(0.0, 1 - (num - 1) / cur) if cur > 0 else 0.0
    return ((1 - elapsed) + needed_next) * duration


class PartnerRateThrottle(BaseThrottle):
    """Sliding-window limit kept in the cache (Redis in test/production, locmem in dev); fails
    open onto a per-process limiter (same rate, logged warning) while the cache is down.

    The window is approximated from two fixed-window counters (the previous window's count
    weighted by how much of it still overlaps the sliding window), which needs only atomic
    increments: no read-modify-write race between concurrent requests, unlike DRF's
    SimpleRateThrottle history list. On Redis the increment, its expiry and the previous
    window's count travel in one pipelined round trip. Refused requests are not counted, so a client that waits
    `Retry-After` seconds gets through.
    """

    cache_prefix = "throttle:api"

    def __init__(self) -> None:
        self._wait: float | None = None

    def allow_request(self, request: Any, view: Any) -> bool:
        parsed = parse_rate(settings.API_THROTTLE_RATE)
        if parsed is None:
            return True
        num, duration = parsed
        ident = throttle_ident(request, self.get_ident(request))
        store = breaker.store()
        try:
            return self._count(store, ident, num, duration)
        except Exception as exc:  # a stopped or frozen Redis must not fail the request
            if store is breaker.fallback:
                raise
            breaker.failed(exc)
            return self._count(breaker.fallback, ident, num, duration)

    def _count(self, store: BaseCache, ident: str, num: int, duration: int) -> bool:
        now = time.time()
        window = int(now // duration)
        elapsed = (now % duration) / duration
        cur_key = f"{self.cache_prefix}:{ident}:{duration}:{window}"
        prev_key = f"{self.cache_prefix}:{ident}:{duration}:{window - 1}"
        ttl = 2 * duration + 1
        if isinstance(store, RedisCache):
            # One round trip: INCR (creates the counter at 1), EXPIRE and the previous window.
            cur, prev_raw = count_in_redis(
                redis_client(store), store.make_key(cur_key), store.make_key(prev_key), ttl
            )
            prev = int(prev_raw or 0)
        else:
            store.add(cur_key, 0, timeout=ttl)
            try:
                cur = store.incr(cur_key)
            except ValueError:  # expired between add and incr
                store.set(cur_key, 1, timeout=ttl)
                cur = 1
            prev = int(store.get(prev_key) or 0)
        if prev * (1 - elapsed) + cur <= num:
            return True
        with contextlib.suppress(ValueError):  # expired meanwhile: nothing to undo
            store.decr(cur_key)
        self._wait = seconds_until_allowed(num, duration, prev, cur - 1, elapsed)
        return False

    def wait(self) -> float | None:
        """Seconds until the next request fits (DRF puts the ceiling into `Retry-After`)."""
        if self._wait is None:
            return None
        return float(max(1, math.ceil(self._wait)))
