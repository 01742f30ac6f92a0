"""Remaining shelf life and temperature excursions from a temperature history (pure, no ORM).

The model (produce README, USDA Agriculture Handbook 66):

* Shelf life at temperature T is ``SL(T) = SL(T_opt) / rate(T)``. ``rate(T)`` is the relative speed at which
  shelf life is used up compared with the optimum, found by integrating Q10 band by band from ``T_opt`` to
  ``T``: every degree inside a band multiplies the rate by ``Q10_band ** (1/10)``. Bands: up to 10 °C
  (``q10_0_10``, also used below 0 °C), 10–20 °C (``q10_10_20``), from 20 °C (``q10_20_30``, also used above
  30 °C). Colder than the optimum the rate is below 1 (longer life), except:
* **Freezing**: at or below the highest freezing point the rate is never below 1 (ice does not preserve a
  fresh product) and freezing damage accumulates as degree-hours below the freezing point; any freezing
  damage makes a lot ``at_risk``. We do not expire a lot for freezing: the freezing point is where ice
  *may* start (supercooling is common) and the inspection decision belongs to a person.
* **Chilling**: for a chilling-sensitive product, below its chilling threshold time never extends shelf life
  (rate is ``max(rate, 1)``, i.e. at best the optimum's pace) and chilling damage accumulates as degree-hours
  below the threshold (°C·h). The accumulator applies only when the threshold is at or below the optimum
  (tomato 10 < 12.5): a product whose threshold lies *above* its optimum (peach: ships at -0.5 °C, injury
  band 2.2–5 °C) cannot be described by one threshold, so there the threshold is ignored and warm storage
  shows up as a ``high`` excursion instead.

Integration (``advance``): readings of ONE series (one lot's sensor, or a merged series) are sorted by time
and integrated with the trapezoid rule on the rate (and on the chilling/freezing intensities) between
consecutive readings. Because the rate is convex in T, the trapezoid slightly over-counts, which errs on the
safe side. Gaps longer than ``max_gap`` are not interpolated: the gap is counted at the WORSE of its two end
points and never faster-than-optimum life extension (``max(rate_a, rate_b, 1)``; damage at the larger end
intensity), and its length is added to ``unmonitored_hours``. Readings at the same instant (several sensors)
are merged into one point at their mean temperature. Readings at or before ``last_reading_at`` are
late: incremental integration cannot revisit the past, so they are skipped and counted in ``late_readings``
(they are still stored by the caller; a full recompute from history would include them). Readings without a
finite temperature are skipped. Cost is O(new readings) (plus sorting them).

Time outside the readings (``remaining_shelf_life_hours``): from packing to the first reading the lot is
assumed at its optimum (the caller may instead seed ``LotState.last_temp_c`` with the setpoint via
``LotState.start``); after the last reading the last rate (never below 1) is held for at most ``max_gap``,
then the optimum's pace.

Excursions (``track_excursions``): each kind is tracked on its own (a freezing dip inside a cold spell is a
``freezing`` excursion AND part of the ``low``/``chilling`` one): ``high`` T > max, ``low`` T < min (for
products whose chilling accumulator applies, only at or above the chilling threshold), ``chilling`` T <
threshold, ``freezing`` T <= highest freezing point. Step-hold: a reading's value holds until the next
reading. An excursion starts at its first out-of-band reading and ends at the first reading back in band;
it is reported once it has lasted ``min_duration``. Peak is the most extreme temperature; degree-hours are
the distance beyond the limit that defines the kind (max for high, min for low, the chilling threshold for
chilling, the freezing point for freezing) times time, as for the lot's damage accumulators.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from shipments.choices import ExcursionKind

# Q10 per band exactly as USDA Agriculture Handbook 66 (Saltveit, "Respiratory metabolism", table of the
# effect of temperature on the rate of deterioration) assumes them: 3.0 for 0–10 °C, 2.5 for 10–20 °C, 2.0
# for 20–30 °C and 1.5 for 30–40 °C. Integrated from 0 °C they give its relative rates 1.0, 3.0, 7.5, 15.0 and
# 22.5 and its relative shelf lives 100, 33, 13, 7 and 4 at 0, 10, 20, 30 and 40 °C.
DEFAULT_Q10_0_10 = 3.0
DEFAULT_Q10_10_20 = 2.5
DEFAULT_Q10_20_30 = 2.0
DEFAULT_Q10_30_40 = 1.5

DEFAULT_MAX_GAP = timedelta(hours=2)
DEFAULT_MIN_EXCURSION = timedelta(minutes=30)
# Remaining life below this share of SL(T_opt) makes a lot at risk.
AT_RISK_REMAINING_FRACTION = 0.25
# Chilling injury is expected once the accumulated share of the onset dose reaches 1.0.
CHILLING_AT_RISK_DOSE = 1.0

Condition = Literal["ok", "at_risk", "expired"]
# Excursion kinds are `shipments.choices.ExcursionKind`; the kinds judged on temperature, in the
# order `track_excursions` checks them:
TEMPERATURE_KINDS: tuple[ExcursionKind, ...] = (
    ExcursionKind.HIGH,
    ExcursionKind.LOW,
    ExcursionKind.CHILLING,
    ExcursionKind.FREEZING,
    ExcursionKind.KILLING_RANGE,
)
HUMIDITY_KINDS: tuple[ExcursionKind, ...] = (
    ExcursionKind.HUMIDITY_HIGH,
    ExcursionKind.HUMIDITY_LOW,
)
# Humidity excursions: logger RH readings swing by a few % around the set value, so an RH band edge
# counts as broken only beyond it by this much, and the breach ends back inside by the hysteresis
# too (operating settings, % RH, not literature figures).
RH_TOLERANCE_PCT = 3.0
RH_HYSTERESIS_PCT = 1.0


class ReadingLike(Protocol):
    """Anything with a time and a temperature: a TemperatureReading, a named values_list row, `Reading`."""

    @property
    def recorded_at(self) -> datetime: ...

    @property
    def temperature_c(self) -> float | None: ...


@dataclass(frozen=True, slots=True)
class Reading:
    """A temperature reading (°C) at an aware time."""

    recorded_at: datetime
    temperature_c: float | None


OnsetPairs = tuple[tuple[float, float], ...]


def onset_hours_function(pairs: OnsetPairs) -> Callable[[float], float | None]:
    """Hours until chilling injury at a constant temperature, from published (°C, hours) onset pairs.

    At or below the warmest pair's temperature injury is expected after the interpolated time: linear in
    log(hours) between pairs (injury comes exponentially sooner the colder it is), extrapolated below the
    coldest pair on the line of the two coldest (a single pair holds its time at every colder temperature),
    never under one hour. Above the warmest pair: None (no chilling dose).
    """
    points = sorted((float(t), float(h)) for t, h in pairs)
    if not points:
        return lambda t: None
    warmest = points[-1][0]
    logs = [(t, math.log(h)) for t, h in points]
    if len(logs) >= 2:
        (t0, l0), (t1, l1) = logs[0], logs[1]
        cold_slope = (l1 - l0) / (t1 - t0) if t1 != t0 else 0.0
    else:
        cold_slope = 0.0
    exp = math.exp

    def hours(t: float) -> float | None:
        if t > warmest:
            return None
        if t <= logs[0][0]:
            return max(1.0, exp(logs[0][1] - cold_slope * (logs[0][0] - t)))
        for (ta, la), (tb, lb) in itertools.pairwise(logs):
            if t <= tb:
                return max(1.0, exp(la + (lb - la) * (t - ta) / (tb - ta)))
        return max(1.0, exp(logs[-1][1]))  # pragma: no cover - t == warmest handled above

    return hours


_INIT_NAMES: dict[type, tuple[str, ...]] = {}
_PROFILES: dict[Any, ProductProfile] = {}
_PROFILES_KEPT = 1024  # products in the catalogue are far fewer; the memo is emptied when full


@dataclass(frozen=True)
class ProductProfile:
    """The storage facts of a product that the shelf-life model needs."""

    storage_temp_min_c: float
    storage_temp_max_c: float
    storage_temp_optimal_c: float
    storage_life_days: float
    q10_0_10: float = DEFAULT_Q10_0_10
    q10_10_20: float = DEFAULT_Q10_10_20
    q10_20_30: float = DEFAULT_Q10_20_30
    q10_30_40: float = DEFAULT_Q10_30_40
    chilling_sensitive: bool = False
    chilling_threshold_c: float | None = None
    # Published chilling-injury onsets: (temperature °C, hours at that temperature until injury shows).
    chilling_onset: OnsetPairs = ()
    highest_freezing_point_c: float | None = None
    # Where a chilling disorder is fastest inside a band colder than it (peach internal breakdown).
    killing_range_min_c: float | None = None
    killing_range_max_c: float | None = None
    rh_min_pct: float | None = None
    rh_max_pct: float | None = None
    # Excursions: a limit counts as broken only beyond it by the tolerance, and a breach ends only once
    # back inside by the hysteresis as well (so control swings around an edge are not new excursions).
    excursion_tolerance_c: float = 0.0
    excursion_hysteresis_c: float = 0.0
    # Published loss between harvest and pre-cooling: hours at the optimum per hour at the reference.
    field_heat_loss_hours_per_hour: float | None = None
    field_heat_reference_c: float | None = None
    _slopes: tuple[float, float, float, float] = field(init=False, repr=False, compare=False)
    _f_opt: float = field(init=False, repr=False, compare=False)
    _onset_hours: Callable[[float], float | None] = field(init=False, repr=False, compare=False)
    _point: Callable[[float], tuple[float, float, float]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if not self.storage_life_days > 0:
            raise ValueError("storage_life_days must be positive")
        for name in ("q10_0_10", "q10_10_20", "q10_20_30", "q10_30_40"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive")
        onset = tuple((float(t), float(h)) for t, h in self.chilling_onset)
        if any(h <= 0 for _, h in onset):
            raise ValueError("chilling_onset hours must be positive")
        object.__setattr__(self, "chilling_onset", onset)
        if self.chilling_threshold_c is None and onset:
            object.__setattr__(self, "chilling_threshold_c", max(t for t, _ in onset))
        if self.chilling_sensitive and self.chilling_threshold_c is None:
            raise ValueError("a chilling-sensitive product needs chilling_threshold_c")
        # Piecewise-linear log-rate F(T) so that rate(T) = exp(F(T) - F(T_opt)): one exp per reading.
        slopes = tuple(
            math.log(q) / 10.0
            for q in (self.q10_0_10, self.q10_10_20, self.q10_20_30, self.q10_30_40)
        )
        object.__setattr__(self, "_slopes", slopes)
        object.__setattr__(self, "_f_opt", self._log_f(self.storage_temp_optimal_c))
        object.__setattr__(self, "_onset_hours", onset_hours_function(onset))
        object.__setattr__(self, "_point", self._compile())

    @classmethod
    def from_obj(cls, obj: Any) -> ProductProfile:
        """Build from any object with the same attribute names (e.g. a shipments Product).

        Profiles are immutable and depend only on these values, so one built from the same
        values (and types) is reused: a list of 50 shipments asked for the profile of each lot
        three times (remaining hours, pre-cooling, condition), and building one (validation,
        compiled rate function) was an eighth of the list's time."""
        names = _INIT_NAMES.get(cls)
        if names is None:
            names = _INIT_NAMES[cls] = tuple(f.name for f in fields(cls) if f.init)
        kwargs = {n: getattr(obj, n) for n in names if getattr(obj, n, None) is not None}
        if "chilling_onset" in kwargs:
            kwargs["chilling_onset"] = tuple(tuple(p) for p in kwargs["chilling_onset"])
        try:
            key: Any = (cls, tuple((n, type(v), v) for n, v in kwargs.items()))
            profile = _PROFILES.get(key)
        except TypeError:  # a value that cannot be hashed: build it every time
            return cls(**kwargs)
        if profile is None:
            profile = cls(**kwargs)
            if len(_PROFILES) >= _PROFILES_KEPT:
                _PROFILES.clear()
            _PROFILES[key] = profile
        return profile

    @property
    def storage_life_hours(self) -> float:
        """Shelf life at the optimum, in hours."""
        return float(self.storage_life_days) * 24.0

    @property
    def chilling_applies(self) -> bool:
        """Whether time below the chilling threshold never extends life (threshold not above the optimum)."""
        return (
            self.chilling_sensitive
            and self.chilling_threshold_c is not None
            and self.chilling_threshold_c <= self.storage_temp_optimal_c
        )

    def _log_f(self, t: float) -> float:
        a0, a1, a2, a3 = self._slopes
        if t <= 10.0:
            return a0 * t
        if t <= 20.0:
            return a0 * 10.0 + a1 * (t - 10.0)
        if t <= 30.0:
            return a0 * 10.0 + a1 * 10.0 + a2 * (t - 20.0)
        return a0 * 10.0 + a1 * 10.0 + a2 * 10.0 + a3 * (t - 30.0)

    def _compile(self) -> Callable[[float], tuple[float, float, float]]:
        """temperature -> (rate, chilling dose per hour, freezing °C), constants bound once (hot path)."""
        a0, a1, a2, a3 = self._slopes
        f_opt = self._f_opt
        f10 = a0 * 10.0
        f20 = f10 + a1 * 10.0
        f30 = f20 + a2 * 10.0
        floor_below = self.chilling_threshold_c if self.chilling_applies else None
        onset_hours = self._onset_hours if self.chilling_onset else None
        dose_from = max(t for t, _ in self.chilling_onset) if self.chilling_onset else None
        freezing_point = self.highest_freezing_point_c
        exp = math.exp

        def point(t: float) -> tuple[float, float, float]:
            if t <= 10.0:
                r = exp(a0 * t - f_opt)
            elif t <= 20.0:
                r = exp(f10 + a1 * (t - 10.0) - f_opt)
            elif t <= 30.0:
                r = exp(f20 + a2 * (t - 20.0) - f_opt)
            else:
                r = exp(f30 + a3 * (t - 30.0) - f_opt)
            chill = freeze = 0.0
            if floor_below is not None and t < floor_below and r < 1.0:
                r = 1.0
            if dose_from is not None and t <= dose_from:
                chill = 1.0 / onset_hours(t)  # type: ignore[misc,operator]
            if freezing_point is not None and t <= freezing_point:
                freeze = freezing_point - t
                if r < 1.0:
                    r = 1.0
            return r, chill, freeze

        return point

    def q10_rate(self, t: float) -> float:
        """Pure band-wise Q10 rate at `t` relative to the optimum (no chilling/freezing rules)."""
        return math.exp(self._log_f(t) - self._f_opt)

    def rate(self, t: float) -> float:
        """Relative speed of shelf-life consumption at `t` (1.0 at the optimum), with the cold rules."""
        return self._point(t)[0]

    def is_freezing(self, t: float) -> bool:
        """At or below the highest freezing point."""
        return self.highest_freezing_point_c is not None and t <= self.highest_freezing_point_c

    def is_chilling(self, t: float) -> bool:
        """Below the chilling threshold of a chilling-sensitive product."""
        return self.chilling_sensitive and t < self.chilling_threshold_c  # type: ignore[operator]

    def shelf_life_hours_at(self, t: float) -> float:
        """SL(T): hours of shelf life a fresh lot has if held at `t` throughout."""
        return self.storage_life_hours / self.rate(t)

    def chilling_onset_hours(self, t: float) -> float | None:
        """Hours at a constant `t` until chilling injury is expected (None: no chilling dose there)."""
        return self._onset_hours(t)

    def chilling_dose_rate(self, t: float) -> float:
        """Share of the chilling-injury onset dose accumulated per hour at `t` (0 when none)."""
        return self._point(t)[1]

    def freezing_intensity(self, t: float) -> float:
        """Degrees below the highest freezing point (0 when above it or unknown)."""
        return self._point(t)[2]


