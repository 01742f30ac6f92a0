"""The shelf-life model pinned to the produce README numbers, and its incremental integration."""

import itertools
import json
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shipments.shelf_life import (
    ASSUMED_FIELD_TEMP_C,
    DEFAULT_Q10_0_10,
    DEFAULT_Q10_10_20,
    DEFAULT_Q10_20_30,
    DEFAULT_Q10_30_40,
    ExcursionEvent,
    ExcursionTracker,
    LotState,
    ProductProfile,
    Reading,
    advance,
    condition,
    consumed_fraction_at,
    field_heat_fraction,
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
# Mature-green tomato from produce.json: UC Davis chilling onsets, 2 weeks at 10 °C, 6 days at 5 °C.
TOMATO = ProductProfile(
    storage_temp_min_c=12.5,
    storage_temp_max_c=15,
    storage_temp_optimal_c=13.5,
    storage_life_days=14,
    chilling_sensitive=True,
    chilling_onset=((10, 336), (5, 144)),
    highest_freezing_point_c=-0.5,
)
# Peach from produce.json: killing range 2.2–7.6 °C above its -0.5 °C optimum.
PEACH = ProductProfile(
    storage_temp_min_c=-1,
    storage_temp_max_c=0,
    storage_temp_optimal_c=-0.5,
    storage_life_days=21,
    killing_range_min_c=2.2,
    killing_range_max_c=7.6,
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


# USDA Agriculture Handbook 66, respiratory metabolism chapter: effect of temperature on the rate of
# deterioration (temperature, assumed Q10, relative rate, relative shelf life).
HANDBOOK_TABLE = [
    (0, None, 1.0, 100),
    (10, 3.0, 3.0, 33),
    (20, 2.5, 7.5, 13),
    (30, 2.0, 15.0, 7),
    (40, 1.5, 22.5, 4),
]


@pytest.mark.parametrize(("temp", "q10", "rate", "shelf_life"), HANDBOOK_TABLE)
def test_the_handbook_relative_shelf_life_table_is_reproduced_exactly(temp, q10, rate, shelf_life):
    assert REFERENCE.rate(temp) == pytest.approx(rate, abs=1e-9)
    assert round(relative_shelf_life(REFERENCE, temp)) == shelf_life


def test_default_q10_values_are_the_handbooks_per_band():
    assert (DEFAULT_Q10_0_10, DEFAULT_Q10_10_20, DEFAULT_Q10_20_30, DEFAULT_Q10_30_40) == (
        3.0,
        2.5,
        2.0,
        1.5,
    )


def test_non_chilling_product_ten_degrees_above_optimum_loses_shelf_life_about_three_times_as_fast():
    held = advance(LotState(), REFERENCE, series([10.0] * 145))  # 24 h at 10 °C
    at_optimum = advance(LotState(), REFERENCE, series([0.0] * 145))
    assert held.consumed_fraction / at_optimum.consumed_fraction == pytest.approx(3.0, rel=0.01)


def test_rate_integrates_band_by_band_from_the_optimum():
    # Tomato optimum 13.5: 13.5 -> 20 in the 10-20 band, 20 -> 30 in the 20-30 band, 30 -> 35 above.
    expected = DEFAULT_Q10_10_20 ** (6.5 / 10) * DEFAULT_Q10_20_30 * DEFAULT_Q10_30_40 ** (5 / 10)
    assert TOMATO.rate(35.0) == pytest.approx(expected)
    assert REFERENCE.rate(0.0) == pytest.approx(1.0)


def test_colder_than_optimum_extends_life_for_a_non_chilling_product():
    assert GRAPE.rate(-1.0) < 1.0


def test_freezing_never_extends_life_and_accumulates_freezing_damage():
    assert GRAPE.rate(-3.0) == 1.0
    state = advance(LotState(), GRAPE, series([-3.7] * 7))  # 1 h at 1 °C below freezing point
    assert state.freezing_damage_deg_h == pytest.approx(1.0)
    assert condition(state, GRAPE, last_at(state), None) == "at_risk"


def test_tomato_chilling_dose_reaches_one_at_the_uc_davis_onsets():
    # 6 days at 5 °C and 14 days at 10 °C are each exactly the whole onset dose.
    at_5 = advance(LotState(), TOMATO, series([5.0] * (6 * 144 + 1)))
    at_10 = advance(LotState(), TOMATO, series([10.0] * (14 * 144 + 1)))
    assert at_5.chilling_dose == pytest.approx(1.0)
    assert at_10.chilling_dose == pytest.approx(1.0)
    assert condition(at_5, TOMATO, last_at(at_5), None) == "at_risk"


def test_chilling_dose_adds_fractions_across_temperatures():
    # 3 days at 5 °C (half its onset) then 7 days at 10 °C (half its onset): injury expected.
    readings = series([5.0] * (3 * 144)) + series(
        [10.0] * (7 * 144 + 1), start=T0 + timedelta(days=3)
    )
    state = advance(LotState(), TOMATO, readings)
    assert state.chilling_dose == pytest.approx(1.0, abs=0.01)


def test_onset_time_is_interpolated_in_log_time_between_pairs_and_extrapolated_colder():
    assert TOMATO.chilling_onset_hours(10.0) == pytest.approx(336)
    assert TOMATO.chilling_onset_hours(7.5) == pytest.approx((336 * 144) ** 0.5)
    assert TOMATO.chilling_onset_hours(0.0) == pytest.approx(144 * (144 / 336))
    assert TOMATO.chilling_onset_hours(10.5) is None


def test_tomato_held_at_4c_does_not_gain_shelf_life():
    cold = advance(LotState(), TOMATO, series([4.0] * 145))  # 24 h
    optimum = advance(LotState(), TOMATO, series([13.5] * 145))
    assert cold.consumed_fraction >= optimum.consumed_fraction
    assert 0 < cold.chilling_dose < 1
    assert optimum.chilling_dose == 0.0


def test_peach_at_its_optimum_is_not_chilled_and_its_killing_range_is_an_excursion():
    state = advance(LotState(), PEACH, series([-0.5] * 13))
    assert state.chilling_dose == 0.0
    _, events = track_excursions(ExcursionTracker(), PEACH, series([-0.5] + [5.0] * 12 + [-0.5]))
    assert {e.kind for e in events} == {"killing_range", "high"}
    killing = next(e for e in events if e.kind == "killing_range")
    assert killing.degree_hours == pytest.approx(2.0)  # hours inside the range


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
    assert state.chilling_dose == pytest.approx(one_shot.chilling_dose, rel=1e-12)
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
    temps = [13.0, 4.0, 4.0, -1.0, -1.0, -1.0, -1.0, 4.0, 4.0, 13.0]
    _, events = track_excursions(ExcursionTracker(), TOMATO, series(temps))
    kinds: dict[str, ExcursionEvent] = {e.kind: e for e in events}
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


def table_profiles() -> list[tuple[str, ProductProfile]]:
    """Every product of the shipped produce.json as a profile."""
    path = Path(__file__).resolve().parents[2] / "shipments" / "data" / "produce.json"
    rows = json.loads(path.read_text(encoding="utf-8"))
    names = {f for f in ProductProfile.__dataclass_fields__ if not f.startswith("_")}
    return [
        (
            row["code"],
            ProductProfile(
                **{k: v for k, v in row.items() if k in names and v is not None},
                chilling_sensitive=bool(
                    row.get("chilling_onset") or row.get("chilling_threshold_c")
                ),
                excursion_tolerance_c=0.5,
                excursion_hysteresis_c=0.3,
            ),
        )
        for row in rows
    ]


@pytest.mark.parametrize(("name", "profile"), table_profiles())
def test_every_table_product_has_its_optimum_strictly_inside_its_band_and_above_freezing(
    name, profile
):
    assert profile.storage_temp_min_c < profile.storage_temp_optimal_c, name
    assert profile.storage_temp_optimal_c < profile.storage_temp_max_c, name
    if profile.highest_freezing_point_c is not None:
        assert profile.storage_temp_min_c > profile.highest_freezing_point_c, name


@pytest.mark.parametrize(("name", "profile"), table_profiles())
def test_no_table_product_ages_fast_at_its_optimum_or_is_injured_there_within_its_life(
    name, profile
):
    opt = profile.storage_temp_optimal_c
    assert profile.rate(opt) == pytest.approx(1.0), name
    assert profile.chilling_dose_rate(opt) * profile.storage_life_hours < 1.0, name
    assert profile.freezing_intensity(opt) == 0.0, name


def test_kiwifruit_ages_by_its_own_respiration_q10_and_grapes_by_the_handbooks():
    profiles = dict(table_profiles())
    assert profiles["kiwifruit"].rate(10.0) == pytest.approx(3.43)
    assert profiles["table-grape"].rate(9.5) == pytest.approx(3.0)


def test_a_defrost_cycle_inside_the_tolerance_opens_no_excursion_but_a_real_breach_does():
    kiwi = dict(table_profiles())["kiwifruit"]  # band -0.5..2, tolerance 0.5, hysteresis 0.3
    swing = series([0.0, 2.3, 2.4, 2.2, 2.5, 2.1, 0.0] * 3)  # edges wobble within the tolerance
    _, events = track_excursions(ExcursionTracker(), kiwi, swing)
    assert events == []
    warm = series([0.0, 2.6, 2.3, 2.6, 2.3, 2.6, 2.3, 1.5])  # over 2.5 opens, back to 2.2 closes
    _, events = track_excursions(ExcursionTracker(), kiwi, warm)
    assert [(e.kind, e.started_at, e.ended_at) for e in events] == [
        ("high", T0 + timedelta(minutes=10), T0 + timedelta(minutes=70))
    ]


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


# --- Field heat before pre-cooling ----------------------------------------------------------------

GRAPE_FIELD = ProductProfile(
    storage_temp_min_c=-1,
    storage_temp_max_c=0,
    storage_temp_optimal_c=-0.5,
    storage_life_days=56,
    highest_freezing_point_c=-2.0,
    field_heat_loss_hours_per_hour=168,
    field_heat_reference_c=32.2,
)


def test_six_hours_of_grapes_at_32c_before_pre_cooling_cost_six_weeks():
    """Nelson 1985: each hour at 90 °F (32.2 °C) after picking costs a week of storage at 0 °C."""
    state = LotState(field_from=T0, field_until=T0 + timedelta(hours=6), field_temp_c=32.2)
    lost_h = field_heat_fraction(state, GRAPE_FIELD, T0 + timedelta(days=1)) * 56 * 24
    assert lost_h == pytest.approx(6 * 7 * 24)


def test_six_hours_of_grapes_at_30c_cost_the_nelson_loss_scaled_by_the_handbook_q10():
    # 30 °C is 2.2 °C below the reference, in the 30-40 °C band: 168 / 1.5 ** 0.22 h per hour.
    state = LotState(field_from=T0, field_until=T0 + timedelta(hours=6), field_temp_c=30.0)
    lost_h = field_heat_fraction(state, GRAPE_FIELD, T0 + timedelta(days=1)) * 56 * 24
    assert lost_h == pytest.approx(6 * 168 / 1.5**0.22)
    assert lost_h / 24 == pytest.approx(38.4, abs=0.05)  # days at the optimum


def test_without_recorded_pre_cooling_the_assumed_field_temperature_runs_to_the_first_reading():
    state = LotState(field_from=T0)  # harvested, pre-cooling not recorded
    first = T0 + timedelta(hours=10)
    after = advance(state, REFERENCE, series([0.0] * 7, start=first))
    expected = 10 * REFERENCE.q10_rate(ASSUMED_FIELD_TEMP_C) / REFERENCE.storage_life_hours
    assert field_heat_fraction(after, REFERENCE, first + timedelta(days=3)) == pytest.approx(
        expected
    )
    # Before any reading it keeps running until now.
    assert field_heat_fraction(state, REFERENCE, first) == pytest.approx(expected)
    # The cold chain starts at the first reading, not at packing.
    now = first + timedelta(hours=1)
    assert consumed_fraction_at(after, REFERENCE, now, packed_at=T0) == pytest.approx(
        expected + 1 / REFERENCE.storage_life_hours
    )


def test_the_thermal_lag_follows_the_air_with_its_time_constant():
    from shipments.shelf_life import ThermalLag

    lag = ThermalLag(tau_hours=8)
    assert lag.update(T0, 0.0) == 0.0
    lag.update(T0 + timedelta(minutes=5), 5.0)  # air jumps to 5 °C (holds from here)
    after = lag.update(T0 + timedelta(minutes=25), 0.0)  # 20 minutes of 5 °C air
    assert after == pytest.approx(5 * (1 - math.exp(-(20 / 60) / 8)))
    restored = ThermalLag.from_dict(lag.to_dict(), 8)
    assert restored.update(T0 + timedelta(hours=8, minutes=25), 0.0) == pytest.approx(
        after * math.exp(-1)
    )
