"""The shelf-life model pinned to the produce README numbers, and its incremental integration."""

import csv
import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shipments.shelf_life import (
    DEFAULT_Q10_0_10,
    DEFAULT_Q10_10_20,
    DEFAULT_Q10_20_30,
    ExcursionTracker,
    LotState,
    ProductProfile,
    Reading,
    advance,
    condition,
    consumed_fraction_at,
    remaining_shelf_life_hours,
    track_excursions,
)

T0 = datetime(2026, 6, 1, tzinfo=UTC)

# A non-chilling product whose optimum is 0 °C (the README's reference commodity).
REFERENCE = ProductProfile(
    storage_temp_min_c=-0.5,
    storage_temp_max_c=0.5,
    storage_temp_optimal_c=0.0,
    storage_life_days=100,
    highest_freezing_point_c=-0.9,
)
# Cherry tomato from storage.csv.
TOMATO = ProductProfile(
    storage_temp_min_c=10,
    storage_temp_max_c=15,
    storage_temp_optimal_c=12.5,
    storage_life_days=14,
    chilling_sensitive=True,
    chilling_threshold_c=10,
    highest_freezing_point_c=-0.5,
)
# Peach from storage.csv: chilling threshold (2.2) above its optimum (-0.5).
PEACH = ProductProfile(
    storage_temp_min_c=-1,
    storage_temp_max_c=0,
    storage_temp_optimal_c=-0.5,
    storage_life_days=21,
    chilling_sensitive=True,
    chilling_threshold_c=2.2,
    highest_freezing_point_c=-2.5,
)
GRAPE = ProductProfile(
    storage_temp_min_c=-1,
    storage_temp_max_c=0,
    storage_temp_optimal_c=-0.5,
    storage_life_days=56,
    highest_freezing_point_c=-2.7,
)


def series(temps: list[float], step_min: float = 10, start: datetime = T0) -> list[Reading]:
    """Readings every `step_min` minutes."""
    return [Reading(start + timedelta(minutes=step_min * i), t) for i, t in enumerate(temps)]


def last_at(state: LotState) -> datetime:
    """The state's last reading time (the tests always have one)."""
    assert state.last_reading_at is not None
    return state.last_reading_at


def relative_shelf_life(profile: ProductProfile, t: float) -> float:
    return 100.0 * profile.shelf_life_hours_at(t) / profile.storage_life_hours


@pytest.mark.parametrize(("temp", "expected"), [(0, 100), (10, 33), (20, 13), (30, 7), (40, 4)])
def test_relative_shelf_life_matches_the_readme_table(temp, expected):
    assert relative_shelf_life(REFERENCE, temp) == pytest.approx(expected, rel=0.08)


def test_default_q10_values_lie_inside_the_handbook_ranges():
    assert 2.5 <= DEFAULT_Q10_0_10 <= 4.0
    assert 2.0 <= DEFAULT_Q10_10_20 <= 2.5
    assert 1.5 <= DEFAULT_Q10_20_30 <= 2.0


def test_non_chilling_product_ten_degrees_above_optimum_loses_shelf_life_about_three_times_as_fast():
    held = advance(LotState(), REFERENCE, series([10.0] * 145))  # 24 h at 10 °C
    at_optimum = advance(LotState(), REFERENCE, series([0.0] * 145))
    assert held.consumed_fraction / at_optimum.consumed_fraction == pytest.approx(3.0, rel=0.01)


def test_rate_integrates_band_by_band_from_the_optimum():
    # Tomato optimum 12.5: 12.5 -> 20 in the 10-20 band, 20 -> 25 in the 20-30 band.
    expected = DEFAULT_Q10_10_20 ** (7.5 / 10) * DEFAULT_Q10_20_30 ** (5 / 10)
    assert TOMATO.rate(25.0) == pytest.approx(expected)
    assert REFERENCE.rate(0.0) == pytest.approx(1.0)


def test_colder_than_optimum_extends_life_for_a_non_chilling_product():
    assert GRAPE.rate(-1.0) < 1.0


def test_freezing_never_extends_life_and_accumulates_freezing_damage():
    assert GRAPE.rate(-3.0) == 1.0
    state = advance(LotState(), GRAPE, series([-3.7] * 7))  # 1 h at 1 °C below freezing point
    assert state.freezing_damage_deg_h == pytest.approx(1.0)
    assert condition(state, GRAPE, last_at(state), None) == "at_risk"


