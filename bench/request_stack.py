"""CPU per request of the partner API in process, against DRF hello measured in the same run.

    python bench/request_stack.py [--requests N] [--rounds 7] [WORKLOAD ...]
        [--profile W | --cprofile W | --breakdown W]

Workloads (a WORKLOAD argument selects those whose name starts with it): `products` (1-row page),
`locations` (search), `shipments`, `alerts`, `declarations` (lists of 50) and `shipment`, `alert`,
`declaration` (details); once `bin/bench e2e --declarations N` has built the bulk data, also the
pagination-at-scale requests as the bulk partner: `bulk-first`, `bulk-last` (first and last page
of 50), `bulk-one` (a 1-row page), `bulk-poll` (an empty `updated_since` poll).

Each request goes through Django's WSGI handler (what gunicorn calls) with the production settings
`bin/bench e2e` uses (`BENCH_E2E_DATABASE_URL`, `REDIS_URL`, a throttle that never refuses but still
runs), on the e2e bench data without the chart shipments (`bench/e2e/data.py`, built once in that
database). DRF hello (`bench/e2e/hello.py`) runs in a child process through its own WSGI handler;
each round times hello, then every workload (`--requests` requests each, or the workload's own
count: fewer for lists of 50), with `time.process_time` (this process's CPU only: PostgreSQL's and
Redis's own work is not included, which is why the queries and Redis round trips per request are
printed too). Medians over the rounds, and the median of the per-round ratios to hello (lower is
better: the issue's 0.10x target for a list of 50 means about 10x, 0.20x for a detail about 5x);
the wall-clock time per request is printed too (it includes the waits for PostgreSQL and Redis,
and for a CPU on a busy machine).

`--profile NAME` samples 15 s of one workload with py-spy (no per-call overhead, so the
shares are not skewed towards code that makes many small calls) and prints the inclusive share of
each frame; `--cprofile NAME` runs cProfile (CPU timer) over 300 requests instead;
`--breakdown NAME` prints the CPU per request inside each stage (authentication, throttle, filter,
page query, serializer, renderer, ...) of 600 requests, timed by wrappers (small overhead, no
per-call skew).
"""

import argparse
import cProfile
import io
import os
import pstats
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
# name: (path, query, requests per round unless --requests says otherwise, headers)
Workload = tuple[str, str, int, dict[str, str]]


def environ(path: str, query: str, **extra: str) -> dict[str, Any]:
    """A WSGI environ like gunicorn's for one GET."""
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SCRIPT_NAME": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_ACCEPT": "*/*",
        "HTTP_USER_AGENT": "wrk",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multiprocess": True,
        "wsgi.multithread": True,
        "wsgi.run_once": False,
        **extra,
    }


def caller(app: Any, path: str, query: str, **extra: str) -> Callable[[], bytes]:
    """One request through the WSGI app; the body is read and the response closed, as a server
    does (closing fires request_finished: connection bookkeeping)."""
    status: list[str] = []

    def start_response(code: str, headers: Any, exc_info: Any = None) -> None:
        status.append(code)

    def call() -> bytes:
        status.clear()
        result = app(environ(path, query, **extra), start_response)
        try:
            body = b"".join(result)
        finally:
            result.close()
        if not status[0].startswith("200"):
            raise SystemExit(f"{path}?{query} answered {status[0]}: {body[:300]!r}")
        return body

    return call


def cpu_ms(call: Callable[[], object], requests: int) -> float:
    """CPU milliseconds per request over `requests` requests."""
    return cpu_and_wall_ms(call, requests)[0]


def cpu_and_wall_ms(call: Callable[[], object], requests: int) -> tuple[float, float]:
    """CPU and wall-clock milliseconds per request over `requests` requests (the wall clock
    includes waiting for PostgreSQL and Redis, and for the CPU on a busy machine)."""
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(requests):
        call()
    return (
        (time.process_time() - cpu) * 1000 / requests,
        (time.perf_counter() - wall) * 1000 / requests,
    )


