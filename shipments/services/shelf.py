"""Lot shelf life and excursions from telemetry, advanced incrementally by `shipments.shelf_life`."""

import datetime as dt
import math
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Avg, Case, Count, Value, When
from django.utils import timezone

from shipments import shelf_life
from shipments.alerts.services import rescan_shipment
from shipments.cargo import packed_at
from shipments.choices import (
    FINISHED_STATUSES,
    PACKAGE_TIME_CONSTANT_HOURS,
    ExcursionKind,
    LotCondition,
    SensorKind,
)
from shipments.models import Excursion, Lot, Product, Shipment, TemperatureReading

# Keys in Shipment.excursion_state besides the product codes.
LAG_KEY = "_lag"
RH_SUFFIX = ":rh"
# τ when a shipment's package kind has no entry in PACKAGE_TIME_CONSTANT_HOURS (cartons on pallets).
DEFAULT_TIME_CONSTANT_HOURS = 8.0
# Fine steps (s) the chart's product estimate averages air readings over before the lag.
FINE_STEPS_SECONDS = (60, 300, 900, 1800, 3600)
# Readings are read from the database in chunks so memory stays flat for long histories.
READING_CHUNK = 20_000


def time_constant_hours(shipment: Shipment) -> float:
    """τ of the air -> product thermal lag for the shipment's package kind (hours)."""
    return PACKAGE_TIME_CONSTANT_HOURS.get(shipment.package_kind, DEFAULT_TIME_CONSTANT_HOURS)