def test_tomato_held_at_4c_accrues_chilling_damage_and_does_not_gain_shelf_life():
    cold = advance(LotState(), TOMATO, series([4.0] * 145))  # 24 h
    optimum = advance(LotState(), TOMATO, series([12.5] * 145))
    assert cold.chilling_damage_deg_h == pytest.approx(6.0 * 24)
    assert cold.consumed_fraction >= optimum.consumed_fraction
    now = last_at(cold)
    assert remaining_shelf_life_hours(cold, TOMATO, now, T0) <= remaining_shelf_life_hours(
        optimum, TOMATO, now, T0
    )
    assert condition(cold, TOMATO, now, T0) == "at_risk"
    assert optimum.chilling_damage_deg_h == 0.0


def test_peach_at_its_optimum_below_its_threshold_is_not_chilled():
    state = advance(LotState(), PEACH, series([-0.5] * 13))
    assert state.chilling_damage_deg_h == 0.0
    assert not PEACH.chilling_applies


def test_warm_excursion_shortens_remaining_life_by_the_q10_model():
    temps = [0.0] * 6 + [20.0] * 7 + [0.0] * 6  # 1 h warm plateau between ramps
    state = advance(LotState(), REFERENCE, series(temps))
    base = advance(LotState(), REFERENCE, series([0.0] * len(temps)))
    extra_h = (state.consumed_fraction - base.consumed_fraction) * REFERENCE.storage_life_hours
    # Plateau of 1 h at rate(20) plus two 10-minute trapezoid ramps, minus the same time at rate 1.
    r20 = REFERENCE.rate(20.0)
    assert extra_h == pytest.approx((r20 - 1) * 1.0 + 2 * (r20 - 1) / 2 / 6)


def test_remaining_counts_time_before_the_first_reading_at_the_optimum():
    state = advance(LotState(), REFERENCE, series([0.0] * 7, start=T0 + timedelta(hours=10)))
    now = last_at(state)
    remaining = remaining_shelf_life_hours(state, REFERENCE, now, packed_at=T0)
    assert remaining == pytest.approx(REFERENCE.storage_life_hours - 11.0)


def test_remaining_without_readings_counts_time_since_packing_at_the_optimum():
    remaining = remaining_shelf_life_hours(LotState(), REFERENCE, T0 + timedelta(days=10), T0)
    assert remaining == pytest.approx(90 * 24)


def test_state_started_at_packing_with_a_setpoint_integrates_from_there():
    state = advance(
        LotState.start(T0, temp_c=10.0), REFERENCE, [Reading(T0 + timedelta(hours=1), 10.0)]
    )
    assert state.consumed_fraction * REFERENCE.storage_life_hours == pytest.approx(
        REFERENCE.rate(10.0)
    )


def test_after_the_last_reading_the_last_rate_holds_for_max_gap_then_the_optimum():
    state = advance(LotState(), REFERENCE, series([10.0, 10.0]))
    now = last_at(state) + timedelta(hours=5)
    consumed = consumed_fraction_at(state, REFERENCE, now, None)
    hours = consumed * REFERENCE.storage_life_hours
    r10 = REFERENCE.rate(10.0)
    assert hours == pytest.approx(r10 / 6 + r10 * 2 + 3)


def test_long_gap_is_counted_at_the_worse_end_and_never_slower_than_optimum():
    readings = [Reading(T0, 20.0), Reading(T0 + timedelta(hours=5), 0.0)]
    state = advance(LotState(), REFERENCE, readings)
    assert state.consumed_fraction * REFERENCE.storage_life_hours == pytest.approx(
        5 * REFERENCE.rate(20.0)
    )
    assert state.unmonitored_hours == pytest.approx(5)
    cold = advance(LotState(), GRAPE, [Reading(T0, -1.0), Reading(T0 + timedelta(hours=5), -1.0)])
    assert cold.consumed_fraction * GRAPE.storage_life_hours == pytest.approx(5.0)


def test_condition_ok_at_risk_and_expired_follow_remaining_life():
    assert condition(LotState(), TOMATO, T0 + timedelta(days=1), T0) == "ok"
    assert condition(LotState(), TOMATO, T0 + timedelta(days=11), T0) == "at_risk"
    assert condition(LotState(), TOMATO, T0 + timedelta(days=14), T0) == "expired"


def test_late_and_duplicate_readings_are_ignored_and_counted():
    first = advance(LotState(), REFERENCE, series([5.0] * 7))
    again = advance(first, REFERENCE, series([5.0] * 7))  # the same readings, all at or before last
    assert again.consumed_fraction == first.consumed_fraction
    assert again.late_readings == 7
    assert again.last_reading_at == first.last_reading_at


def test_out_of_order_readings_in_a_batch_are_sorted_by_time():
    readings = series([0.0, 10.0, 20.0, 10.0, 0.0])
    shuffled = [readings[i] for i in (3, 0, 4, 2, 1)]
    assert advance(LotState(), REFERENCE, shuffled) == advance(LotState(), REFERENCE, readings)