def hello_child() -> None:
    """Child process: DRF hello; reads a request count per line, answers CPU ms per request."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "e2e.hello"
    from e2e.hello import application

    call = caller(application, "/hello/", "")
    cpu_ms(call, 50)  # warm up
    for line in sys.stdin:
        print(cpu_ms(call, int(line)), flush=True)


def setup() -> dict[str, Workload]:
    """Production settings on the e2e bench database, its data built once; the workloads."""
    from e2e import data
    from e2e.run import bench_env, ensure_database, last_page_query

    env = bench_env()
    ensure_database(env)
    os.environ.update(env)
    data.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from shipments.models import Alert
    from tradehub.partners.models import Partner

    call_command("migrate", verbosity=0)
    state = data.build(charts=False)
    alert = (
        Alert.objects.filter(partner=Partner.objects.get(name=data.PARTNER))
        .order_by("id")
        .values_list("reference", flat=True)
        .first()
    )
    api = "/api/v1/"
    key = {"HTTP_AUTHORIZATION": f"Api-Key {state['key']}"}
    workloads: dict[str, Workload] = {
        "products": (api + "products/", "page_size=1", 30, key),
        "locations": (api + "locations/", "search=alma", 30, key),
        "shipments": (api + "shipments/", "page_size=50", 10, key),
        "shipment": (api + f"shipments/{state['shipment']}/", "", 50, key),
        "alerts": (api + "alerts/", "page_size=50", 20, key),
        "alert": (api + f"alerts/{alert}/", "", 100, key),
        "declarations": (api + "declarations/", "page_size=50", 10, key),
        "declaration": (api + f"declarations/{state['declaration']}/", "", 50, key),
    }
    if state.get("bulk_key"):
        bulk = {"HTTP_AUTHORIZATION": f"Api-Key {state['bulk_key']}"}
        since = timezone.now().isoformat().replace("+00:00", "Z")
        last = last_page_query({"DATABASE_URL": os.environ["DATABASE_URL"]}, state)
        workloads |= {
            "bulk-first": (api + "declarations/", "page_size=50", 10, bulk),
            "bulk-last": (api + "declarations/", last, 10, bulk),
            "bulk-one": (api + "declarations/", "page_size=1", 50, bulk),
            "bulk-poll": (api + "declarations/", f"updated_since={since}", 50, bulk),
        }
    return workloads


def round_trips(call: Callable[[], object]) -> tuple[int, int]:
    """SQL statements and Redis commands of one request."""
    from django.db import connection
    from redis.client import Pipeline, Redis

    from tradehub.api import throttling

    queries: list[str] = []
    redis_calls = [0]
    original_execute, original_pipeline = Redis.execute_command, Pipeline.execute

    def count_command(self: Any, *args: Any, **kwargs: Any) -> Any:
        redis_calls[0] += 1
        return original_execute(self, *args, **kwargs)

    def count_pipeline(self: Any, *args: Any, **kwargs: Any) -> Any:
        redis_calls[0] += 1
        return original_pipeline(self, *args, **kwargs)

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries.append(sql)
        return execute(sql, params, many, context)

    original_count = throttling.count_in_redis

    def count_throttle(*args: Any, **kwargs: Any) -> Any:  # the throttle's own round trip
        redis_calls[0] += 1
        return original_count(*args, **kwargs)

    Redis.execute_command, Pipeline.execute = count_command, count_pipeline  # type: ignore[method-assign]
    throttling.count_in_redis = count_throttle  # type: ignore[assignment]
    try:
        with connection.execute_wrapper(record):
            call()
    finally:
        Redis.execute_command, Pipeline.execute = original_execute, original_pipeline  # type: ignore[method-assign]
        throttling.count_in_redis = original_count  # type: ignore[assignment]
    return len(queries), redis_calls[0]


def breakdown(call: Callable[[], object], requests: int) -> None:
    """CPU per request spent inside each stage (inclusive, outermost call only), by wrapping the
    stages' functions with `time.process_time` counters."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.db.models.sql.compiler import SQLCompiler
    from rest_framework.mixins import ListModelMixin
    from rest_framework.serializers import ListSerializer
    from rest_framework.views import APIView

    from tradehub.api.authentication import ApiKeyAuthentication
    from tradehub.api.pagination import CursorPagination
    from tradehub.api.queries import StrictFilterBackend
    from tradehub.api.renderers import FastJSONRenderer
    from tradehub.api.throttling import PartnerRateThrottle
    from tradehub.ui.middleware import SettingsPolicyCSPMiddleware

    stages: list[tuple[str, Any, str]] = [
        ("whole request (WSGI handler)", WSGIHandler, "__call__"),
        ("  DRF view (APIView.dispatch)", APIView, "dispatch"),
        ("    initial: authentication, permissions, throttle, query check", APIView, "initial"),
        ("      API key authentication", ApiKeyAuthentication, "authenticate"),
        ("      throttle (one Redis round trip)", PartnerRateThrottle, "allow_request"),
        ("    list action", ListModelMixin, "list"),
        ("      filter backend (django-filter)", StrictFilterBackend, "filter_queryset"),
        (
            "      paginate: the page query, rows, model instances",
            CursorPagination,
            "paginate_queryset",
        ),
        ("        compiling SQL (SQLCompiler.as_sql)", SQLCompiler, "as_sql"),
        ("        executing and fetching (execute_sql)", SQLCompiler, "execute_sql"),
        (
            "      serializer (ListSerializer.to_representation)",
            ListSerializer,
            "to_representation",
        ),
        ("      next/previous links", CursorPagination, "get_paginated_response"),
        ("    finalize_response (negotiation, headers)", APIView, "finalize_response"),
        ("  JSON renderer (orjson)", FastJSONRenderer, "render"),
        (
            "  CSP header (django-csp, policy built once)",
            SettingsPolicyCSPMiddleware,
            "process_response",
        ),
    ]
    spent = [0.0] * len(stages)
    originals = []
    for index, (_label, owner, name) in enumerate(stages):
        original = getattr(owner, name)
        originals.append((owner, name, owner.__dict__.get(name)))
        depth = [0]

        def wrapper(
            *args: Any, _o: Any = original, _i: int = index, _d: Any = depth, **kw: Any
        ) -> Any:
            if _d[0]:
                return _o(*args, **kw)
            _d[0] += 1
            start = time.process_time()
            try:
                return _o(*args, **kw)
            finally:
                spent[_i] += time.process_time() - start
                _d[0] -= 1

        setattr(owner, name, wrapper)
    try:
        cpu_ms(call, requests)
    finally:
        for owner, name, own in originals:
            if own is None:
                delattr(owner, name)  # inherited: the subclass had none of its own
            else:
                setattr(owner, name, own)
    print(f"CPU per request inside each stage (inclusive), {requests} requests:")
    for (label, _owner, _name), seconds in zip(stages, spent, strict=True):
        print(f"  {seconds * 1000 / requests:6.3f} ms  {label}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("workloads", nargs="*", metavar="WORKLOAD", help="name prefixes")
    parser.add_argument("--requests", type=int, help="per workload and round")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--profile", metavar="WORKLOAD", help="py-spy, 15 s")
    parser.add_argument("--cprofile", metavar="WORKLOAD", help="cProfile, 300 requests")
    parser.add_argument("--breakdown", metavar="WORKLOAD", help="CPU per stage, 600 requests")
    parser.add_argument("--hello-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.hello_child:
        hello_child()
        return
    workloads = setup()
    for name in (args.profile, args.cprofile, args.breakdown):
        if name is not None and name not in workloads:
            parser.error(f"{name!r} is not one of {', '.join(workloads)}")
    chosen = [
        name
        for name in workloads
        if not args.workloads or any(name.startswith(a) for a in args.workloads)
    ]
    from django.core.wsgi import get_wsgi_application

    app = get_wsgi_application()
    calls = {
        name: caller(app, path, query, **headers)
        for name, (path, query, _count, headers) in workloads.items()
    }
    for name in chosen + [n for n in (args.profile, args.cprofile, args.breakdown) if n]:
        cpu_ms(calls[name], 5)  # warm up: key cache, compiled code paths, connections
    if args.profile:
        from e2e.run import VENV_BIN, summarize_profile

        out = ROOT / "var" / f"profile-stack-{args.profile}.txt"
        spy = subprocess.Popen(
            [
                *(str(VENV_BIN / "py-spy"), "record", "--pid", str(os.getpid())),
                *("--duration", "15", "--format", "raw", "--output", str(out), "--nonblocking"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        while spy.poll() is None:
            cpu_ms(calls[args.profile], 10)
        summarize_profile(out, top=70)
        return
    if args.breakdown:
        breakdown(calls[args.breakdown], 600)
        return
    if args.cprofile:
        profiler = cProfile.Profile(time.process_time)  # CPU, not waits
        profiler.enable()
        cpu_ms(calls[args.cprofile], 300)
        profiler.disable()
        stats = pstats.Stats(profiler).strip_dirs()
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(30)
        return
    counts = {name: args.requests or workloads[name][2] for name in chosen}
    child = subprocess.Popen(
        [sys.executable, __file__, "--hello-child"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdin and child.stdout
    hello: list[float] = []
    own: dict[str, list[float]] = {name: [] for name in chosen}
    walls: dict[str, list[float]] = {name: [] for name in chosen}
    for _ in range(args.rounds):
        child.stdin.write(f"{args.requests or 30}\n")
        child.stdin.flush()
        hello.append(float(child.stdout.readline()))
        for name in chosen:
            cpu, wall = cpu_and_wall_ms(calls[name], counts[name])
            own[name].append(cpu)
            walls[name].append(wall)
    child.stdin.close()
    child.wait()
    print(
        f"CPU per request in process, median of {args.rounds} rounds; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    print(f"  {'DRF hello':<52} {statistics.median(hello):6.2f} ms")
    for name, values in own.items():
        path, query = workloads[name][:2]
        ratio = statistics.median(v / h for v, h in zip(values, hello, strict=True))
        queries, redis_calls = round_trips(calls[name])
        url = f"{path}?{query}" if query else path
        print(
            f"  {name:<13}{url[:38]:<39} {statistics.median(values):6.2f} ms  {ratio:5.1f}x hello"
            f"  (wall {statistics.median(walls[name]):6.2f} ms; {queries} SQL, {redis_calls} Redis)"
        )


if __name__ == "__main__":
    main()
