"""Shared bench helpers: Django setup with the test settings, and paired ratio timing."""

import gc
import os
import statistics
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django() -> None:
    """Configure Django with the test settings (PostgreSQL from DATABASE_URL)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tradehub.settings.test")
    import django

    django.setup()


def timed(run: Callable[[], object], before: Callable[[], object] | None = None) -> float:
    """Wall time of one `run` (after an untimed `before`), without garbage-collector pauses."""
    if before is not None:
        before()
    gc.collect()
    gc.disable()  # as timeit does: no GC pauses caused by the bench's own test data
    try:
        start = time.perf_counter()
        run()
        return time.perf_counter() - start
    finally:
        gc.enable()


def paired_ratios(
    paths: Mapping[str, Callable[[], object]],
    baseline: str,
    rounds: int,
    before: Callable[[], object] | None = None,
) -> dict[str, float]:
    """Median over `rounds` of each path's time divided by the baseline's time in the same round.

    Pairing each measurement with a baseline taken moments before keeps the ratios stable on a
    shared machine whose load changes during the run.
    """
    ratios: dict[str, list[float]] = {label: [] for label in paths}
    for _ in range(rounds):
        base = timed(paths[baseline], before)
        for label, run in paths.items():
            ratios[label].append(timed(run, before) / base)
    return {label: statistics.median(values) for label, values in ratios.items()}


def print_ratios(title: str, ratios: Mapping[str, float]) -> None:
    """One line per path: 'label   2.31x baseline time' (lower is faster)."""
    print(title)
    for label, ratio in ratios.items():
        print(f"  {label:<36} {ratio:6.2f}x baseline time")