def test_readings_at_the_same_instant_are_merged_at_their_mean():
    two_sensors = [Reading(T0, 0.0), Reading(T0, 10.0), Reading(T0 + timedelta(minutes=10), 5.0)]
    merged = advance(LotState(), REFERENCE, two_sensors)
    single = advance(
        LotState(), REFERENCE, [Reading(T0, 5.0), Reading(T0 + timedelta(minutes=10), 5.0)]
    )
    assert merged.consumed_fraction == pytest.approx(single.consumed_fraction)


def test_readings_without_a_temperature_are_skipped():
    readings = [*series([2.0] * 3), Reading(T0 + timedelta(minutes=15), None)]
    readings.append(Reading(T0 + timedelta(minutes=16), float("nan")))
    assert advance(LotState(), REFERENCE, readings) == advance(
        LotState(), REFERENCE, series([2.0] * 3)
    )


def test_naive_times_are_rejected():
    with pytest.raises(ValueError, match="timezone-aware"):
        advance(LotState(), REFERENCE, [Reading(datetime(2026, 1, 1), 1.0)])


def test_state_round_trips_through_json_dict():
    state = advance(LotState(), TOMATO, series([4.0, 5.0, 30.0]))
    assert LotState.from_dict(state.to_dict()) == state
    assert LotState.from_dict({}) == LotState()


temperatures = st.floats(min_value=-5, max_value=40, allow_nan=False)
steps = st.integers(min_value=1, max_value=300)  # minutes, some above the 2 h max gap


@settings(max_examples=150, deadline=None)
@given(
    points=st.lists(st.tuples(steps, temperatures), min_size=1, max_size=60),
    cuts=st.lists(st.integers(min_value=0, max_value=60), max_size=5),
    profile=st.sampled_from([REFERENCE, TOMATO, PEACH, GRAPE]),
)
def test_incremental_advance_equals_one_shot(points, cuts, profile):
    at = T0
    readings = []
    for step, temp in points:
        at += timedelta(minutes=step)
        readings.append(Reading(at, temp))
    one_shot = advance(LotState(), profile, readings)
    state = LotState()
    bounds = sorted({0, len(readings), *(c for c in cuts if c <= len(readings))})
    for lo, hi in itertools.pairwise(bounds):
        state = advance(LotState.from_dict(state.to_dict()), profile, readings[lo:hi])
    assert state.consumed_fraction == pytest.approx(one_shot.consumed_fraction, rel=1e-12)
    assert state.chilling_damage_deg_h == pytest.approx(one_shot.chilling_damage_deg_h, rel=1e-12)
    assert state.freezing_damage_deg_h == pytest.approx(one_shot.freezing_damage_deg_h, rel=1e-12)
    assert state.last_reading_at == one_shot.last_reading_at


# --- Excursions ----------------------------------------------------------------------------------


def test_high_excursion_opens_after_min_duration_and_closes_with_peak_and_degree_hours():
    temps = [0.0, 3.0, 5.0, 4.0, 2.0, 0.0]  # out of band from 10 to 50 min
    tracker, events = track_excursions(ExcursionTracker(), REFERENCE, series(temps))
    assert len(events) == 1
    ev = events[0]
    assert ev.kind == "high"
    assert ev.started_at == T0 + timedelta(minutes=10)
    assert ev.ended_at == T0 + timedelta(minutes=50)
    assert ev.peak_c == 5.0
    assert ev.degree_hours == pytest.approx((2.5 + 4.5 + 3.5 + 1.5) / 6)
    assert tracker.open == {}


def test_short_breach_below_min_duration_is_not_an_excursion():
    _, events = track_excursions(ExcursionTracker(), REFERENCE, series([0.0, 3.0, 3.0, 0.0]))
    assert events == []


def test_open_excursion_is_reported_open_then_closed_across_calls():
    readings = series([0.0, 3.0, 3.0, 3.0, 3.0, 0.0])
    tracker, events = track_excursions(ExcursionTracker(), REFERENCE, readings[:5])
    assert [e.is_open for e in events] == [True]
    tracker = ExcursionTracker.from_dict(tracker.to_dict())
    tracker, events2 = track_excursions(tracker, REFERENCE, readings[5:])
    assert [(e.started_at, e.ended_at) for e in events2] == [
        (readings[1].recorded_at, readings[5].recorded_at)
    ]
    _, one_shot = track_excursions(ExcursionTracker(), REFERENCE, readings)
    assert one_shot == events2