def estimated_product_buckets(shipment: Shipment, seconds: int) -> list[dict[str, Any]]:
    """The product temperature the model uses, averaged per time bucket (`start`, `avg`), for the
    chart: product probes as measured, supply/return air through the same thermal lag as
    `process_readings` (τ of the package kind), ambient left out. Empty when the shipment has no
    air readings (then the readings themselves are the product temperature). Buckets are aligned
    like `selectors.bucketed_readings` (epoch multiples of `seconds`).

    The database averages the readings per fine step (at most τ/20 and dividing `seconds`), and the
    lag runs over those averages rather than every reading: the lag is linear, so over a step this
    short the estimate differs from the reading-by-reading one by hundredths of a degree (tested),
    and a chart of 100,000 readings reads a few thousand rows instead of all of them."""
    from shipments.selectors import EpochBucket

    readings = TemperatureReading.objects.filter(shipment=shipment, temperature_c__isnull=False)
    if not readings.filter(sensor_kind__in=shelf_life.AIR_SENSOR_KINDS).exists():
        return []
    tau = time_constant_hours(shipment)
    step = max([w for w in FINE_STEPS_SECONDS if w <= tau * 3600 / 20 and seconds % w == 0] or [60])
    rows = (
        readings.filter(
            sensor_kind__in=[*shelf_life.AIR_SENSOR_KINDS, *shelf_life.PRODUCT_SENSOR_KINDS]
        )
        .order_by()
        .annotate(
            step=EpochBucket("recorded_at", step),
            air=Case(
                When(sensor_kind__in=shelf_life.AIR_SENSOR_KINDS, then=Value(True)),
                default=Value(False),
            ),
        )
        .values("step", "air")
        .annotate(avg=Avg("temperature_c"), count=Count("recorded_at"))
        .order_by("step", "air")
    )
    lag = shelf_life.ThermalLag(tau)
    # Mean of the estimate over a step in which the air holds at `air`: the exponential's average.
    mean_share = tau * 3600 / step * (1 - math.exp(-step / (tau * 3600)))
    sums: dict[int, list[float]] = {}
    for row in rows:
        if not math.isfinite(row["avg"]):
            continue
        at = dt.datetime.fromtimestamp(int(row["step"]), tz=dt.UTC)
        value = air = float(row["avg"])
        if row["air"]:
            value = air + (lag.update(at, air) - air) * mean_share
        acc = sums.setdefault(int(row["step"]) // seconds * seconds, [0.0, 0.0])
        acc[0] += value * row["count"]
        acc[1] += row["count"]
    return [
        {"start": dt.datetime.fromtimestamp(b, tz=dt.UTC), "avg": round(total / n, 3)}
        for b, (total, n) in sorted(sums.items())
    ]


def profile_of(product: Product) -> shelf_life.ProductProfile:
    """The shelf-life model's view of a product."""
    return shelf_life.ProductProfile.from_obj(product)


def lot_state(lot: Lot) -> shelf_life.LotState:
    """The lot's persisted shelf-life state."""
    return shelf_life.LotState.from_dict(lot.shelf_state)


def remaining_hours(lot: Lot, now: dt.datetime | None = None) -> float:
    """Hours left if the lot is kept at its optimum from now on (never below zero)."""
    return remaining_hours_of(
        lot_state(lot), profile_of(lot.product), lot.packed_on, now or timezone.now()
    )


def remaining_hours_of(
    state: shelf_life.LotState,
    profile: shelf_life.ProductProfile,
    packed_on: dt.date,
    now: dt.datetime,
) -> float:
    """`remaining_hours` from plain values (lists built from rows share it)."""
    hours = shelf_life.remaining_shelf_life_hours(state, profile, now, packed_at(packed_on))
    return max(0.0, hours)


def with_field_heat(lot: Lot, state: shelf_life.LotState) -> shelf_life.LotState:
    """The state with the lot's harvest and pre-cooling times (field heat) set on it."""
    if lot.harvested_at is None:
        return state
    return replace(
        state,
        field_from=lot.harvested_at,
        field_until=lot.precooled_at,
        field_temp_c=lot.field_temp_c,
    )


def precooling_of(lot: Lot, now: dt.datetime | None = None) -> dict[str, Any]:
    """The field-heat assumption of a lot, as the API and admin show it."""
    return precooling_from(
        lot_state(lot),
        profile_of(lot.product),
        lot.harvested_at,
        lot.precooled_at,
        lot.field_temp_c,
        now or timezone.now(),
    )


def precooling_from(
    state: shelf_life.LotState,
    profile: shelf_life.ProductProfile,
    harvested_at: dt.datetime | None,
    precooled_at: dt.datetime | None,
    field_temp_c: float | None,
    now: dt.datetime,
) -> dict[str, Any]:
    """`precooling_of` from plain values (lists built from rows share it)."""
    temp = shelf_life.ASSUMED_FIELD_TEMP_C if field_temp_c is None else field_temp_c
    if harvested_at is None:
        assumption = (
            "No harvest time: the lot is counted at its optimum from packing (field heat unknown)."
        )
    elif precooled_at is not None:
        assumption = (
            f"Harvest to pre-cooling charged at {temp:g} °C"
            f"{' (assumed)' if field_temp_c is None else ''}, then the cold chain."
        )
    else:
        assumption = (
            f"Pre-cooling not recorded: harvest to the first reading charged at {temp:g} °C"
            f"{' (assumed)' if field_temp_c is None else ''}."
        )
    lost = shelf_life.field_heat_fraction(state, profile, now) * profile.storage_life_hours
    return {
        "harvested_at": harvested_at,
        "precooled_at": precooled_at,
        "field_temp_c": field_temp_c,
        "assumption": assumption,
        "hours_lost_at_optimum": round(lost, 2),
    }


def shelf_life_ends_at(
    state: shelf_life.LotState,
    profile: shelf_life.ProductProfile,
    packed: dt.datetime,
    now: dt.datetime | None = None,
) -> dt.datetime:
    """When the lot runs out if kept at its optimum after the readings integrated so far.

    After the last reading the model holds the last rate for at most `max_gap`, then the optimum's
    pace (one hour per hour), so the end is exact from that reference point on.
    """
    if state.last_reading_at is None:
        ref = packed
        field_end = shelf_life.field_heat_end(state, now or timezone.now())
        if field_end is not None:
            ref = max(ref, field_end)
    else:
        ref = state.last_reading_at + shelf_life.DEFAULT_MAX_GAP
    consumed = shelf_life.consumed_fraction_at(state, profile, ref, packed)
    return ref + dt.timedelta(hours=(1.0 - consumed) * profile.storage_life_hours)


def consumed_until_last_reading(
    state: shelf_life.LotState, profile: shelf_life.ProductProfile, packed: dt.datetime
) -> float:
    """`Lot.consumed_fraction`: the share of shelf life used from packing up to the last processed
    reading (packing to the first reading counted at the optimum's pace, as the model does); 0
    before any reading."""
    if state.last_reading_at is None:
        return 0.0
    return shelf_life.consumed_fraction_at(state, profile, state.last_reading_at, packed)


def lot_condition(lot: Lot, now: dt.datetime, arrival: dt.datetime | None) -> str:
    """The model's condition, and at risk too when the lot will run out before it arrives."""
    return condition_of(
        lot_state(lot),
        profile_of(lot.product),
        lot.packed_on,
        now,
        arrival,
        lot.shelf_life_ends_at,
        lambda: went_through_excursion(lot),
    )


def condition_of(
    state: shelf_life.LotState,
    profile: shelf_life.ProductProfile,
    packed_on: dt.date,
    now: dt.datetime,
    arrival: dt.datetime | None,
    shelf_life_ends_at: dt.datetime,
    went_through_excursion: Callable[[], bool],
    remaining_hours: float | None = None,
) -> str:
    """`lot_condition` from plain values (lists built from rows share it); the excursion check
    is only asked for when it can change the answer. `remaining_hours`: `remaining_hours_of`
    for the same lot and `now`, when the caller has it already."""
    condition = shelf_life.condition(
        state, profile, now, packed_at(packed_on), remaining=remaining_hours
    )
    if condition == LotCondition.OK and arrival is not None and shelf_life_ends_at < arrival:
        return LotCondition.AT_RISK
    if condition == LotCondition.OK and went_through_excursion():
        return LotCondition.AT_RISK
    return condition


def went_through_excursion(lot: Lot) -> bool:
    """Whether the lot's product broke its limits on this shipment by at least
    LOT_EXCURSION_AT_RISK_DEGREE_HOURS (six hours at 24 °C is far beyond it): such a lot is at
    risk whatever shelf life the model still gives it - the quality has to be checked.
    Lists annotate it (selectors.with_excursion_flag) instead of asking per lot."""
    annotated = getattr(lot, "went_through_excursion", None)
    if annotated is not None:
        return bool(annotated)
    return Excursion.objects.filter(
        shipment_id=lot.shipment_id,
        product_id=lot.product_id,
        degree_hours__gte=settings.LOT_EXCURSION_AT_RISK_DEGREE_HOURS,
    ).exists()


def shipment_arrival(shipment: Shipment) -> dt.datetime | None:
    """The arrival a lot must outlast: none once the shipment is finished."""
    return arrival_to_outlast(shipment.status, shipment.estimated_arrival, shipment.planned_arrival)


def arrival_to_outlast(
    status: str, estimated_arrival: dt.datetime | None, planned_arrival: dt.datetime | None
) -> dt.datetime | None:
    """`shipment_arrival` from plain values."""
    if status in FINISHED_STATUSES:
        return None
    return estimated_arrival or planned_arrival


def apply_state(
    lot: Lot, state: shelf_life.LotState, arrival: dt.datetime | None, now: dt.datetime
) -> None:
    """Copy a new shelf-life state onto the lot with its derived fields (not saved)."""
    profile = profile_of(lot.product)
    lot.shelf_state = state.to_dict()
    lot.consumed_fraction = consumed_until_last_reading(state, profile, packed_at(lot.packed_on))
    lot.chilling_damage = state.chilling_dose
    lot.shelf_life_ends_at = shelf_life_ends_at(state, profile, packed_at(lot.packed_on), now)
    lot.condition = lot_condition(lot, now, arrival)


def refresh_conditions(shipment: Shipment, now: dt.datetime | None = None) -> int:
    """Recompute the condition of every lot of a shipment (after its ETA moved); returns changes."""
    now = now or timezone.now()
    arrival = shipment_arrival(shipment)
    return len(
        recompute_conditions(shipment.lots.select_related("product"), now, lambda _: arrival)
    )


def recompute_conditions(
    lots: Iterable[Lot], now: dt.datetime, arrival_of: Callable[[Lot], dt.datetime | None]
) -> list[Lot]:
    """Recompute each lot's condition against the arrival it must outlast and save the ones that
    changed (condition and `updated_at`); returns them."""
    changed = []
    for lot in lots:
        condition = lot_condition(lot, now, arrival_of(lot))
        if condition != lot.condition:
            lot.condition = condition
            lot.updated_at = now
            changed.append(lot)
    if changed:
        Lot.objects.bulk_update(changed, ["condition", "updated_at"])
    return changed


def _upsert_excursions(
    shipment: Shipment, product: Product, events: Iterable[shelf_life.ExcursionEvent]
) -> list[int]:
    """Create or update excursions by (kind, start); returns their ids."""
    ids = []
    for event in events:
        excursion, _ = Excursion.objects.update_or_create(
            shipment=shipment,
            product=product,
            kind=event.kind,
            started_at=event.started_at,
            defaults={
                "ended_at": event.ended_at,
                "peak_c": event.peak_c,
                "degree_hours": event.degree_hours,
                "limit_c": _limit(product, event.kind),
            },
        )
        ids.append(excursion.pk)
    return ids


def _limit(product: Product, kind: str) -> float | None:
    limits: dict[str, float | None] = {
        ExcursionKind.HIGH: product.storage_temp_max_c,
        ExcursionKind.LOW: product.storage_temp_min_c,
        ExcursionKind.CHILLING: product.chilling_threshold_c,
        ExcursionKind.FREEZING: product.highest_freezing_point_c,
        ExcursionKind.KILLING_RANGE: product.killing_range_min_c,
        ExcursionKind.HUMIDITY_HIGH: product.rh_max_pct,
        ExcursionKind.HUMIDITY_LOW: product.rh_min_pct,
    }
    return limits.get(kind)


@transaction.atomic
def process_readings(shipment_id: int, now: dt.datetime | None = None) -> int:
    """Integrate the shipment's readings newer than the last processed one into every lot's shelf
    life and the excursion detectors; cost follows the new readings. When older readings arrived
    late, replay the whole history from each lot's initial state instead. Returns readings read."""
    now = now or timezone.now()
    # The row lock serialises concurrent runs for one shipment, so no reading is counted twice.
    shipment = Shipment.objects.select_for_update().filter(pk=shipment_id).first()
    if shipment is None:
        return 0
    replay = shipment.readings_need_replay
    lots = list(shipment.lots.select_related("product").order_by("id"))
    products = {lot.product.code: lot.product for lot in lots}
    # Excursion trackers per product on product temperature (`code`) and on humidity (`code:rh`),
    # and the air -> product thermal lag (`_lag`), all kept in `excursion_state`.
    keys = [*products, *(f"{code}{RH_SUFFIX}" for code in products)]
    tau = time_constant_hours(shipment)
    if replay:
        states = {lot.pk: shelf_life.LotState.from_dict(lot.initial_shelf_state) for lot in lots}
        trackers = {key: shelf_life.ExcursionTracker() for key in keys}
        lag = shelf_life.ThermalLag(tau)
    else:
        states = {lot.pk: lot_state(lot) for lot in lots}
        trackers = {
            key: shelf_life.ExcursionTracker.from_dict(shipment.excursion_state.get(key))
            for key in keys
        }
        lag = shelf_life.ThermalLag.from_dict(shipment.excursion_state.get(LAG_KEY), tau)
    from shipments.selectors import READING_ORDER, readings_between

    # Readings of one instant in sensor order (the key's; before migration 0025, arrival order).
    readings = TemperatureReading.objects.filter(shipment=shipment).order_by(*READING_ORDER)
    if shipment.readings_processed_until is not None and not replay:
        # Sensor by sensor through the key: only the new readings are read.
        until = shipment.readings_processed_until
        readings = readings_between(shipment, until, None).filter(recorded_at__gt=until)
    processed = 0
    last_at = None if replay else shipment.readings_processed_until
    seen: set[int] = set()
    chunk: list[tuple[dt.datetime, float, str]] = []
    humidity: list[shelf_life.Reading] = []

    def flush() -> None:
        product_temps = shelf_life.product_series(chunk, lag)
        for lot in lots:
            states[lot.pk] = shelf_life.advance(
                states[lot.pk], profile_of(lot.product), product_temps
            )
        for code, product in products.items():
            profile = profile_of(product)
            trackers[code], events = shelf_life.track_excursions(
                trackers[code], profile, product_temps
            )
            rh_key = f"{code}{RH_SUFFIX}"
            trackers[rh_key], rh_events = shelf_life.track_excursions(
                trackers[rh_key], profile, humidity, kinds=shelf_life.HUMIDITY_KINDS
            )
            seen.update(_upsert_excursions(shipment, product, [*events, *rh_events]))

    rows = readings.values_list("recorded_at", "temperature_c", "humidity_pct", "sensor_kind")
    for recorded_at, temperature, rh, kind in rows.iterator(chunk_size=READING_CHUNK):
        # Never split one instant across chunks: the model would take the second part as late.
        if len(chunk) >= READING_CHUNK and recorded_at != chunk[-1][0]:
            flush()
            processed += len(chunk)
            chunk = []
            humidity = []
        chunk.append((recorded_at, temperature, kind))
        if rh is not None and kind != SensorKind.AMBIENT:
            humidity.append(shelf_life.Reading(recorded_at, rh))
        last_at = recorded_at
    if chunk:
        flush()
        processed += len(chunk)
    if replay:
        # Excursions the full history no longer shows go, unless staff already acknowledged them.
        shipment.excursions.filter(acknowledged=False).exclude(pk__in=seen).delete()
    arrival = shipment_arrival(shipment)
    for lot in lots:
        apply_state(lot, states[lot.pk], arrival, now)
        lot.updated_at = now
    Lot.objects.bulk_update(
        lots,
        [
            "shelf_state",
            "consumed_fraction",
            "chilling_damage",
            "shelf_life_ends_at",
            "condition",
            "updated_at",
        ],
    )
    shipment.excursion_state = {key: tracker.to_dict() for key, tracker in trackers.items()}
    shipment.excursion_state[LAG_KEY] = lag.to_dict()
    shipment.readings_processed_until = last_at
    shipment.readings_need_replay = False
    shipment.save(
        update_fields=[
            "excursion_state",
            "readings_processed_until",
            "readings_need_replay",
            "updated_at",
        ]
    )
    rescan_shipment(shipment.pk)
    return processed
