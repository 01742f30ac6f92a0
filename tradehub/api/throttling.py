"""Per-caller rate limit for the partner API (`API_THROTTLE_RATE`, e.g. `1200/min`)."""

import contextlib
import functools
import logging
import math
import os
import select
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import InvalidResponse, ResponseError
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


class _OwnConnection:
    """A thread's own connection to the throttle's Redis, and the poller watching its socket."""

    __slots__ = ("connection", "pid", "poller", "pool", "watched")

    def __init__(self, pool: Any) -> None:
        self.pool = pool
        self.pid = os.getpid()
        # RESP2: no push messages (RESP3's maintenance notifications) can arrive between the
        # replies, so a reply is one of the four simple kinds `_replies` reads.
        kwargs = {**pool.connection_kwargs, "protocol": 2}
        if "maint_notifications_config" in kwargs:
            kwargs["maint_notifications_config"] = None  # RESP3 only (redis-py refuses it)
        self.connection = pool.connection_class(**kwargs)
        self.watched: Any = None
        self.poller: Any = None

    def ready_socket(self) -> Any:
        """The connected socket with nothing waiting on it. Anything readable on this idle
        connection (Redis closed it: idle timeout, restart, CLIENT KILL) means reconnect, as
        redis-py's pool does when a pooled connection `can_read()`; a `poll()` asks the kernel
        without the pool's non-blocking read."""
        connection = self.connection
        sock = connection._sock
        if sock is not None:
            if self.watched is not sock:
                self._watch(sock)
            if not self.poller.poll(0):
                return sock
            connection.disconnect()
        connection.connect()
        self._watch(connection._sock)
        return connection._sock

    def _watch(self, sock: Any) -> None:
        self.poller = select.poll()
        self.poller.register(sock, select.POLLIN | select.POLLPRI)
        self.watched = sock


_own = threading.local()
READ_SIZE = 4096


def own_connection(pool: Any) -> _OwnConnection:
    """This thread's connection for the pool's server (a new one after a fork or for another
    pool: a cache reconfigured in tests)."""
    own: _OwnConnection | None = getattr(_own, "connection", None)
    if own is None or own.pool is not pool or own.pid != os.getpid():
        own = _own.connection = _OwnConnection(pool)
    return own


def _replies(data: bytes, count: int) -> list[Any] | None:
    """The first `count` RESP2 replies in `data` (int, bytes or None), None while incomplete.
    An error reply raises `ResponseError`; anything else, or bytes beyond the replies, is a
    protocol error."""
    replies: list[Any] = []
    position = 0
    for _ in range(count):
        end = data.find(b"\r\n", position)
        if end < 0:
            return None
        kind, line, position = data[position : position + 1], data[position + 1 : end], end + 2
        if kind == b":":
            replies.append(int(line))
        elif kind == b"$":
            length = int(line)
            if length < 0:
                replies.append(None)
                continue
            if len(data) < position + length + 2:
                return None
            replies.append(data[position : position + length])
            position += length + 2
        elif kind == b"-":
            raise ResponseError(line.decode(errors="replace"))
        elif kind == b"+":
            replies.append(line)
        else:
            raise InvalidResponse(f"Unexpected Redis reply {data[:40]!r}")
    if position != len(data):
        raise InvalidResponse(f"Unexpected bytes after the Redis replies: {data[:40]!r}")
    return replies


def _resp(*parts: bytes) -> bytes:
    """One Redis command in the protocol's wire format (an array of bulk strings)."""
    return b"*%d\r\n" % len(parts) + b"".join(b"$%d\r\n%s\r\n" % (len(p), p) for p in parts)


def count_in_redis(client: Any, cur_name: str, prev_name: str, ttl: int) -> tuple[int, Any]:
    """INCR and EXPIRE of the current window's counter and GET of the previous one's, written as
    one packet: (current count, previous count as stored or None).

    This is what a non-transactional redis-py pipeline sends, without its per-command packing,
    response callbacks and retry wrapper, on this thread's own connection to the client's
    server (`own_connection`: the pool's checkout and release, with their metrics and
    non-blocking read, cost more than the round trip), whose three RESP2 replies are read
    straight from the socket: 0.055 -> 0.012 ms of CPU a call. An error on the way (including
    an error reply) closes that connection, since a reply may be left unread on it, and is
    raised for the caller's fallback."""
    cur, prev = cur_name.encode(), prev_name.encode()
    packet = _resp(b"INCR", cur) + _resp(b"EXPIRE", cur, b"%d" % ttl) + _resp(b"GET", prev)
    own = own_connection(client.connection_pool)
    try:
        sock = own.ready_socket()
        sock.sendall(packet)
        data = sock.recv(READ_SIZE)
        while (replies := _replies(data, 3)) is None:
            more = sock.recv(READ_SIZE)
            if not more:
                raise RedisConnectionError("Redis closed the throttle's connection")
            data += more
    except BaseException:
        own.connection.disconnect()
        raise
    return replies[0], replies[2]


@functools.lru_cache(maxsize=16)
def parse_rate(rate: str | None) -> tuple[int, int] | None:
    """`"1200/min"` -> (1200, 60); None or empty disables throttling."""
    if not rate:
        return None
    count, _, period = rate.partition("/")
    period = period.strip().lower()
    return int(count), DURATIONS[period[:1]] if period else 1


def throttle_ident(request: Any, address: Callable[[], str]) -> str:
    """One budget per API key (by its public prefix), per staff user, or per client address
    (`address()`, asked only then: DRF's `get_ident` builds `request.headers` from every
    header for its X-Forwarded-For)."""
    user = getattr(request, "user", None)
    if isinstance(user, ApiClient):
        return f"key:{user.api_key.prefix}"
    if user is not None and getattr(user, "is_authenticated", False):
        return f"user:{user.pk}"
    return f"ip:{address()}"


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
        ident = throttle_ident(request, lambda: self.get_ident(request))
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