def test_tomato_cold_spell_is_a_chilling_excursion_with_a_freezing_part():
    temps = [12.0, 4.0, 4.0, -1.0, -1.0, -1.0, -1.0, 4.0, 4.0, 12.0]
    _, events = track_excursions(ExcursionTracker(), TOMATO, series(temps))
    kinds = {e.kind: e for e in events}
    assert set(kinds) == {"chilling", "freezing"}
    assert kinds["chilling"].peak_c == -1.0
    assert kinds["chilling"].started_at == T0 + timedelta(minutes=10)
    assert kinds["chilling"].ended_at == T0 + timedelta(minutes=90)
    assert kinds["freezing"].started_at == T0 + timedelta(minutes=30)
    assert kinds["freezing"].ended_at == T0 + timedelta(minutes=70)


def test_non_chilling_product_below_min_is_a_low_excursion():
    _, events = track_excursions(
        ExcursionTracker(), GRAPE, series([-0.5, -2.0, -2.0, -2.0, -2.0, -0.5])
    )
    assert [(e.kind, e.peak_c) for e in events] == [("low", -2.0)]
    assert events[0].degree_hours == pytest.approx(1.0 * 40 / 60)


def test_excursion_tracker_ignores_late_readings():
    readings = series([0.0, 3.0, 3.0, 3.0, 3.0, 0.0])
    tracker, _ = track_excursions(ExcursionTracker(), REFERENCE, readings)
    tracker2, events = track_excursions(tracker, REFERENCE, readings)
    assert events == []
    assert tracker2.late_readings == len(readings)


def csv_profiles() -> list[tuple[str, ProductProfile]]:
    """Every product of the shipped storage.csv as a profile with the default Q10 values."""
    path = Path(__file__).resolve().parents[2] / "shipments" / "data" / "storage.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))

    def num(value: str) -> float | None:
        return float(value) if value else None

    return [
        (
            row["product"],
            ProductProfile(
                storage_temp_min_c=float(row["storage_temp_min_c"]),
                storage_temp_max_c=float(row["storage_temp_max_c"]),
                storage_temp_optimal_c=float(row["storage_temp_optimal_c"]),
                storage_life_days=float(row["storage_life_days_at_optimal"]),
                chilling_sensitive=row["chilling_sensitive"] == "yes",
                chilling_threshold_c=num(row["chilling_threshold_c"]),
                highest_freezing_point_c=num(row["highest_freezing_point_c"]),
            ),
        )
        for row in rows
    ]


@pytest.mark.parametrize(
    ("name", "profile"), [p for p in csv_profiles() if not p[1].chilling_sensitive]
)
def test_every_non_chilling_product_in_the_catalogue_ages_about_three_times_faster_10c_warmer(
    name, profile
):
    assert profile.rate(profile.storage_temp_optimal_c + 10) == pytest.approx(3.0, rel=0.1), name


@pytest.mark.parametrize(("name", "profile"), csv_profiles())
def test_no_catalogue_product_ages_at_its_optimum_or_is_chilled_there(name, profile):
    opt = profile.storage_temp_optimal_c
    assert profile.rate(opt) == pytest.approx(1.0), name
    assert profile.chilling_intensity(opt) == 0.0, name
    assert profile.freezing_intensity(opt) == 0.0, name


@settings(max_examples=100, deadline=None)
@given(
    temps=st.lists(st.floats(min_value=-5, max_value=30, allow_nan=False), min_size=1, max_size=80),
    cuts=st.lists(st.integers(min_value=0, max_value=80), max_size=5),
    profile=st.sampled_from([REFERENCE, TOMATO, GRAPE]),
)
def test_incremental_excursion_tracking_equals_one_shot(temps, cuts, profile):
    readings = series(temps)
    _, one_shot = track_excursions(ExcursionTracker(), profile, readings)
    latest: dict[tuple[str, datetime], object] = {}
    tracker = ExcursionTracker()
    bounds = sorted({0, len(readings), *(c for c in cuts if c <= len(readings))})
    for lo, hi in itertools.pairwise(bounds):
        tracker = ExcursionTracker.from_dict(tracker.to_dict())
        tracker, events = track_excursions(tracker, profile, readings[lo:hi])
        latest.update({(e.kind, e.started_at): e for e in events})
    expected = {(e.kind, e.started_at): e for e in one_shot}
    assert latest.keys() == expected.keys()
    for key, event in expected.items():
        got = latest[key]
        assert (got.ended_at, got.peak_c) == (event.ended_at, event.peak_c)  # type: ignore[attr-defined]
        assert got.degree_hours == pytest.approx(event.degree_hours)  # type: ignore[attr-defined]
