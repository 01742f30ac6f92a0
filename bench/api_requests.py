"""CPU per request of the partner API's read workloads, in process, against DRF hello.

Run: BENCH_E2E_DATABASE_URL=postgres://.../tradehub_e2e_<you> python bench/api_requests.py
     [--repeat N] [--profile WORKLOAD] [WORKLOAD ...]

The requests of `bin/bench e2e` (production settings, the e2e bench data without the chart
shipments, an API key, the throttle running) through Django's test client, without gunicorn or
sockets, timed with `time.process_time`: this process's CPU, so the load of a shared machine
counts less than in wall-clock figures (the PostgreSQL and Redis servers' own CPU is not
included). The baseline is the bench's DRF hello app (`bench/e2e/hello.py`) requested the same way
in a child process during the same run. Prints, per workload, the median CPU per request of
`--repeat` rounds and that median over hello's (lower is better: the issue's 0.10x target for a
list of 50 means about 10x, 0.20x for a detail about 5x). `--profile WORKLOAD` prints cProfile's
top entries for one workload instead.
"""

import cProfile
import os
import pstats
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from e2e import data  # noqa: E402
from e2e.run import bench_env, last_page_query  # noqa: E402

os.environ.update(bench_env())

HELLO = """
import statistics, time
from django.test import Client
client = Client(HTTP_HOST="127.0.0.1")
for _ in range(200):
    client.get("/hello/")
rounds = []
for _ in range({repeat}):
    start = time.process_time()
    for _ in range(200):
        client.get("/hello/")
    rounds.append((time.process_time() - start) / 200)
print(statistics.median(rounds))
"""


def hello_cpu(repeat: int) -> float:
    """Seconds of CPU per request of the DRF hello app, in a child process like this one."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.e2e.hello", "PYTHONPATH": str(ROOT)}
    code = "import django; django.setup()\n" + HELLO.format(repeat=repeat)
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True
    )
    return float(out.stdout.split()[-1])


def main() -> None:
    args = sys.argv[1:]
    repeat = 5
    if "--repeat" in args:
        at = args.index("--repeat")
        repeat = int(args[at + 1])
        del args[at : at + 2]
    profile = None
    if "--profile" in args:
        at = args.index("--profile")
        profile = args[at + 1]
        del args[at : at + 2]

    data.setup()
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from shipments.models import Alert
    from tradehub.partners.models import Partner

    state = data.build(charts=False)
    alert = (
        Alert.objects.filter(partner=Partner.objects.get(name=data.PARTNER))
        .order_by("id")
        .values_list("reference", flat=True)
        .first()
    )
    workloads = {
        "shipments/?page_size=50": 10,
        f"shipments/{state['shipment']}/": 50,
        "alerts/?page_size=50": 20,
        f"alerts/{alert}/": 100,
        "declarations/?page_size=50": 10,
        f"declarations/{state['declaration']}/": 50,
    }
    clients = {
        path: Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Api-Key {state['key']}")
        for path in workloads
    }
    if state.get("bulk_key"):
        # The pagination-at-scale requests of `bin/bench e2e --declarations N` (the bulk data,
        # once built there), as the bulk partner: first and last page, a 1-row page, an empty poll.
        bulk = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Api-Key {state['bulk_key']}")
        since = timezone.now().isoformat().replace("+00:00", "Z")
        env = {"DATABASE_URL": os.environ["DATABASE_URL"]}
        for path, count in {
            "declarations/?page_size=50&bulk=first": 10,
            "declarations/?" + last_page_query(env, state) + "&bulk=last": 10,
            "declarations/?page_size=1&bulk=one": 50,
            f"declarations/?updated_since={since}&bulk=poll": 50,
        }.items():
            workloads[path] = count
            clients[path] = bulk
    chosen = [w for w in workloads if any(w.startswith(a) for a in args)] if args else workloads

    def get(path: str) -> None:
        # `bulk=` only names a bulk workload; the request goes without it.
        response = clients[path].get(f"/api/v1/{path.split('&bulk=')[0]}")
        assert response.status_code == 200, response.content[:300]

    if profile is not None:
        path = next(w for w in workloads if w.startswith(profile))
        for _ in range(5):
            get(path)
        profiler = cProfile.Profile(time.process_time)  # CPU, as the figures are
        profiler.enable()
        for _ in range(workloads[path]):
            get(path)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
        return

    hello = hello_cpu(repeat)
    print(
        f"CPU per request in process (time.process_time), median of {repeat} rounds; "
        f"DRF hello {hello * 1000:.2f} ms; load average {os.getloadavg()[0]:.1f}"
    )
    for path in chosen:
        count = workloads[path]
        for _ in range(3):
            get(path)
        rounds = []
        for _ in range(repeat):
            start = time.process_time()
            for _ in range(count):
                get(path)
            rounds.append((time.process_time() - start) / count)
        cpu = statistics.median(rounds)
        print(f"  GET /{path[:60]:<60} {cpu * 1000:7.2f} ms  {cpu / hello:6.1f}x hello")
    connection.close()


if __name__ == "__main__":
    main()
