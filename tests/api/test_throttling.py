"""Per-key throttling: over API_THROTTLE_RATE a caller gets 429 problem+json with Retry-After."""

import logging

import pytest
from django.core.cache import cache

from tradehub.api.throttling import parse_rate, seconds_until_allowed

PING = "/api/v1/_test/ping/"


@pytest.mark.django_db
def test_burst_over_the_limit_is_429_with_retry_after(machinery, api, settings, fresh_cache):
    settings.API_THROTTLE_RATE = "5/min"
    statuses = [api.get(PING).status_code for _ in range(5)]
    assert statuses == [200] * 5
    throttled = api.get(PING)
    assert throttled.status_code == 429
    assert throttled["Content-Type"] == "application/problem+json"
    assert throttled.json()["status"] == 429
    retry_after = int(throttled["Retry-After"])
    assert 1 <= retry_after <= 120


@pytest.mark.django_db
def test_each_api_key_has_its_own_budget(machinery, api, other_api, settings, fresh_cache):
    settings.API_THROTTLE_RATE = "2/min"
    assert [api.get(PING).status_code for _ in range(3)] == [200, 200, 429]
    assert other_api.get(PING).status_code == 200


@pytest.mark.django_db
def test_posts_are_throttled_too(machinery, api, settings, fresh_cache):
    settings.API_THROTTLE_RATE = "1/min"
    assert api.post(PING, {}, format="json").status_code == 200
    assert api.post(PING, {}, format="json").status_code == 429


@pytest.mark.django_db
def test_refused_requests_do_not_count(machinery, api, settings, fresh_cache):
    settings.API_THROTTLE_RATE = "2/min"
    for _ in range(10):
        api.get(PING)
    redis = cache._cache.get_client()  # type: ignore[attr-defined]
    counts = [int(redis.get(key)) for key in redis.keys("*throttle:api:*")]
    assert counts and all(count <= 2 for count in counts)


def test_parse_rate():
    assert parse_rate("1200/min") == (1200, 60)
    assert parse_rate("10/s") == (10, 1)
    assert parse_rate("100/hour") == (100, 3600)
    assert parse_rate("") is None


@pytest.mark.parametrize(
    ("num", "prev", "cur", "elapsed"),
    [(10, 10, 0, 0.0), (10, 0, 10, 0.5), (10, 10, 5, 0.3), (1, 0, 1, 0.9), (5, 8, 5, 0.2)],
)
def test_retry_after_is_when_the_next_request_fits(num, prev, cur, elapsed):
    duration = 60
    wait = seconds_until_allowed(num, duration, prev, cur, elapsed)
    assert wait >= 0

    def estimate_after(seconds: float) -> float:
        position = elapsed + seconds / duration
        if position < 1:
            return prev * (1 - position) + cur
        return cur * (1 - (position - 1))  # next window: this one is the previous

    assert estimate_after(wait + 0.01) + 1 <= num + 1e-6
    if wait > 1:
        assert estimate_after(wait - 1) + 1 > num - 1e-6


@pytest.mark.django_db
def test_redis_counts_in_one_pipelined_round_trip(
    machinery, api, settings, fresh_cache, monkeypatch
):
    """The throttle talks to the Redis backend itself (not the `cache` proxy, which no
    isinstance check recognises), so it never takes the ADD/INCR/GET path of other caches."""
    from django.core.cache.backends.redis import RedisCache

    def refuse(*args, **kwargs):
        raise AssertionError("the throttle used the several-round-trip path")

    monkeypatch.setattr(RedisCache, "add", refuse)
    monkeypatch.setattr(RedisCache, "incr", refuse)
    settings.API_THROTTLE_RATE = "1000/min"
    assert api.get(PING).status_code != 429
    redis = cache._cache.get_client()  # type: ignore[attr-defined]
    assert [int(redis.get(key)) for key in redis.keys("*throttle:api:*")] == [1]


def test_redis_client_is_built_once_per_connection_pool(fresh_cache, monkeypatch):
    """Django's RedisCache builds a `redis.Redis` per call; the throttle keeps one per pool."""
    from django.core.cache import caches

    from tradehub.api.throttling import PartnerRateThrottle, redis_client

    store = caches["default"]
    built: list[object] = []
    original = store._cache._client  # type: ignore[attr-defined]

    def counted(**kwargs):
        built.append(kwargs)
        return original(**kwargs)

    monkeypatch.setattr(store._cache, "_client", counted)  # type: ignore[attr-defined]
    monkeypatch.setattr("tradehub.api.throttling._redis_clients", {})
    throttle = PartnerRateThrottle()
    assert all(throttle._count(store, "key:test", 10, 60) for _ in range(3))
    assert len(built) == 1
    assert redis_client(store) is redis_client(store)  # type: ignore[arg-type]
    redis = cache._cache.get_client()  # type: ignore[attr-defined]
    assert [int(redis.get(key)) for key in redis.keys("*throttle:api:*")] == [3]


def test_the_packet_is_what_redis_py_would_send():
    from redis.connection import Connection

    from tradehub.api.throttling import _resp

    packer = Connection()
    for parts in (
        (b"INCR", "throttle:key:Кз:60:1".encode()),
        (b"EXPIRE", b"k", b"121"),
        (b"GET", b""),
    ):
        assert _resp(*parts) == b"".join(packer.pack_command(*parts))


