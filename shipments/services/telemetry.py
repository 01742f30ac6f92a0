"""Telemetry intake: deduplicated bulk insert (COPY on PostgreSQL) that keeps the hourly rollups,
then incremental processing."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import psycopg
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from shipments.models import ReadingHour, Shipment, TemperatureReading
from tradehub.db import copy_insert_prepared, copy_new_rows, insert_reporting_conflicts
from tradehub.partitions import (
    add_months,
    drop_month_partitions_before,
    ensure_month_partitions,
    is_partitioned,
    month_start,
)

from .tracking import IntakeResult

HOUR = dt.timedelta(hours=1)


ROLLUP_COLUMNS = (
    "shipment_id, sensor_id, hour, count, temperature_min, temperature_max, temperature_sum, "
    "humidity_count, humidity_min, humidity_max, humidity_sum"
)
# Adding to stored rollups: what both ways of computing a batch's rollups end with.
ROLLUP_MERGE = (
    "ON CONFLICT (shipment_id, hour, sensor_id) DO UPDATE SET "
    "count = h.count + EXCLUDED.count, "
    "temperature_min = LEAST(h.temperature_min, EXCLUDED.temperature_min), "
    "temperature_max = GREATEST(h.temperature_max, EXCLUDED.temperature_max), "
    "temperature_sum = h.temperature_sum + EXCLUDED.temperature_sum, "
    "humidity_count = h.humidity_count + EXCLUDED.humidity_count, "
    "humidity_min = LEAST(h.humidity_min, EXCLUDED.humidity_min), "
    "humidity_max = GREATEST(h.humidity_max, EXCLUDED.humidity_max), "
    "humidity_sum = CASE WHEN h.humidity_sum IS NULL THEN EXCLUDED.humidity_sum "
    "WHEN EXCLUDED.humidity_sum IS NULL THEN h.humidity_sum "
    "ELSE h.humidity_sum + EXCLUDED.humidity_sum END"
)


def rollup_sql(inserted: str) -> str:
    """PostgreSQL: upsert the hourly rollups of the readings in relation `inserted` (the rows the
    same statement just stored, so re-sent duplicates add nothing). Ordered by key so concurrent
    batches lock rollup rows in the same order."""
    table = ReadingHour._meta.db_table
    return (
        f"INSERT INTO {table} AS h ({ROLLUP_COLUMNS}) "  # noqa: S608
        "SELECT shipment_id, sensor_id, date_trunc('hour', recorded_at, 'UTC'), count(*), "
        "min(temperature_c), max(temperature_c), sum(temperature_c), count(humidity_pct), "
        "min(humidity_pct), max(humidity_pct), sum(humidity_pct) "
        f"FROM {inserted} GROUP BY 1, 2, 3 ORDER BY 1, 3, 2 {ROLLUP_MERGE}"
    )


def _lowest(values: list[float]) -> float:
    # As PostgreSQL's min() over the same order: of equal values (0.0 and -0.0) the last wins.
    return min(reversed(values))


def _highest(values: list[float]) -> float:
    return max(reversed(values))


def _total(values: list[float]) -> float:
    # As PostgreSQL's sum(float8): added one by one from the first value; -0.0 is the identity
    # of float addition (0.0 would turn a lone -0.0 into 0.0).
    return sum(values, -0.0)


def rollups_of(rows: Iterable[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """The hourly rollups of `rows` (dicts as `ingest_readings` stores them), equal to what
    `rollup_sql`'s aggregates give over the same rows in the same order, ordered by its key: one
    tuple per rollup, in the order of `ROLLUP_COLUMNS`."""
    # Keyed by the UTC hour as a number (day ordinal * 24 + hour): datetime.replace() cost more
    # than all the rest of the loop.
    groups: dict[tuple[int, str, int], tuple[list[float], list[float]]] = {}
    utc = dt.UTC
    for row in rows:
        at = row["recorded_at"].astimezone(utc)
        key = (row["shipment_id"], row["sensor_id"], at.toordinal() * 24 + at.hour)
        values = groups.get(key)
        if values is None:
            groups[key] = values = ([], [])
        values[0].append(row["temperature_c"])
        humidity = row.get("humidity_pct")
        if humidity is not None:
            values[1].append(humidity)
    return [
        (
            shipment_id,
            sensor_id,
            dt.datetime.fromordinal(hour // 24).replace(hour=hour % 24, tzinfo=utc),
            len(temperatures),
            _lowest(temperatures),
            _highest(temperatures),
            _total(temperatures),
            len(humidities),
            _lowest(humidities) if humidities else None,
            _highest(humidities) if humidities else None,
            _total(humidities) if humidities else None,
        )
        for shipment_id, sensor_id, hour in sorted(groups, key=lambda k: (k[0], k[2], k[1]))
        for temperatures, humidities in [groups[shipment_id, sensor_id, hour]]
    ]


def upsert_rollups(rollups: list[tuple[Any, ...]]) -> None:
    """PostgreSQL: add `rollups` (from `rollups_of`) to the stored ones in one statement."""
    if not rollups:
        return
    table = ReadingHour._meta.db_table
    types = (
        "bigint", "text", "timestamptz", "integer", "float8", "float8", "float8",
        "integer", "float8", "float8", "float8",
    )  # fmt: skip
    arrays = ", ".join(f"%s::{kind}[]" for kind in types)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} AS h ({ROLLUP_COLUMNS}) "  # noqa: S608
            f"SELECT * FROM unnest({arrays}) {ROLLUP_MERGE}",
            [list(column) for column in zip(*rollups, strict=True)],
        )


def _hour_of(at: dt.datetime) -> dt.datetime:
    return at.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


def recompute_rollups(rows: list[dict[str, Any]]) -> None:
    """Portable path (SQLite): rebuild the rollups of the (shipment, sensor, hour)s `rows` touch
    from the stored readings (idempotent; PostgreSQL keeps them in the insert statement)."""
    touched: dict[int, set[tuple[str, dt.datetime]]] = defaultdict(set)
    for row in rows:
        touched[row["shipment_id"]].add((row["sensor_id"], _hour_of(row["recorded_at"])))
    for shipment_id, keys in touched.items():
        first = min(hour for _, hour in keys)
        last = max(hour for _, hour in keys) + HOUR
        sensors = {sensor for sensor, _ in keys}
        aggregated: dict[tuple[str, dt.datetime], dict[str, Any]] = {}
        readings = TemperatureReading.objects.filter(
            shipment_id=shipment_id,
            sensor_id__in=sensors,
            recorded_at__gte=first,
            recorded_at__lt=last,
        ).values_list("sensor_id", "recorded_at", "temperature_c", "humidity_pct")
        for sensor, at, temperature, humidity in readings.iterator():
            key = (sensor, _hour_of(at))
            if key not in keys:
                continue
            agg = aggregated.setdefault(
                key,
                {"count": 0, "t": [], "h": []},
            )
            agg["count"] += 1
            agg["t"].append(temperature)
            if humidity is not None:
                agg["h"].append(humidity)
        stale = ReadingHour.objects.filter(
            shipment_id=shipment_id, hour__gte=first, hour__lt=last, sensor_id__in=sensors
        ).values_list("pk", "sensor_id", "hour")
        ReadingHour.objects.filter(
            pk__in=[pk for pk, sensor, hour in stale if (sensor, hour) in keys]
        ).delete()
        ReadingHour.objects.bulk_create(
            ReadingHour(
                shipment_id=shipment_id,
                sensor_id=sensor,
                hour=hour,
                count=agg["count"],
                temperature_min=min(agg["t"]),
                temperature_max=max(agg["t"]),
                temperature_sum=sum(agg["t"]),
                humidity_count=len(agg["h"]),
                humidity_min=min(agg["h"]) if agg["h"] else None,
                humidity_max=max(agg["h"]) if agg["h"] else None,
                humidity_sum=sum(agg["h"]) if agg["h"] else None,
            )
            for (sensor, hour), agg in sorted(aggregated.items())
        )


def _flag_late_readings(earliest: dict[int, Any]) -> None:
    """Mark shipments that received readings older than what was already integrated, so the
    next processing run replays their history (incremental integration cannot go back)."""
    processed = Shipment.objects.filter(
        pk__in=list(earliest), readings_processed_until__isnull=False
    ).values_list("pk", "readings_processed_until")
    late = [pk for pk, until in processed if earliest[pk] <= until]
    if late:
        Shipment.objects.filter(pk__in=late).update(readings_need_replay=True)


FAST_COLUMNS = (
    "shipment_id",
    "sensor_id",
    "recorded_at",
    "temperature_c",
    "humidity_pct",
    "sensor_kind",
)


_FAST_KEYS = frozenset(FAST_COLUMNS)


def _ready(row: dict[str, Any]) -> bool:
    """Whether psycopg can send the row's values as they are (what the API's validator builds)."""
    at = row["recorded_at"]
    humidity = row.get("humidity_pct")
    return (
        row.keys() <= _FAST_KEYS
        and type(row["shipment_id"]) is int
        and type(row["sensor_id"]) is str
        and type(at) is dt.datetime
        and at.tzinfo is not None
        and type(row["temperature_c"]) is float
        and (humidity is None or type(humidity) is float)
        and type(row.get("sensor_kind", "")) is str
    )


RESENT_MAX_SERIES = 8


def _ends_stored(keys: list[tuple[Any, ...]]) -> int:
    """How many of the batch's first and last keys are stored (one indexed probe): 2 suggests a
    re-sent batch, 0 a new one (2 or more distinct keys)."""
    table = connection.ops.quote_name(READINGS_TABLE)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {table} WHERE (shipment_id, sensor_id, recorded_at) "  # noqa: S608
            "IN ((%s, %s, %s), (%s, %s, %s))",
            [*keys[0], *keys[-1]],
        )
        return int(cursor.fetchone()[0])


def _time_of(member: tuple[dt.datetime, dict[str, Any]]) -> dt.datetime:
    return member[0]


def _resent_conflicts(unique: dict[tuple[Any, ...], dict[str, Any]]) -> int | None:
    """PostgreSQL, a re-sent batch (both ends stored): when every (shipment, sensor, time) of
    `unique` is stored already, how many are stored with another temperature or humidity
    (conflicts; the rest are duplicates); None as soon as one may be missing (then the COPY path
    decides, as always).

    It reads the series' stored values over the batch's time span (a few series at most, each
    read bounded by twice its size), which costs far less than COPYing everything to find
    nothing new."""
    series: dict[tuple[int, str], list[tuple[dt.datetime, dict[str, Any]]]] = defaultdict(list)
    for key, row in unique.items():
        series[key[0], key[1]].append((key[2], row))
        if len(series) > RESENT_MAX_SERIES:
            return None
    table = connection.ops.quote_name(READINGS_TABLE)
    # A psycopg cursor of its own, for binary results: its C loader makes the stored times
    # datetimes at once (Django's text timestamptz loader cost more than the rest, and the
    # integer microseconds used before cost PostgreSQL a numeric `extract` per row: 10 of the
    # query's 13-19 ms for 10,000 readings).
    with psycopg.Cursor(connection.connection) as cursor:
        conflicts = 0
        for (shipment_id, sensor_id), members in series.items():
            members.sort(key=_time_of)  # a batch in time order is sorted in one pass
            cursor.execute(
                f"SELECT recorded_at, temperature_c, humidity_pct FROM {table} "  # noqa: S608
                "WHERE shipment_id = %s AND sensor_id = %s AND recorded_at BETWEEN %s AND %s "
                "ORDER BY recorded_at LIMIT %s",
                [shipment_id, sensor_id, members[0][0], members[-1][0], 2 * len(members) + 1],
                binary=True,
            )
            found = cursor.fetchall()
            if len(found) > 2 * len(members):
                return None
            # Both in time order: one walk, no hashing (an aware datetime's hash asks its zone
            # for the offset: building and probing a dict of them cost more than the query).
            # Stored readings of the span that the batch does not name are stepped over.
            position, count = 0, len(found)
            for at, row in members:
                while position < count and found[position][0] < at:
                    position += 1
                if position == count or found[position][0] != at:
                    return None
                _, temperature, humidity = found[position]
                if temperature != row["temperature_c"] or humidity != row.get("humidity_pct"):
                    conflicts += 1
        return conflicts


def ingest_readings(rows: list[dict[str, Any]]) -> IntakeResult:
    """Store validated readings (`shipment_id`, `sensor_id`, `recorded_at`, `temperature_c`,
    `humidity_pct`), ignoring ones already known for the same shipment, sensor and time, and
    enqueue shelf-life processing (durably, in the same transaction) for every shipment named.

    A reading whose (shipment, sensor, time) is known with another temperature or humidity is a
    conflict, counted apart from duplicates: the stored (first) value stays."""
    unique: dict[tuple[Any, ...], dict[str, Any]] = {}
    in_batch_conflicts = 0
    for row in rows:
        key = (row["shipment_id"], row["sensor_id"], row["recorded_at"])
        first = unique.setdefault(key, row)
        if first is not row and (
            first.get("temperature_c") != row.get("temperature_c")
            or first.get("humidity_pct") != row.get("humidity_pct")
        ):
            in_batch_conflicts += 1
    fast = connection.vendor == "postgresql" and all(map(_ready, unique.values()))
    with transaction.atomic():
        keys = list(unique)
        ends = _ends_stored(keys) if fast and len(keys) >= 2 else None
        stored_conflicts = _resent_conflicts(unique) if ends == 2 else None
        if stored_conflicts is not None:
            # Every reading is stored already (a retry): nothing to COPY, rollups untouched.
            inserted, conflicts = 0, stored_conflicts + in_batch_conflicts
        elif fast:
            # The validated rows are already what psycopg sends: no per-value conversion.
            values = [
                (
                    row["shipment_id"],
                    row["sensor_id"],
                    row["recorded_at"],
                    row["temperature_c"],
                    row.get("humidity_pct"),
                    row.get("sensor_kind", ""),
                )
                for row in unique.values()
            ]
            if ends == 0 and copy_new_rows(TemperatureReading, FAST_COLUMNS, values):
                # Neither end was stored and no key clashed: every row went in as it is.
                upsert_rollups(rollups_of(unique.values()))
                inserted, conflicts = len(values), 0
            else:
                inserted, conflicts = copy_insert_prepared(
                    TemperatureReading,
                    FAST_COLUMNS,
                    values,
                    ["shipment_id", "sensor_id", "recorded_at"],
                    ["temperature_c", "humidity_pct"],
                    with_inserted=rollup_sql,
                )
            conflicts += in_batch_conflicts
        else:
            inserted, conflicts = insert_reporting_conflicts(
                TemperatureReading,
                rows,
                ["shipment", "sensor_id", "recorded_at"],
                ["temperature_c", "humidity_pct"],
                with_inserted=rollup_sql,
            )
        if inserted and connection.vendor != "postgresql":
            recompute_rollups(list(unique.values()))
        from shipments.tasks import process_readings_task

        if inserted:
            earliest: dict[int, Any] = {}
            for row in unique.values():
                at = earliest.get(row["shipment_id"])
                if at is None or row["recorded_at"] < at:
                    earliest[row["shipment_id"]] = row["recorded_at"]
            _flag_late_readings(earliest)
        # Processing is owed for every shipment of the batch, duplicates included: a retry of a
        # request whose processing was lost must not strand it. The outbox row is written in this
        # transaction (tradehub.work), so a committed batch is always processed.
        for shipment_id in sorted({row["shipment_id"] for row in unique.values()}):
            process_readings_task.enqueue_durably(shipment_id)
    return IntakeResult(
        accepted=inserted, duplicates=len(rows) - inserted - conflicts, conflicts=conflicts
    )


# --- partitions and retention (PostgreSQL: monthly partitions; elsewhere one plain table) -------

READINGS_TABLE = TemperatureReading._meta.db_table
PRUNE_BATCH = 10_000


def ensure_reading_partitions(now: dt.datetime | None = None) -> list[str]:
    """Create the readings partitions of this month and `TELEMETRY_PARTITIONS_AHEAD` months
    ahead that are missing (PostgreSQL; nothing elsewhere); returns the names created."""
    now = now or timezone.now()
    months = settings.TELEMETRY_PARTITIONS_AHEAD + 1
    return ensure_month_partitions(connection, READINGS_TABLE, "recorded_at", now, months)


def retention_cutoff(
    now: dt.datetime | None = None, months: int | None = None
) -> dt.datetime | None:
    """Raw readings recorded before this instant are dropped: the start of the month
    `TELEMETRY_RAW_RETENTION_MONTHS` months before this one (None: keep everything)."""
    months = settings.TELEMETRY_RAW_RETENTION_MONTHS if months is None else months
    if months <= 0:
        return None
    return add_months(month_start(now or timezone.now()), -months)


def prune_readings(now: dt.datetime | None = None, months: int | None = None) -> dict[str, Any]:
    """Drop raw readings recorded before `retention_cutoff` and keep their hourly rollups: whole
    monthly partitions on PostgreSQL (a catalogue change, not a DELETE), batched DELETEs elsewhere.
    Returns the cutoff, the partitions dropped and the rows deleted."""
    cutoff = retention_cutoff(now, months)
    result: dict[str, Any] = {"cutoff": cutoff, "dropped": [], "deleted": 0}
    if cutoff is None:
        return result
    if is_partitioned(connection, READINGS_TABLE):
        result["dropped"] = drop_month_partitions_before(
            connection, READINGS_TABLE, "recorded_at", cutoff
        )
        return result
    while True:
        ids = list(
            TemperatureReading.objects.filter(recorded_at__lt=cutoff)
            .order_by()
            .values_list("pk", flat=True)[:PRUNE_BATCH]
        )
        if not ids:
            return result
        result["deleted"] += TemperatureReading.objects.filter(pk__in=ids).delete()[0]
