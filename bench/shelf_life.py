"""Shelf-life integration: advance() and track_excursions() over 100,000 readings vs a raw loop.

Run: python bench/shelf_life.py   (pure Python; no database needed)

Baseline: the smallest loop that does the same arithmetic for one Q10 (timestamp, exp, trapezoid)
over the same reading objects. Prints time ratios against it, each paired with a baseline run in the same round.
"""

import math
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _setup import paired_ratios, print_ratios

from shipments.shelf_life import (
    ExcursionTracker,
    LotState,
    ProductProfile,
    Reading,
    advance,
    track_excursions,
)

N = 100_000
ROUNDS = 9
TOMATO = ProductProfile(
    storage_temp_min_c=10,
    storage_temp_max_c=15,
    storage_temp_optimal_c=12.5,
    storage_life_days=14,
    chilling_sensitive=True,
    chilling_threshold_c=10,
    highest_freezing_point_c=-0.5,
)


def make_readings() -> list[Reading]:
    """A reefer at 12.5 °C with noise, a warm spell and a cold spell, every 5 minutes."""
    rnd = random.Random(42)
    start = datetime(2026, 6, 1, tzinfo=UTC)
    out = []
    for i in range(N):
        temp = 12.5 + rnd.gauss(0, 0.8)
        if 20_000 <= i < 20_200:
            temp += 12
        if 60_000 <= i < 60_300:
            temp -= 9
        out.append(Reading(start + timedelta(minutes=5 * i), temp))
    return out


def baseline(readings: list[Reading]) -> float:
    """Single-Q10 trapezoid integration with no rules: the floor for any Python implementation."""
    k = math.log(2.5) / 10.0
    topt = 12.5
    sl_h = 14 * 24.0
    consumed = 0.0
    prev_ts = readings[0].recorded_at.timestamp()
    prev_rate = math.exp(k * (readings[0].temperature_c - topt))  # type: ignore[operator]
    for r in readings:
        ts = r.recorded_at.timestamp()
        rate = math.exp(k * (r.temperature_c - topt))  # type: ignore[operator]
        consumed += (prev_rate + rate) * 0.5 * (ts - prev_ts) / 3600.0 / sl_h
        prev_ts, prev_rate = ts, rate
    return consumed


def in_batches(readings: list[Reading], size: int) -> LotState:
    state = LotState()
    for i in range(0, len(readings), size):
        state = advance(state, TOMATO, readings[i : i + size])
    return state


def main() -> None:
    readings = make_readings()
    shuffled = readings[:]
    random.Random(1).shuffle(shuffled)
    paths = {
        "baseline (raw single-Q10 loop)": lambda: baseline(readings),
        "advance(), one call": lambda: advance(LotState(), TOMATO, readings),
        "advance(), one call, shuffled input": lambda: advance(LotState(), TOMATO, shuffled),
        "advance(), 100 batches of 1,000": lambda: in_batches(readings, 1_000),
        "track_excursions(), one call": lambda: track_excursions(
            ExcursionTracker(), TOMATO, readings
        ),
    }
    ratios = paired_ratios(paths, "baseline (raw single-Q10 loop)", ROUNDS)
    print_ratios(f"shelf life, {N:,} readings, median of {ROUNDS} paired rounds", ratios)


if __name__ == "__main__":
    main()
