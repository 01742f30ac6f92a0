"""End-to-end benchmark of the partner API: `bin/bench e2e [--quick] [--profile NAME]`.

TradeHub runs as production runs it: gunicorn (2 workers x 4 threads, `tradehub.wsgi`) with the
production settings, PostgreSQL (its own database, `tradehub_bench_e2e` unless
BENCH_E2E_DATABASE_URL says otherwise) and Redis (REDIS_URL). A stock DRF app with one `APIView`
returning a constant dict (`bench/e2e/hello.py`) is served by a second gunicorn configured the
same way. Every figure is a ratio against its baseline measured moments before, in the same run:

- GET workloads: `wrk` (Debian package; installed with apt-get when missing) drives each URL for a
  fixed time with 8 connections; ratio = TradeHub requests/s / hello requests/s (higher is
  better, 1.00 would be as fast as a bare DRF request);
- charts: `GET /api/v1/shipments/{ref}/readings/` — a 48-hour window on a shipment with 1,000,000
  readings against the same window on one with 10,000, and the whole-history hourly chart (rollups)
  against the same buckets aggregated from raw readings; ratio = time over the baseline's time
  (lower is better), both measured with wrk in the same round;
- telemetry: `POST /api/v1/telemetry/` with 10,000 new readings, then the same batch again (all
  duplicates); ratio = time of a raw psycopg COPY of the same rows into a bare table / time of
  the request (higher is better). The web worker's memory growth (RSS) during the POST is read
  from /proc.

Rounds are interleaved (baseline, workload, baseline, workload, ...) and the median of the
per-round ratios is reported. The table is written into docs/benchmarks.md between the
`e2e` markers (with `--no-write` it is only printed).
"""

import argparse
import contextlib
import datetime as dt
import http.client
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
DOC = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- e2e:start -->", "<!-- e2e:end -->"
READINGS = 10_000
RAW_TABLE = "bench_raw_copy"