def _ts(value: datetime) -> float:
    if value.tzinfo is None:
        raise ValueError("reading times must be timezone-aware")
    return value.timestamp()


def _dt_to_json(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _dt_from_json(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@dataclass(frozen=True)
class LotState:
    """The integrated temperature history of one lot; persist it between calls to `advance`."""

    consumed_fraction: float = 0.0
    # Share of the chilling-injury onset dose accumulated (1.0: injury expected).
    chilling_dose: float = 0.0
    last_reading_at: datetime | None = None
    last_temp_c: float | None = None
    first_reading_at: datetime | None = None
    freezing_damage_deg_h: float = 0.0
    unmonitored_hours: float = 0.0
    late_readings: int = 0
    # Field heat: harvested at `field_from`, pre-cooled at `field_until` (None: not recorded, so the
    # field temperature is assumed until the first reading), at `field_temp_c` (None: the assumed
    # ASSUMED_FIELD_TEMP_C). Counted by `field_heat_fraction`, not in `consumed_fraction`.
    field_from: datetime | None = None
    field_until: datetime | None = None
    field_temp_c: float | None = None

    @classmethod
    def start(cls, at: datetime, temp_c: float | None = None) -> LotState:
        """A state whose integration starts at `at` (e.g. packing) at `temp_c` (None: the optimum).

        Use this to count packing → first reading at a setpoint instead of at the optimum.
        """
        return cls(last_reading_at=at, last_temp_c=temp_c, first_reading_at=at)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (for a JSONField)."""
        return {
            "consumed_fraction": self.consumed_fraction,
            "chilling_dose": self.chilling_dose,
            "last_reading_at": _dt_to_json(self.last_reading_at),
            "last_temp_c": self.last_temp_c,
            "first_reading_at": _dt_to_json(self.first_reading_at),
            "freezing_damage_deg_h": self.freezing_damage_deg_h,
            "unmonitored_hours": self.unmonitored_hours,
            "late_readings": self.late_readings,
            "field_from": _dt_to_json(self.field_from),
            "field_until": _dt_to_json(self.field_until),
            "field_temp_c": self.field_temp_c,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> LotState:
        """Inverse of `to_dict`; an empty dict gives a fresh state."""
        data = data or {}
        return cls(
            consumed_fraction=float(data.get("consumed_fraction", 0.0)),
            chilling_dose=float(data.get("chilling_dose", 0.0)),
            last_reading_at=_dt_from_json(data.get("last_reading_at")),
            last_temp_c=data.get("last_temp_c"),
            first_reading_at=_dt_from_json(data.get("first_reading_at")),
            freezing_damage_deg_h=float(data.get("freezing_damage_deg_h", 0.0)),
            unmonitored_hours=float(data.get("unmonitored_hours", 0.0)),
            late_readings=int(data.get("late_readings", 0)),
            field_from=_dt_from_json(data.get("field_from")),
            field_until=_dt_from_json(data.get("field_until")),
            field_temp_c=data.get("field_temp_c"),
        )


# LotState.from_json: states read from the same stored text, reused (bounded; emptied when full).
_STATES: dict[str, LotState] = {}
_STATES_KEPT = 4096


def state_from_json(text: str | None) -> LotState:
    """`LotState.from_dict` of a lot's stored `shelf_state` JSON text (None: SQL NULL).

    States are immutable and depend only on that text, so one read from the same text is
    reused: a list reads every lot's state, and the lots of a shipment that integrated the
    same readings (and every lot before its first reading) store the same text. Parsed with
    `json.loads`, as Django's JSONField reads it."""
    if text is None:
        return LotState.from_dict(None)
    state = _STATES.get(text)
    if state is None:
        state = LotState.from_dict(json.loads(text))
        if len(_STATES) >= _STATES_KEPT:
            _STATES.clear()
        _STATES[text] = state
    return state


# Field heat: until pre-cooling is recorded, a harvested lot is assumed at this temperature (°C), a
# conservative summer field/packhouse temperature for the corridor's growing areas. It is an
# assumption of TradeHub, not a measured figure; a lot can give its own `field_temp_c`.
ASSUMED_FIELD_TEMP_C = 30.0


def field_heat_rate(profile: ProductProfile, temp_c: float) -> float:
    """Ageing rate between harvest and pre-cooling at `temp_c` (relative to the optimum).

    The Q10 rate, or - for a product with a published field-heat loss (grapes: each hour at 32.2 °C
    costs a week at the optimum) - that loss scaled from its reference temperature along the product's
    Q10 curve, whichever is larger."""
    rate = profile.q10_rate(temp_c)
    loss, ref = profile.field_heat_loss_hours_per_hour, profile.field_heat_reference_c
    if loss is not None and ref is not None:
        rate = max(rate, loss * profile.q10_rate(temp_c) / profile.q10_rate(ref))
    return rate


def field_heat_end(state: LotState, now: datetime) -> datetime | None:
    """When the field-heat period ends: pre-cooling, else the first reading, else `now`."""
    if state.field_from is None:
        return None
    return state.field_until or state.first_reading_at or now


def field_heat_fraction(state: LotState, profile: ProductProfile, now: datetime) -> float:
    """Share of shelf life used between harvest and pre-cooling (0 without a harvest time)."""
    end = field_heat_end(state, now)
    if end is None or state.field_from is None:
        return 0.0
    hours = max(0.0, (end - state.field_from).total_seconds() / 3600.0)
    temp = ASSUMED_FIELD_TEMP_C if state.field_temp_c is None else state.field_temp_c
    return hours * field_heat_rate(profile, temp) / profile.storage_life_hours


def _points(
    readings: Iterable[ReadingLike], after: datetime | None
) -> tuple[list[tuple[float, float, datetime]], int]:
    """Usable readings after `after` as (timestamp, temperature, time) sorted, and the late count."""
    after_ts = _ts(after) if after is not None else -math.inf
    late = 0
    points: list[tuple[float, float, datetime]] = []
    append = points.append
    isfinite = math.isfinite
    for r in readings:
        t = r.temperature_c
        if t is None:
            continue
        t = float(t)
        if not isfinite(t):
            continue
        at = r.recorded_at
        if at.tzinfo is None:
            raise ValueError("reading times must be timezone-aware")
        ts = at.timestamp()
        if ts <= after_ts:
            late += 1
            continue
        append((ts, t, at))
    points.sort()  # by time, then temperature: deterministic for readings at the same instant
    return points, late


def _merge_same_instant(
    points: list[tuple[float, float, datetime]],
) -> list[tuple[float, float, datetime]]:
    """Readings at the same instant (several sensors) become one point at their mean temperature."""
    merged: list[tuple[float, float, datetime]] = []
    i, n = 0, len(points)
    while i < n:
        j = i + 1
        while j < n and points[j][0] == points[i][0]:
            j += 1
        temp = math.fsum(p[1] for p in points[i:j]) / (j - i) if j > i + 1 else points[i][1]
        merged.append((points[i][0], temp, points[i][2]))
        i = j
    return merged


def advance(
    state: LotState,
    profile: ProductProfile,
    readings: Iterable[ReadingLike],
    *,
    max_gap: timedelta = DEFAULT_MAX_GAP,
) -> LotState:
    """Integrate new readings into `state` and return the new state (the input is not changed)."""
    points, late = _points(readings, state.last_reading_at)
    if not points:
        return replace(state, late_readings=state.late_readings + late) if late else state

    sl_h = profile.storage_life_hours
    gap_s = max_gap.total_seconds()
    point = profile._point

    consumed = state.consumed_fraction
    chilling = state.chilling_dose
    freezing = state.freezing_damage_deg_h
    unmonitored = state.unmonitored_hours
    first_at = state.first_reading_at
    if any(points[k][0] == points[k + 1][0] for k in range(len(points) - 1)):
        points = _merge_same_instant(points)
    if state.last_reading_at is not None:
        prev_ts = _ts(state.last_reading_at)
        # Seeded at packing with an unknown temperature: the first segment at the optimum's pace.
        known = state.last_temp_c is not None
        pr, pc, pf = point(float(state.last_temp_c)) if known else (1.0, 0.0, 0.0)  # type: ignore[arg-type]
    else:
        prev_ts = points[0][0]
        known = True
        pr, pc, pf = point(points[0][1])
        first_at = points[0][2]

    # Hot loop (O(new readings)): plain locals, one call per reading.
    for ts, temp, _at in points:
        r, c, f = point(temp)
        dt_s = ts - prev_ts
        if dt_s > 0:
            dt_h = dt_s / 3600.0
            if not known:
                consumed += dt_h / sl_h
                known = True
            elif dt_s > gap_s:
                consumed += max(pr, r, 1.0) * dt_h / sl_h
                chilling += max(pc, c) * dt_h
                freezing += max(pf, f) * dt_h
                unmonitored += dt_h
            else:
                consumed += (pr + r) * 0.5 * dt_h / sl_h
                chilling += (pc + c) * 0.5 * dt_h
                freezing += (pf + f) * 0.5 * dt_h
        pr, pc, pf, prev_ts = r, c, f, ts
    _, last_temp, last_at = points[-1]

    return replace(
        state,
        consumed_fraction=consumed,
        chilling_dose=chilling,
        last_reading_at=last_at,
        last_temp_c=last_temp,
        first_reading_at=first_at,
        freezing_damage_deg_h=freezing,
        unmonitored_hours=unmonitored,
        late_readings=state.late_readings + late,
    )


def consumed_fraction_at(
    state: LotState,
    profile: ProductProfile,
    now: datetime,
    packed_at: datetime | None,
    *,
    max_gap: timedelta = DEFAULT_MAX_GAP,
) -> float:
    """Share of shelf life used up at `now`, counting time outside the readings (see module doc).

    With a harvest time the field heat counts first, and the cold chain starts at its end instead of
    at packing."""
    sl_h = profile.storage_life_hours
    consumed = state.consumed_fraction + field_heat_fraction(state, profile, now)
    cold_from = field_heat_end(state, now)
    if cold_from is not None:
        packed_at = cold_from if packed_at is None else max(packed_at, cold_from)
    if state.last_reading_at is None:
        if packed_at is not None:
            consumed += max(0.0, (now - packed_at).total_seconds()) / 3600.0 / sl_h
        return consumed
    if packed_at is not None and state.first_reading_at is not None:
        consumed += max(0.0, (state.first_reading_at - packed_at).total_seconds()) / 3600.0 / sl_h
    after_h = max(0.0, (now - state.last_reading_at).total_seconds()) / 3600.0
    if after_h > 0:
        held_rate = 1.0 if state.last_temp_c is None else max(1.0, profile.rate(state.last_temp_c))
        held_h = min(after_h, max_gap.total_seconds() / 3600.0)
        consumed += (held_rate * held_h + (after_h - held_h)) / sl_h
    return consumed


def remaining_shelf_life_hours(
    state: LotState,
    profile: ProductProfile,
    now: datetime,
    packed_at: datetime | None,
    *,
    max_gap: timedelta = DEFAULT_MAX_GAP,
) -> float:
    """Hours left if kept at the optimum from `now` on: (1 - consumed) * SL(T_opt); negative when over."""
    consumed = consumed_fraction_at(state, profile, now, packed_at, max_gap=max_gap)
    return (1.0 - consumed) * profile.storage_life_hours


def condition(
    state: LotState,
    profile: ProductProfile,
    now: datetime,
    packed_at: datetime | None,
    *,
    max_gap: timedelta = DEFAULT_MAX_GAP,
    chilling_at_risk_dose: float = CHILLING_AT_RISK_DOSE,
    remaining: float | None = None,
) -> Condition:
    """`expired` when nothing is left; `at_risk` under 25 % left, chilling over the limit or any freezing.

    `remaining`: the caller's `remaining_shelf_life_hours` for the same arguments (clamped at zero
    or not: only its sign at zero and its size matter here), so it is not computed twice."""
    if remaining is None:
        remaining = remaining_shelf_life_hours(state, profile, now, packed_at, max_gap=max_gap)
    if remaining <= 0:
        return "expired"
    if (
        remaining < AT_RISK_REMAINING_FRACTION * profile.storage_life_hours
        or state.chilling_dose >= chilling_at_risk_dose
        or state.freezing_damage_deg_h > 0
    ):
        return "at_risk"
    return "ok"


# --- Excursions -------------------------------------------------------------------------------


@dataclass
class OpenExcursion:
    """A breach in progress (maybe still shorter than the minimum duration)."""

    started_at: datetime
    peak_c: float
    degree_hours: float
    last_at: datetime
    last_excess: float
    reported: bool = False


@dataclass(frozen=True)
class ExcursionEvent:
    """A snapshot of an excursion to upsert by (kind, started_at); `ended_at` None while it is open."""

    kind: ExcursionKind
    started_at: datetime
    ended_at: datetime | None
    peak_c: float
    degree_hours: float

    @property
    def is_open(self) -> bool:
        return self.ended_at is None


@dataclass
class ExcursionTracker:
    """Persisted detector state: the open breach per kind and the last reading time seen."""

    open: dict[str, OpenExcursion] = field(default_factory=dict)
    last_reading_at: datetime | None = None
    late_readings: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form."""
        return {
            "open": {
                k: {
                    "started_at": e.started_at.isoformat(),
                    "peak_c": e.peak_c,
                    "degree_hours": e.degree_hours,
                    "last_at": e.last_at.isoformat(),
                    "last_excess": e.last_excess,
                    "reported": e.reported,
                }
                for k, e in self.open.items()
            },
            "last_reading_at": _dt_to_json(self.last_reading_at),
            "late_readings": self.late_readings,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ExcursionTracker:
        """Inverse of `to_dict`; an empty dict gives a fresh tracker."""
        data = data or {}
        return cls(
            open={
                k: OpenExcursion(
                    started_at=datetime.fromisoformat(e["started_at"]),
                    peak_c=float(e["peak_c"]),
                    degree_hours=float(e["degree_hours"]),
                    last_at=datetime.fromisoformat(e["last_at"]),
                    last_excess=float(e["last_excess"]),
                    reported=bool(e.get("reported", False)),
                )
                for k, e in (data.get("open") or {}).items()
            },
            last_reading_at=_dt_from_json(data.get("last_reading_at")),
            late_readings=int(data.get("late_readings", 0)),
        )


def _snapshot(kind: str, e: OpenExcursion, ended_at: datetime | None) -> ExcursionEvent:
    return ExcursionEvent(kind, e.started_at, ended_at, e.peak_c, e.degree_hours)  # type: ignore[arg-type]


def _rules(
    profile: ProductProfile, kinds: tuple[ExcursionKind, ...]
) -> list[tuple[str, int, float, float, float]]:
    """Per kind (kind, side, limit, open_at, close_at): side +1 breaches above `open_at` and closes at or
    below `close_at`; side -1 breaches below `open_at` and closes at or above `close_at`; side 0 (killing
    range) breaches inside [limit, open_at] and closes outside it widened by `close_at`."""
    tol, hyst = profile.excursion_tolerance_c, profile.excursion_hysteresis_c
    rules: list[tuple[str, int, float, float, float]] = []
    for kind in kinds:
        if kind == ExcursionKind.HIGH:
            hi = profile.storage_temp_max_c
            rules.append((kind, 1, hi, hi + tol, hi + tol - hyst))
        elif kind == ExcursionKind.LOW:
            lo = profile.storage_temp_min_c
            rules.append((kind, -1, lo, lo - tol, lo - tol + hyst))
        elif kind == ExcursionKind.CHILLING and profile.chilling_applies:
            th = float(profile.chilling_threshold_c)  # type: ignore[arg-type]
            rules.append((kind, -1, th, th - tol, th - tol + hyst))
        elif kind == ExcursionKind.FREEZING and profile.highest_freezing_point_c is not None:
            fp = profile.highest_freezing_point_c
            # No tolerance below a freezing point: breached at it (ice may form), closed above it.
            at_fp = math.nextafter(fp, math.inf)
            rules.append((kind, -1, fp, at_fp, at_fp + hyst))
        elif (
            kind == ExcursionKind.KILLING_RANGE
            and profile.killing_range_min_c is not None
            and profile.killing_range_max_c is not None
        ):
            rules.append((kind, 0, profile.killing_range_min_c, profile.killing_range_max_c, hyst))
        elif kind == ExcursionKind.HUMIDITY_HIGH and profile.rh_max_pct is not None:
            hi = profile.rh_max_pct
            rules.append(
                (kind, 1, hi, hi + RH_TOLERANCE_PCT, hi + RH_TOLERANCE_PCT - RH_HYSTERESIS_PCT)
            )
        elif kind == ExcursionKind.HUMIDITY_LOW and profile.rh_min_pct is not None:
            lo = profile.rh_min_pct
            rules.append(
                (kind, -1, lo, lo - RH_TOLERANCE_PCT, lo - RH_TOLERANCE_PCT + RH_HYSTERESIS_PCT)
            )
    return rules


def track_excursions(
    tracker: ExcursionTracker,
    profile: ProductProfile,
    readings: Iterable[ReadingLike],
    *,
    min_duration: timedelta = DEFAULT_MIN_EXCURSION,
    kinds: tuple[ExcursionKind, ...] = TEMPERATURE_KINDS,
    value: Callable[[Any], float | None] | None = None,
) -> tuple[ExcursionTracker, list[ExcursionEvent]]:
    """Feed new readings; return the new tracker and one latest snapshot per excursion that changed.

    A limit is breached beyond it by the product's tolerance and the breach ends only once back by the
    hysteresis too (a control swing around an edge is one excursion, not many). `kinds` picks the
    excursions to track (temperature by default; `HUMIDITY_KINDS` with `value` reading `humidity_pct`).
    Snapshots are only emitted for breaches that have lasted `min_duration`; upsert them by
    (kind, started_at). A closed one has `ended_at`; an open one may be updated again by later calls.
    """
    if value is None:
        points, late = _points(readings, tracker.last_reading_at)
    else:
        points, late = _points(
            (Reading(r.recorded_at, value(r)) for r in readings), tracker.last_reading_at
        )
    state = ExcursionTracker(
        open={k: replace(v) for k, v in tracker.open.items()},
        last_reading_at=tracker.last_reading_at,
        late_readings=tracker.late_readings + late,
    )
    changed: dict[tuple[str, datetime], ExcursionEvent] = {}
    min_s = min_duration.total_seconds()
    rules = _rules(profile, kinds)
    # `low` does not also count below a chilling threshold that applies (that is a chilling excursion).
    chill_below = (
        profile.chilling_threshold_c
        if profile.chilling_applies
        and ExcursionKind.CHILLING in kinds
        and ExcursionKind.LOW in kinds
        else None
    )
    # Fast path bounds: strictly inside them nothing can open (or stay open: closes are inside too).
    safe_lo, safe_hi = -math.inf, math.inf
    for _kind, side, _limit, open_at, close_at in rules:
        if side > 0:
            safe_hi = min(safe_hi, open_at, close_at)
        elif side < 0:
            safe_lo = max(safe_lo, open_at, close_at)
    ranges = [(r[2] - r[4], r[3] + r[4]) for r in rules if r[1] == 0]
    opened = state.open
    dirty: set[str] = set()
    for ts, temp, at in points:
        if (
            not opened
            and safe_lo < temp < safe_hi
            and not any(lo <= temp <= hi for lo, hi in ranges)
        ):
            continue  # the common case: in band, nothing open
        for kind, side, limit, open_at, close_at in rules:
            cur = opened.get(kind)
            if side > 0:
                breached = temp > (open_at if cur is None else close_at)
                exc = temp - limit
            elif side < 0:
                breached = temp < (open_at if cur is None else close_at)
                if (
                    breached
                    and kind == ExcursionKind.LOW
                    and chill_below is not None
                    and temp < chill_below
                ):
                    breached = False
                exc = limit - temp
            elif cur is None:
                breached = limit <= temp <= open_at
                exc = 1.0  # killing range: degree-hours count hours inside the range
            else:
                breached = limit - close_at <= temp <= open_at + close_at
                exc = 1.0
            exc = max(exc, 0.0)
            if cur is not None:
                # Step-hold: the previous reading's excess lasted until this reading.
                cur.degree_hours += cur.last_excess * (ts - _ts(cur.last_at)) / 3600.0
                if not breached:
                    if (ts - _ts(cur.started_at)) >= min_s:
                        changed[(kind, cur.started_at)] = _snapshot(kind, cur, at)
                    del opened[kind]
                    dirty.discard(kind)
                    continue
                cur.last_at, cur.last_excess = at, exc
                cur.peak_c = max(cur.peak_c, temp) if side > 0 else min(cur.peak_c, temp)
                dirty.add(kind)
            elif breached:
                opened[kind] = OpenExcursion(
                    started_at=at, peak_c=temp, degree_hours=0.0, last_at=at, last_excess=exc
                )
                dirty.add(kind)
    if points:
        state.last_reading_at = points[-1][2]
    for open_kind in dirty:
        cur = opened[open_kind]
        if (_ts(cur.last_at) - _ts(cur.started_at)) >= min_s:
            cur.reported = True
            changed[(open_kind, cur.started_at)] = _snapshot(open_kind, cur, None)
    return state, list(changed.values())


# --- Product temperature from air sensors ----------------------------------------------------------

AIR_SENSOR_KINDS = frozenset({"supply_air", "return_air"})
PRODUCT_SENSOR_KINDS = frozenset({"", "product"})


@dataclass
class ThermalLag:
    """First-order estimate of product temperature from reefer air readings.

    dT_product/dt = (T_air - T_product) / tau: between two air readings the earlier air value holds
    (step-hold), so T_product(t_k) = T_air(k-1) + (T_product(k-1) - T_air(k-1)) * exp(-dt / tau). The
    first air reading starts the estimate at that air temperature. Persist it between calls."""

    tau_hours: float
    last_at: datetime | None = None
    last_air_c: float | None = None
    estimate_c: float | None = None

    def update(self, at: datetime, air_c: float) -> float:
        """Feed one air reading (in time order); returns the product estimate at `at`."""
        if self.last_at is None or self.estimate_c is None or self.last_air_c is None:
            self.estimate_c = air_c
        elif at > self.last_at:
            dt_h = (at - self.last_at).total_seconds() / 3600.0
            k = math.exp(-dt_h / self.tau_hours)
            self.estimate_c = self.last_air_c + (self.estimate_c - self.last_air_c) * k
        self.last_at, self.last_air_c = at, air_c
        return self.estimate_c

    def to_dict(self) -> dict[str, Any]:
        return {
            "tau_hours": self.tau_hours,
            "last_at": _dt_to_json(self.last_at),
            "last_air_c": self.last_air_c,
            "estimate_c": self.estimate_c,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None, tau_hours: float) -> ThermalLag:
        data = data or {}
        return cls(
            tau_hours=tau_hours,
            last_at=_dt_from_json(data.get("last_at")),
            last_air_c=data.get("last_air_c"),
            estimate_c=data.get("estimate_c"),
        )


def product_series(rows: Iterable[tuple[datetime, float, str]], lag: ThermalLag) -> list[Reading]:
    """Product temperatures from (time, °C, sensor kind) rows in time order: product probes (and
    readings without a kind, as before sensor kinds) as they are, supply/return air through the
    thermal lag, ambient sensors left out."""
    out: list[Reading] = []
    for at, temp, kind in rows:
        if kind in PRODUCT_SENSOR_KINDS:
            out.append(Reading(at, temp))
        elif kind in AIR_SENSOR_KINDS and temp is not None and math.isfinite(temp):
            out.append(Reading(at, lag.update(at, float(temp))))
    return out
