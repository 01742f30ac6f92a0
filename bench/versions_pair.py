"""Paired CPU of the kept shipment pages' check, two ways of doing it in one process.

    python bench/versions_pair.py [--rounds 7] [--requests 200] [--compare digests|lookup]
        [WORKLOAD ...]

On `bench/request_stack.py`'s set-up (production settings, the e2e bench data), each round runs
every workload (`shipments`: a list of 50; `shipment`: a detail) `--requests` times each way,
alternating which goes first. `--compare digests`: the related queries' digests of their rows'
text (`_versioned` left out, as before session 22) against their rows' versions. `--compare
lookup`: the detail's lookup, then the digests (two round trips, `found_with_digests` left
out) against both in one prepared statement. `--compare none`: the code as it is (to run this
file copied into another tree, alternately with this one). Per request: this process's CPU
and the PostgreSQL backend's (`/proc/<pid>/stat` utime + stime of the connection's
`pg_backend_pid()`, 10 ms ticks: hence many requests per block). Prints the medians over the
rounds.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from request_stack import caller, setup  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def backend_cpu_ms(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / TICK


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("workloads", nargs="*", default=["shipments", "shipment"])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--compare", choices=["digests", "lookup", "none"], default="digests")
    args = parser.parse_args()
    workloads = setup()
    from django.core.wsgi import get_wsgi_application
    from django.db import connection

    from shipments.api import representations
    from shipments.api.representations import _related
    from tradehub.api import kept

    app = get_wsgi_application()
    calls = {
        name: caller(app, *workloads[name][:2], **workloads[name][3]) for name in args.workloads
    }
    queries = [query for query, _ in _related([1])]
    for call in calls.values():
        call()
    compiled = {query: query._compiled for query in queries}

    # Where the detail's lookup meets its digests: `tradehub.api.kept` (the shipments' own copy
    # in older trees).
    lookup_module: Any = kept if hasattr(kept, "found_rows") else representations
    found_with_digests: Any = getattr(lookup_module, "found_with_digests", None)
    ways = {
        "digests": ["text", "versions"],
        "lookup": ["two-trips", "one-trip"],
        "none": ["as-is"],
    }[args.compare]

    def use(way: str) -> None:
        if way == "as-is":  # the tree's own code, e.g. an older one's (copy this file into it)
            return
        one_trip = way != "two-trips"
        lookup_module.found_with_digests = found_with_digests if one_trip else lambda *args: None
        versions = way != "text"
        for query, found in compiled.items():
            assert found is not None
            key, current = found
            query._compiled = (key, current if versions else (*current[:7], None))

    def pid() -> int:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            return int(cursor.fetchone()[0])

    figures: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for n in range(args.rounds):
        modes = ways if n % 2 == 0 else ways[::-1]
        for name, call in calls.items():
            for mode in modes:
                use(mode)
                for _ in range(5):
                    call()
                while True:  # again if the connection was renewed (CONN_MAX_AGE) meanwhile
                    backend = pid()
                    server, cpu = backend_cpu_ms(backend), time.process_time()
                    for _ in range(args.requests):
                        call()
                    python = (time.process_time() - cpu) * 1000 / args.requests
                    if pid() == backend:
                        break
                server = (backend_cpu_ms(backend) - server) / args.requests
                figures.setdefault((name, mode), []).append((python, server))
    print(f"load average {os.getloadavg()}")
    for (name, mode), values in figures.items():
        python = statistics.median(v[0] for v in values)
        server = statistics.median(v[1] for v in values)
        total = statistics.median(v[0] + v[1] for v in values)
        print(
            f"{name:10} {mode:8} python {python:.3f} ms  postgres {server:.3f} ms  sum {total:.3f} ms"
        )


if __name__ == "__main__":
    main()