def bench_env() -> dict[str, str]:
    """Production settings with bench secrets, the bench database and a throttle that never
    refuses (the throttle still runs: its cost is part of the request stack)."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="tradehub.settings.production",
        SECRET_KEY="bench-e2e-secret-key-not-for-production-0123456789",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="False",
        DATABASE_URL=os.environ.get(
            "BENCH_E2E_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tradehub_bench_e2e"
        ),
        REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        API_THROTTLE_RATE="100000000/min",
        LOG_LEVEL="WARNING",
        STATIC_ROOT=str(ROOT / "var" / "bench-static"),
        PYTHONPATH=str(ROOT),
    )
    return env


def run(cmd: list[str], env: dict[str, str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, env=env, cwd=ROOT, check=True, text=True, **kwargs)


def ensure_database(env: dict[str, str]) -> None:
    import psycopg
    from psycopg import sql

    url = env["DATABASE_URL"]
    name = url.rsplit("/", 1)[1].split("?")[0]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("installing wrk (Debian package)")
    subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=False, capture_output=True)
    found = shutil.which("wrk")
    if not found:
        subprocess.run(["apt-get", "update", "-q"], check=False, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, capture_output=True)
        found = shutil.which("wrk")
    assert found, "wrk could not be installed"
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def gunicorn(app: str, env: dict[str, str], health: str) -> Iterator[tuple[str, int]]:
    """Serve `app` with 2 workers x 4 threads (gthread); yield (base URL, master pid)."""
    port = free_port()
    proc = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            app,
            "--workers=2",
            "--threads=4",
            f"--bind=127.0.0.1:{port}",
            "--log-level=warning",
        ],
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + health, timeout=5):
                    break
            except urllib.error.HTTPError:
                break  # it answers (the health check may say 503 about a worker or beat)
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn {app} did not start") from None
                time.sleep(0.3)
        yield base, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def workers_of(master: int) -> list[int]:
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == master:
                pids.append(int(stat.parent.name))
    return pids


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_ticks(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime + stime
    return total


def wait_idle(pids: list[int], limit: float = 15.0) -> None:
    """Wait until the servers have finished the requests wrk left in flight when it stopped
    (no CPU used for 0.2 s), so they do not slow down the next measurement."""
    deadline = time.monotonic() + limit
    last, quiet = cpu_ticks(pids), 0
    while quiet < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
        now = cpu_ticks(pids)
        quiet = quiet + 1 if now == last else 0
        last = now


def get(url: str, key: str | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url)
    if key:
        request.add_header("Authorization", f"Api-Key {key}")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wrk_rps(
    wrk: str, url: str, seconds: int, key: str | None, servers: list[int] | None = None
) -> float:
    """Requests per second over `seconds` with 8 connections; every answer must be 2xx."""
    if servers:
        wait_idle(servers)
    cmd = [wrk, "-t2", "-c8", f"-d{seconds}s", "--timeout=30s"]
    if key:
        cmd += ["-H", f"Authorization: Api-Key {key}"]
    out = subprocess.run([*cmd, url], check=True, capture_output=True, text=True).stdout
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if bad:
        raise RuntimeError(f"{url}: {bad.group(1)} error answers under load\n{out}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    assert match, out
    return float(match.group(1))


# --- telemetry ------------------------------------------------------------------------------


def reading_rows(reference: str, sensor: str, start: dt.datetime) -> list[dict[str, Any]]:
    return [
        {
            "shipment": reference,
            "sensor_id": sensor,
            "recorded_at": (start + dt.timedelta(seconds=30 * i)).isoformat(),
            "temperature_c": round(2.0 + (i % 50) / 10, 1),
            "humidity_pct": 90.0,
        }
        for i in range(READINGS)
    ]


def post_json(base: str, path: str, body: bytes, key: str) -> tuple[int, bytes, float]:
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=300)
    headers = {"Content-Type": "application/json", "Authorization": f"Api-Key {key}"}
    start = time.perf_counter()
    conn.request("POST", path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    elapsed = time.perf_counter() - start
    conn.close()
    return response.status, data, elapsed


class RawCopy:
    """The baseline: psycopg COPY of the same rows into a bare table (no keys, no indexes)."""

    def __init__(self, url: str) -> None:
        import psycopg

        self.conn = psycopg.connect(url)
        self.conn.execute(
            f"CREATE TABLE IF NOT EXISTS {RAW_TABLE} (shipment_id bigint, sensor_id text, "
            "recorded_at timestamptz, temperature_c double precision, humidity_pct double precision)"
        )
        self.conn.commit()

    def timed(self, rows: list[tuple[Any, ...]]) -> float:
        self.conn.execute(f"TRUNCATE {RAW_TABLE}")
        self.conn.commit()
        start = time.perf_counter()
        with (
            self.conn.cursor() as cur,
            cur.copy(
                f"COPY {RAW_TABLE} (shipment_id, sensor_id, recorded_at, temperature_c, humidity_pct) "
                "FROM STDIN"
            ) as copy,
        ):
            for row in rows:
                copy.write_row(row)
        self.conn.commit()
        return time.perf_counter() - start

    def analyze_readings(self, shipment_id: int) -> None:
        """ANALYZE the readings partitions that hold the shipment's readings, untimed, as
        autovacuum would: each round adds 20,000 readings of two new sensors to the same days,
        and a PostgreSQL running with `autovacuum = off` (this VM's) never refreshes the
        statistics, so the planner, still seeing no such shipment, reads the re-sent batch's
        series through `reading_series` with the sensor as a filter (every earlier round's
        readings: 284 ms for 189,208 rows, growing each round). With autovacuum, a partition
        whose rows changed by a tenth is analysed again within a minute."""
        partitions = self.conn.execute(
            "SELECT DISTINCT tableoid::regclass::text FROM shipments_temperaturereading "
            "WHERE shipment_id = %s",
            [shipment_id],
        ).fetchall()
        for (partition,) in partitions:
            self.conn.execute(f"ANALYZE {partition}")
        self.conn.commit()


def telemetry_rounds(
    base: str, master: int, state: dict[str, Any], env: dict[str, str], rounds: int
) -> dict[str, list[float]]:
    raw = RawCopy(env["DATABASE_URL"])
    run_id = dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S")
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=7)
    result: dict[str, list[float]] = {
        "new": [],
        "again": [],
        "rss_mb": [],
        "new_seconds": [],
        "again_seconds": [],
    }
    for round_no in range(rounds + 1):  # round 0 warms the worker up, not counted
        rows = reading_rows(state["telemetry_shipment"], f"bench-{run_id}-{round_no}", start)
        body = json.dumps({"readings": rows}).encode()
        copy_rows = [
            (
                state["telemetry_shipment_id"],
                r["sensor_id"],
                dt.datetime.fromisoformat(r["recorded_at"]),
                r["temperature_c"],
                r["humidity_pct"],
            )
            for r in rows
        ]
        raw.analyze_readings(state["telemetry_shipment_id"])
        workers = workers_of(master)
        wait_idle(workers)
        before = {pid: rss_mb(pid) for pid in workers}
        base_new = raw.timed(copy_rows)
        status, answer, new_time = post_json(base, "/api/v1/telemetry/", body, state["key"])
        growth = max(rss_mb(pid) - before[pid] for pid in workers)
        if status != 202 or json.loads(answer).get("accepted") != READINGS:
            raise RuntimeError(f"telemetry POST answered {status}: {answer[:500]!r}")
        base_again = raw.timed(copy_rows)
        status, answer, again_time = post_json(base, "/api/v1/telemetry/", body, state["key"])
        if status != 202 or json.loads(answer).get("duplicates") != READINGS:
            raise RuntimeError(f"re-sent telemetry POST answered {status}: {answer[:500]!r}")
        if round_no:
            result["new"].append(base_new / new_time)
            result["again"].append(base_again / again_time)
            result["rss_mb"].append(growth)
            result["new_seconds"].append(new_time)
            result["again_seconds"].append(again_time)
    raw.conn.close()
    return result


# --- charts ---------------------------------------------------------------------------------


def chart_workloads(v1: str, state: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Label -> (measured URL, baseline URL); the ratio is the measured time over the baseline's.

    - a 48-hour window (15 min buckets, and a raw page of 500) on the shipment with 1,000,000
      readings vs the same window on the one with 10,000;
    - the whole-history hourly chart (first page of 500 buckets: rollups) vs the same buckets
      aggregated from the raw readings (`updated_since` in the past forces the raw path; the
      answers are identical, checked before timing)."""

    def window(name: str, query: str) -> str:
        end = dt.datetime.fromisoformat(state[f"{name}_end"])
        start = end - dt.timedelta(hours=48)
        z = "%Y-%m-%dT%H:%M:%SZ"
        return f"{v1}/shipments/{state[name]}/readings/?from={start:{z}}&to={end:{z}}&{query}"

    history = f"{v1}/shipments/{state['chart_big']}/readings/?bucket=1h&page_size=500"
    return {
        "48 h window, `?bucket=15m`: 1,000,000 readings vs 10,000": (
            window("chart_big", "bucket=15m"),
            window("chart_small", "bucket=15m"),
        ),
        "48 h window, raw page `?page_size=500`: 1,000,000 readings vs 10,000": (
            window("chart_big", "page_size=500"),
            window("chart_small", "page_size=500"),
        ),
        "whole history `?bucket=1h` (rollups) vs the same buckets from raw readings": (
            history,
            history + "&updated_since=2000-01-01T00:00:00Z",
        ),
    }


def same_buckets(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> bool:
    """The same buckets, counts and extremes; averages equal to their rounding (sums of floats
    added in another order may differ in the last place)."""
    return len(a) == len(b) and all(
        (x["start"], x["count"], x["min"], x["max"]) == (y["start"], y["count"], y["min"], y["max"])
        and abs(x["avg"] - y["avg"]) <= 0.0011
        for x, y in zip(a, b, strict=True)
    )


def chart_rounds(
    wrk: str,
    workloads: dict[str, tuple[str, str]],
    key: str,
    seconds: int,
    rounds: int,
    servers: list[int],
) -> dict[str, list[float]]:
    """Time ratios (baseline requests/s over measured requests/s), one per round; the baseline
    goes first in even rounds and second in odd ones."""
    for label, (measured, baseline) in workloads.items():
        answers = []
        for url in (measured, baseline):
            status, body = get(url, key)
            if status != 200 or not json.loads(body)["results"]:
                raise RuntimeError(f"{label}: {url} answered {status}: {body[:300]!r}")
            answers.append(json.loads(body)["results"])
        if "whole history" in label and not same_buckets(answers[0], answers[1]):
            raise RuntimeError(f"{label}: rollups and raw readings disagree")
    # At least 5 s: the raw whole-history aggregation takes about a second a request here.
    seconds = max(seconds, 5)
    ratios: dict[str, list[float]] = {label: [] for label in workloads}
    for round_no in range(rounds):
        for label, (measured, baseline) in workloads.items():
            if round_no % 2:
                fast = wrk_rps(wrk, measured, seconds, key, servers)
                base = wrk_rps(wrk, baseline, seconds, key, servers)
            else:
                base = wrk_rps(wrk, baseline, seconds, key, servers)
                fast = wrk_rps(wrk, measured, seconds, key, servers)
            if not fast or not base:
                raise RuntimeError(f"{label}: no request finished within {seconds} s")
            ratios[label].append(base / fast)
    return ratios


# --- the run --------------------------------------------------------------------------------


def machine() -> str:
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    load = os.getloadavg()[0]
    return (
        f"{os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, load average {load:.1f} at start"
    )


def commit() -> str:
    sha = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True
    )
    return sha + (" (with uncommitted changes)" if dirty.stdout.strip() else "")


def profile(pid: int, seconds: float, out: Path, load: Callable[[], object]) -> None:
    """py-spy over one worker while `load` runs; the flat top of the collapsed stacks."""
    spy = subprocess.Popen(
        [
            str(VENV_BIN / "py-spy"),
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(int(seconds)),
            "--format",
            "raw",
            "--output",
            str(out),
            "--nonblocking",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    load()
    spy.wait()
    print(f"profile written to {out} (collapsed stacks; flamegraph.pl or speedscope read it)")
    summarize_profile(out)


def summarize_profile(path: Path, top: int = 25) -> None:
    """Inclusive share of samples per frame (file:function), the top ones."""
    inclusive: dict[str, int] = {}
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        count = int(count_text)
        total += count
        seen = set()
        for frame in stack.split(";"):
            name = re.sub(r" \(.*?/(site-packages|i15|main)/", " (", frame)
            name = re.sub(r":\d+\)$", ")", name)
            if name not in seen:
                seen.add(name)
                inclusive[name] = inclusive.get(name, 0) + count
    for name, count in sorted(inclusive.items(), key=lambda item: -item[1])[:top]:
        print(f"  {100 * count / total:5.1f}%  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 rounds of 2 s (under 2 minutes)")
    parser.add_argument("--rounds", type=int, help="interleaved rounds (default 5, quick 2)")
    parser.add_argument("--seconds", type=int, help="wrk seconds per measurement (5, quick 2)")
    parser.add_argument("--no-write", action="store_true", help="print, do not edit the doc")
    parser.add_argument("--profile", metavar="WORKLOAD", help="py-spy one workload and stop")
    parser.add_argument(
        "--telemetry-only",
        action="store_true",
        help="only the telemetry rows (paired with raw COPY), printed, the doc left alone",
    )
    parser.add_argument(
        "--charts-only",
        action="store_true",
        help="only the temperature chart rows (no telemetry writes before them), printed, the "
        "doc left alone",
    )
    parser.add_argument(
        "--declarations",
        type=int,
        default=0,
        metavar="N",
        help="also build N bulk declarations (a tenth one partner's) and time its first and "
        "last pages and an empty updated_since poll (issue #15: 1000000)",
    )
    args = parser.parse_args()
    rounds = args.rounds or (2 if args.quick else 5)
    seconds = args.seconds or (2 if args.quick else 5)

    env = bench_env()
    Path(env["STATIC_ROOT"]).mkdir(parents=True, exist_ok=True)
    wrk = ensure_wrk()
    ensure_database(env)
    python = str(VENV_BIN / "python")
    run([python, "manage.py", "migrate", "--noinput", "-v", "0"], env)
    data_cmd = [python, "-m", "bench.e2e.data"]
    if args.declarations:
        data_cmd += ["--declarations", str(args.declarations)]
    state = json.loads(run(data_cmd, env, capture_output=True).stdout.splitlines()[-1])
    started = dt.datetime.now(dt.UTC)
    revision = commit()  # what the servers run: read before they start, not after the run
    host = machine()  # the load average at the start
    if args.declarations:
        host += f"; {args.declarations:,} bulk declarations"
    hello_env = {**env, "DJANGO_SETTINGS_MODULE": "bench.e2e.hello"}
    with (
        gunicorn("tradehub.wsgi:application", env, "/api/v1/health/") as (app, master),
        gunicorn("bench.e2e.hello:application", hello_env, "/hello/") as (hello, hello_master),
    ):
        v1 = app + "/api/v1"
        workloads = {
            "DRF hello (noise: baseline vs itself)": (hello + "/hello/", None),
            "`GET /products/?page_size=1` (request stack)": (v1 + "/products/?page_size=1", "key"),
            "`GET /shipments/{ref}/` (detail)": (v1 + f"/shipments/{state['shipment']}/", "key"),
            "`GET /shipments/?page_size=50` (3 lots, 2 legs each)": (
                v1 + "/shipments/?page_size=50",
                "key",
            ),
            "`GET /declarations/{ref}/` (detail)": (
                v1 + f"/declarations/{state['declaration']}/",
                "key",
            ),
            "`GET /declarations/?page_size=50` (3 goods items each)": (
                v1 + "/declarations/?page_size=50",
                "key",
            ),
            "`GET /alerts/?page_size=50`": (v1 + "/alerts/?page_size=50", "key"),
            "`GET /locations/?search=alma`": (v1 + "/locations/?search=alma", "key"),
        }
        pairs: dict[str, tuple[str, str]] = {}
        if args.declarations:
            bulk = f"{args.declarations:,} declarations, {args.declarations // 10:,} the partner's"
            first = f"`GET /declarations/?page_size=50`, {bulk}: first page"
            last = f"the same list's last page (`cursor=`, {args.declarations // 10:,} rows back)"
            one = "`GET /declarations/?page_size=1` (the same partner)"
            poll = "`GET /declarations/?updated_since=<start of the run>` (answers nothing)"
            since = started.strftime("%Y-%m-%dT%H:%M:%SZ")
            workloads[first] = (v1 + "/declarations/?page_size=50", "bulk_key")
            workloads[last] = (v1 + "/declarations/?" + last_page_query(env, state), "bulk_key")
            workloads[one] = (v1 + "/declarations/?page_size=1", "bulk_key")
            workloads[poll] = (v1 + f"/declarations/?updated_since={since}", "bulk_key")
            pairs = {
                "last page / first page (target ≤ 1.5)": (last, first),
                "empty `updated_since` poll / 1-row list (target ≤ 1.2)": (poll, one),
            }
        # Every URL answers 200 (lists with 50 objects) before anything is timed.
        for label, (url, auth) in workloads.items():
            status, body = get(url, state[auth] if auth else None)
            if status != 200:
                raise RuntimeError(f"{label}: {url} answered {status}: {body[:300]!r}")
            if "page_size=50" in url and "cursor=" in url and not json.loads(body)["results"]:
                raise RuntimeError(f"{label}: the last page is empty")
            document = json.loads(body)
            if "page_size=50" in url and "cursor=" not in url and len(document["results"]) != 50:
                raise RuntimeError(f"{label}: {len(document['results'])} objects, not 50")
        status, body = get(f"{v1}/shipments/{state['telemetry_shipment']}/", state["key"])
        state["telemetry_shipment_id"] = telemetry_shipment_id(env, state["telemetry_shipment"])

        if args.telemetry_only:
            telemetry = telemetry_rounds(app, master, state, env, rounds)
            purge_queue(env)
            print(f"{started:%Y-%m-%d %H:%MZ}, commit {revision}; {host}; {rounds} rounds")
            print("\n".join(render_telemetry(rounds, telemetry)))
            return
        if args.charts_only:
            servers = workers_of(master) + workers_of(hello_master)
            charts = chart_rounds(
                wrk, chart_workloads(v1, state), state["chart_key"], seconds, rounds, servers
            )
            print(f"{started:%Y-%m-%d %H:%MZ}, commit {revision}; {host}; {rounds} rounds")
            print("\n".join(f"| {label} | {spread(values)} |" for label, values in charts.items()))
            return
        if args.profile == "telemetry":
            out = ROOT / "var" / "profile-telemetry.txt"
            spies = [
                (
                    subprocess.Popen(
                        [
                            str(VENV_BIN / "py-spy"),
                            "record",
                            "--pid",
                            str(pid),
                            "--format",
                            "raw",
                            "--output",
                            f"{out}.{pid}",
                            "--nonblocking",
                        ],
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    ),
                    Path(f"{out}.{pid}"),
                )
                for pid in workers_of(master)
            ]
            telemetry_rounds(app, master, state, env, 2)
            for spy, _ in spies:
                spy.send_signal(2)  # SIGINT: py-spy writes what it has
                spy.wait()
            out.write_text("".join(part.read_text() for _, part in spies if part.exists()))
            summarize_profile(out, top=60)
            return
        if args.profile:
            label, (url, auth) = next(
                (label, value) for label, value in workloads.items() if args.profile in label
            )
            worker = workers_of(master)[0]
            secs = max(seconds, 10)
            out = ROOT / "var" / f"profile-{re.sub(r'[^a-z0-9]+', '-', args.profile)}.txt"
            profile(
                worker, secs, out, lambda: wrk_rps(wrk, url, secs, state[auth] if auth else None)
            )
            return

        servers = workers_of(master) + workers_of(hello_master)
        ratios: dict[str, list[float]] = {label: [] for label in workloads}
        rates: dict[str, list[float]] = {label: [] for label in workloads}
        for _ in range(rounds):
            for label, (url, auth) in workloads.items():
                baseline = wrk_rps(wrk, hello + "/hello/", seconds, None, servers)
                measured = wrk_rps(wrk, url, seconds, state[auth] if auth else None, servers)
                ratios[label].append(measured / baseline)
                rates[label].append(measured)
            print(".", end="", flush=True)
        telemetry = telemetry_rounds(app, master, state, env, rounds)
        charts = chart_rounds(
            wrk, chart_workloads(v1, state), state["chart_key"], seconds, rounds, servers
        )
        print()
    purge_queue(env)

    table = render(
        started, f"{revision}; {host}", rounds, seconds, ratios, rates, telemetry, charts
    )
    if pairs:
        table += "\n\n" + render_pairs(pairs, rates)
    print(table)
    if not args.no_write:
        write_doc(table)
        print(f"written to {DOC.relative_to(ROOT)}")


def last_page_query(env: dict[str, str], state: dict[str, Any]) -> str:
    """The query string of the bulk partner's last page of 50, as the `next` link of the page
    before it would spell it (DRF's cursor: base64 of `p=<created_at of that page's last row>`)."""
    import base64
    import urllib.parse

    import psycopg

    with psycopg.connect(env["DATABASE_URL"]) as conn:
        row = conn.execute(
            "SELECT d.created_at FROM declarations_declaration d JOIN partners_partner p "
            "ON p.id = d.partner_id WHERE p.name = %s ORDER BY d.created_at, d.id "
            "OFFSET 50 LIMIT 1",
            ["Bench E2E Bulk Partner"],
        ).fetchone()
        assert row is not None, "no bulk declarations"
    position = str(row[0].astimezone(dt.UTC))
    cursor = base64.b64encode(urllib.parse.urlencode({"p": position}).encode()).decode()
    return urllib.parse.urlencode({"page_size": 50, "cursor": cursor})


def telemetry_shipment_id(env: dict[str, str], reference: str) -> int:
    import psycopg

    with psycopg.connect(env["DATABASE_URL"]) as conn:
        row = conn.execute(
            "SELECT id FROM shipments_shipment WHERE reference = %s", [reference]
        ).fetchone()
        assert row is not None
        return int(row[0])


def purge_queue(env: dict[str, str]) -> None:
    """The telemetry POSTs queued processing tasks; no worker runs in the bench, drop them."""
    subprocess.run(
        [str(VENV_BIN / "celery"), "-A", "tradehub", "purge", "-f"],
        env=env,
        cwd=ROOT,
        check=False,
        capture_output=True,
    )


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.3f}x (rounds {min(values):.3f}–{max(values):.3f})"


def render(
    started: dt.datetime,
    revision: str,
    rounds: int,
    seconds: int,
    ratios: dict[str, list[float]],
    rates: dict[str, list[float]],
    telemetry: dict[str, list[float]],
    charts: dict[str, list[float]] | None = None,
) -> str:
    lines = [
        f"Measured with `bin/bench e2e{' --quick' if rounds == 2 and seconds == 2 else ''}` on "
        f"{started:%Y-%m-%d %H:%MZ}, commit {revision}. "
        f"{rounds} interleaved rounds, {seconds:g} s of `wrk -t2 -c8` per measurement, "
        "medians of the per-round ratios. Higher is faster; 1.00 = the baseline.",
        "",
        "| workload | TradeHub vs baseline | baseline | requests/s here (median) |",
        "| --- | --- | --- | --- |",
    ]
    for label, values in ratios.items():
        rate = statistics.median(rates[label])
        lines.append(f"| {label} | {spread(values)} | DRF hello | {rate:.0f} |")
    lines.extend(render_telemetry(rounds, telemetry))
    if charts:
        lines += [
            "",
            "Temperature charts (issue #15 targets: window ≤ 1.50x, whole history ≤ 0.25x): time of "
            "the request over its baseline's, both TradeHub requests in the same round, alternating "
            "which goes first. Lower is faster.",
            "",
            "| chart request | time vs baseline |",
            "| --- | --- |",
        ]
        lines += [f"| {label} | {spread(values)} |" for label, values in charts.items()]
    return "\n".join(lines)


def render_telemetry(rounds: int, telemetry: dict[str, list[float]]) -> list[str]:
    """The telemetry rows of the table."""
    return [
        f"| `POST /telemetry/`, {READINGS:,} new readings | {spread(telemetry['new'])} | "
        "raw psycopg COPY of the same rows into a bare table | "
        f"{READINGS / statistics.median(telemetry['new_seconds']):.0f} readings/s |",
        f"| the same batch re-sent (all duplicates) | {spread(telemetry['again'])} | raw COPY | "
        f"{READINGS / statistics.median(telemetry['again_seconds']):.0f} readings/s |",
        f"| web worker memory growth during one {READINGS:,}-reading POST | "
        f"{max(telemetry['rss_mb']):.1f} MB (largest of {rounds} rounds) | — | — |",
    ]


def render_pairs(pairs: dict[str, tuple[str, str]], rates: dict[str, list[float]]) -> str:
    """Time of one workload over another's, per round (from the same rounds' requests/s)."""
    lines = [
        "| pagination at scale | time ratio (lower is better) |",
        "| --- | --- |",
    ]
    for label, (slow, fast) in pairs.items():
        values = [f / s for f, s in zip(rates[fast], rates[slow], strict=True)]
        lines.append(f"| {label} | {spread(values)} |")
    return "\n".join(lines)


def write_doc(table: str) -> None:
    text = DOC.read_text()
    if START in text and END in text:
        head, rest = text.split(START, 1)
        _, tail = rest.split(END, 1)
        text = f"{head}{START}\n{table}\n{END}{tail}"
    else:
        text = text.rstrip("\n") + f"\n\n{START}\n{table}\n{END}\n"
    DOC.write_text(text)


if __name__ == "__main__":
    main()