@pytest.mark.django_db
def test_one_round_trip_counts_expires_and_reads_the_previous_window(fresh_cache):
    from django.core.cache import caches

    from tradehub.api.throttling import count_in_redis, redis_client

    store = caches["default"]
    client = redis_client(store)  # type: ignore[arg-type]
    cur, prev = store.make_key("throttle:api:t:60:2"), store.make_key("throttle:api:t:60:1")
    assert count_in_redis(client, cur, prev, 121) == (1, None)
    client.set(prev, 7)
    assert count_in_redis(client, cur, prev, 121) == (2, b"7")
    assert 0 < client.ttl(cur) <= 121


@pytest.mark.django_db
def test_an_error_reply_closes_the_connection_and_the_throttle_falls_back(
    machinery, api, settings, fresh_cache, caplog, monkeypatch
):
    """A counter key holding something else (an error reply for INCR) must not leave the other
    replies unread on a pooled connection: it is closed, and the request is throttled per
    process, as with Redis down."""
    from django.core.cache import caches
    from redis.exceptions import ResponseError

    from tradehub.api import throttling

    store = caches["default"]
    client = throttling.redis_client(store)  # type: ignore[arg-type]
    cur, prev = store.make_key("throttle:api:t:60:2"), store.make_key("throttle:api:t:60:1")
    client.set(cur, "not a number")
    with pytest.raises(ResponseError):
        throttling.count_in_redis(client, cur, prev, 121)
    assert client.get(prev) is None  # the next command on the pool reads its own reply
    client.delete(cur)
    assert throttling.count_in_redis(client, cur, prev, 121) == (1, None)

    settings.API_THROTTLE_RATE = "1000/min"
    throttling.breaker.down_until = 0.0
    original = throttling.count_in_redis

    def broken(*args, **kwargs):
        args[0].set(args[1], "not a number")
        return original(*args, **kwargs)

    monkeypatch.setattr(throttling, "count_in_redis", broken)
    monkeypatch.setattr(throttling.breaker, "down_until", 0.0)
    with caplog.at_level(logging.WARNING, logger="tradehub.api.throttling"):
        assert api.get(PING).status_code == 200
    assert any("Throttle cache unavailable" in r.getMessage() for r in caplog.records)
    throttling.breaker.fallback.clear()


def test_replies_are_read_whole_however_they_arrive():
    """The three RESP2 replies, split anywhere by the network: nothing is returned before the
    last byte, and what is returned is what redis-py's parser reads."""
    from redis.exceptions import InvalidResponse, ResponseError

    from tradehub.api.throttling import _replies

    for data, expected in (
        (b":1\r\n:1\r\n$-1\r\n", [1, 1, None]),
        (b":12345\r\n:0\r\n$2\r\n17\r\n", [12345, 0, b"17"]),
        (b"+OK\r\n:1\r\n$0\r\n\r\n", [b"OK", 1, b""]),
    ):
        for cut in range(len(data)):
            assert _replies(data[:cut], 3) is None
        assert _replies(data, 3) == expected
    with pytest.raises(ResponseError, match="WRONGTYPE"):
        _replies(b"-WRONGTYPE Operation against a key\r\n", 3)
    with pytest.raises(InvalidResponse):
        _replies(b">3\r\n$4\r\npush\r\n", 3)  # not RESP2: never on this connection
    with pytest.raises(InvalidResponse):
        _replies(b":1\r\n:1\r\n$-1\r\n:9\r\n", 3)  # more than was asked for


@pytest.mark.django_db
def test_a_connection_closed_by_redis_is_replaced_before_the_next_count(fresh_cache, caplog):
    """Redis closing the thread's own connection (idle timeout, restart, CLIENT KILL) is seen
    before the packet is sent: the next count reconnects instead of failing over to the
    per-process limiter."""
    from django.core.cache import caches

    from tradehub.api import throttling

    store = caches["default"]
    client = throttling.redis_client(store)  # type: ignore[arg-type]
    cur, prev = store.make_key("throttle:api:k:60:2"), store.make_key("throttle:api:k:60:1")
    assert throttling.count_in_redis(client, cur, prev, 121) == (1, None)
    own = throttling.own_connection(client.connection_pool)
    own.connection.send_command("CLIENT", "ID")
    own_id = own.connection.read_response()
    first_socket = own.connection._sock
    assert client.client_kill_filter(_id=own_id) == 1  # only this connection
    for _ in range(100):  # the server's close reaches the socket
        if own.poller.poll(10):
            break
    with caplog.at_level(logging.WARNING, logger="tradehub.api.throttling"):
        assert throttling.count_in_redis(client, cur, prev, 121) == (2, None)
    assert own.connection._sock is not first_socket
    assert not caplog.records


@pytest.mark.django_db
def test_each_thread_counts_on_its_own_connection(fresh_cache):
    import threading

    from django.core.cache import caches

    from tradehub.api import throttling

    store = caches["default"]
    client = throttling.redis_client(store)  # type: ignore[arg-type]
    cur, prev = store.make_key("throttle:api:t:60:2"), store.make_key("throttle:api:t:60:1")
    connections: list[object] = []

    def count() -> None:
        for _ in range(50):
            throttling.count_in_redis(client, cur, prev, 121)
        connections.append(throttling.own_connection(client.connection_pool).connection)

    threads = [threading.Thread(target=count) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(connection) for connection in connections}) == 4
    assert int(client.get(cur)) == 200
