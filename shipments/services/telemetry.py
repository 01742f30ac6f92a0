"""Telemetry intake: deduplicated bulk insert (COPY on PostgreSQL) that keeps the hourly rollups,
then incremental processing."""

import datetime as dt
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import groupby, islice, repeat
from operator import add, attrgetter, lt, mul, ne, or_
from typing import Any

import psycopg
from django.conf import settings
from django.db import connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from shipments.models import ReadingHour, Shipment, TemperatureReading
from tradehub.db import copy_insert_prepared, copy_new_rows, insert_reporting_conflicts
from tradehub.partitions import (
    add_months,
    drop_month_partitions_before,
    ensure_month_partitions,
    is_partitioned,
    month_start,
    partition_name,
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


_zone = attrgetter("tzinfo")
_hour = attrgetter("hour")
_ordinal = dt.datetime.toordinal
_astimezone = dt.datetime.astimezone


def rollups_of(batch: "ReadingBatch") -> list[tuple[Any, ...]]:
    """The hourly rollups of `batch`, equal to what `rollup_sql`'s aggregates give over the same
    readings in the same order, ordered by its key: one tuple per rollup, in the order of
    `ROLLUP_COLUMNS`. A stable sort by (shipment, hour, sensor) groups the readings, so each
    group keeps the batch's order (the order of its sums); only the groups (an hour of a sensor)
    are visited in Python, the readings are moved whole columns at a time."""
    times = batch.recorded_at
    if set(map(_zone, times)) != {dt.UTC}:
        times = list(map(_astimezone, times, repeat(dt.UTC)))
    # The UTC hour as a number (day ordinal * 24 + hour), a column at a time: datetime.replace()
    # cost more than all the rest, and `(at - EPOCH) // HOUR` (two timedeltas a reading) twice
    # this.
    hours = list(map(add, map(mul, map(_ordinal, times), repeat(24)), map(_hour, times)))
    keys = list(zip(batch.shipment_ids, hours, batch.sensor_ids, strict=True))
    order = sorted(range(len(keys)), key=keys.__getitem__)
    temperature_of, humidity_of = batch.temperatures.__getitem__, batch.humidities.__getitem__
    rollups = []
    for (shipment_id, hour, sensor_id), group in groupby(order, key=keys.__getitem__):
        indexes = list(group)
        temperatures = list(map(temperature_of, indexes))
        humidities = [value for value in map(humidity_of, indexes) if value is not None]
        rollups.append(
            (
                shipment_id,
                sensor_id,
                dt.datetime.fromordinal(hour // 24).replace(hour=hour % 24, tzinfo=dt.UTC),
                len(temperatures),
                _lowest(temperatures),
                _highest(temperatures),
                _total(temperatures),
                len(humidities),
                _lowest(humidities) if humidities else None,
                _highest(humidities) if humidities else None,
                _total(humidities) if humidities else None,
            )
        )
    return rollups


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


@dataclass(frozen=True, slots=True)
class ReadingBatch:
    """Validated readings as columns: one list per `FAST_COLUMNS` entry, all of one length, every
    value exactly what psycopg sends (int, str, aware datetime, float, float or None, str).

    Columns rather than a dict per reading: the bookkeeping of a 10,000-reading batch (keys,
    duplicates, the re-sent check, rollups, COPY) then runs over whole lists at C speed (`map`,
    `zip`, `set`, `min`, list comparison) instead of looking into 10,000 dicts one by one."""

    shipment_ids: list[int]
    sensor_ids: list[str]
    recorded_at: list[dt.datetime]
    temperatures: list[float]
    humidities: list[float | None]
    kinds: list[str]

    @classmethod
    def of_rows(cls, rows: Iterable[dict[str, Any]]) -> "ReadingBatch":
        """From dicts as `ingest_readings` takes them (`humidity_pct` and `sensor_kind` may be
        left out)."""
        rows = list(rows)
        return cls(
            [row["shipment_id"] for row in rows],
            [row["sensor_id"] for row in rows],
            [row["recorded_at"] for row in rows],
            [row["temperature_c"] for row in rows],
            [row.get("humidity_pct") for row in rows],
            [row.get("sensor_kind", "") for row in rows],
        )

    def __len__(self) -> int:
        return len(self.shipment_ids)

    def columns(self) -> tuple[list[Any], ...]:
        return (
            self.shipment_ids,
            self.sensor_ids,
            self.recorded_at,
            self.temperatures,
            self.humidities,
            self.kinds,
        )

    def values(self) -> list[tuple[Any, ...]]:
        """One tuple per reading, in the order of `FAST_COLUMNS` (what COPY writes)."""
        return list(zip(*self.columns(), strict=True))

    def rows(self) -> list[dict[str, Any]]:
        """One dict per reading, keyed by `FAST_COLUMNS` (what `ingest_readings` takes)."""
        return [dict(zip(FAST_COLUMNS, values, strict=True)) for values in self.values()]

    def take(self, indexes: list[int]) -> "ReadingBatch":
        """The readings at `indexes`, in that order."""
        return ReadingBatch(*(list(map(column.__getitem__, indexes)) for column in self.columns()))


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


def _one_series_in_time_order(batch: ReadingBatch) -> bool:
    """One shipment, one sensor, every time later than the one before (the usual batch of a
    logger): then no key repeats, told by comparisons alone (hashing an aware datetime asks its
    zone for the offset)."""
    times = batch.recorded_at
    return (
        len(set(batch.shipment_ids)) == 1
        and len(set(batch.sensor_ids)) == 1
        and all(map(lt, times, islice(times, 1, None)))
    )


def _first_of_each_key(
    batch: ReadingBatch, ordered: bool | None = None
) -> tuple[ReadingBatch, int]:
    """The batch without repeated (shipment, sensor, time) keys, the first of each kept, and how
    many of the repeats said something else (in-batch conflicts). `ordered`: what
    `_one_series_in_time_order(batch)` says, when the caller knows it already."""
    if _one_series_in_time_order(batch) if ordered is None else ordered:
        return batch, 0
    keys = list(zip(batch.shipment_ids, batch.sensor_ids, batch.recorded_at, strict=True))
    if len(set(keys)) == len(keys):
        return batch, 0
    first: dict[tuple[Any, ...], int] = {}
    conflicts = 0
    temperatures, humidities = batch.temperatures, batch.humidities
    for index, key in enumerate(keys):
        kept = first.setdefault(key, index)
        if kept != index and (
            temperatures[kept] != temperatures[index] or humidities[kept] != humidities[index]
        ):
            conflicts += 1
    return batch.take(list(first.values())), conflicts


def _probe(batch: ReadingBatch, ordered: bool = False) -> tuple[int, str | None]:
    """How many of the batch's first and last keys are stored (one indexed probe): 2 suggests a
    re-sent batch, 0 a new one (2 or more distinct keys).

    In the same statement, for a batch whose readings all fall in one month: that month's
    partition, when it is attached and checks the shipments of its new rows as the table does
    (its own statement triggers, `guard_reading_partitions`); else None. (Before migration 0025
    the probe also reserved an id per reading from the table's identity: readings have none.)
    `ordered`: the batch is one series in time order (its first time the earliest, its last the
    latest)."""
    table = connection.ops.quote_name(READINGS_TABLE)
    ends = [
        value
        for index in (0, -1)
        for value in (batch.shipment_ids[index], batch.sensor_ids[index], batch.recorded_at[index])
    ]
    times = batch.recorded_at
    earliest, latest = (times[0], times[-1]) if ordered else (min(times), max(times))
    month = month_start(earliest)
    same_month = month == month_start(latest)
    with connection.cursor() as cursor:
        cursor.execute(
            "WITH stored AS (SELECT count(*) AS n FROM "  # noqa: S608
            f"{table} WHERE (shipment_id, sensor_id, recorded_at) IN ((%s, %s, %s), (%s, %s, %s))), "
            "direct AS (SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass AND c.relname = %s AND EXISTS (SELECT 1 FROM "
            "pg_trigger t WHERE t.tgrelid = c.oid AND t.tgname = %s)) "
            "SELECT stored.n, direct.relname FROM stored LEFT JOIN direct ON true",
            [
                *ends,
                READINGS_TABLE,
                partition_name(READINGS_TABLE, month) if same_month else None,
                f"{SHIPMENT_CHECK}_insert",
            ],
        )
        row = cursor.fetchone()
    assert row is not None  # an aggregate: always one row
    stored, partition = row
    return int(stored), partition


def _series_of(
    batch: ReadingBatch, ordered: bool | None = None
) -> list[tuple[int, str, list[int]]]:
    """Each (shipment, sensor) series of the batch with the indexes of its readings in time
    order (`ordered`: as in `_first_of_each_key`)."""
    if _one_series_in_time_order(batch) if ordered is None else ordered:
        return [(batch.shipment_ids[0], batch.sensor_ids[0], list(range(len(batch))))]
    keys = list(zip(batch.shipment_ids, batch.sensor_ids, batch.recorded_at, strict=True))
    order = sorted(range(len(keys)), key=keys.__getitem__)  # by series, then time
    pairs = list(zip(batch.shipment_ids, batch.sensor_ids, strict=True))
    return [
        (shipment_id, sensor_id, list(members))
        for (shipment_id, sensor_id), members in groupby(order, key=pairs.__getitem__)
    ]


def _resent_conflicts(batch: ReadingBatch, ordered: bool | None = None) -> int | None:
    """PostgreSQL, a re-sent batch (both ends stored; keys unique): when every (shipment, sensor,
    time) of `batch` is stored already, how many are stored with another temperature or humidity
    (conflicts; the rest are duplicates); None as soon as one may be missing (then the COPY path
    decides, as always).

    One statement reads the stored values of each series of the batch over that series' time
    span (each read bounded by twice its size, through the unique index), which costs far less
    than COPYing everything to find nothing new, whatever the number of series (a query per
    series, as before, took a round trip each: 20 sensors re-sent 3.2x the raw COPY's time
    against 1.05x for one)."""
    if ordered is None:
        ordered = _one_series_in_time_order(batch)
    series = _series_of(batch, ordered)
    table = connection.ops.quote_name(READINGS_TABLE)
    times, temperatures, humidities = batch.recorded_at, batch.temperatures, batch.humidities
    # A psycopg cursor of its own, for binary results: its C loader makes the stored times
    # datetimes at once (Django's text timestamptz loader cost more than the rest, and the
    # integer microseconds used before cost PostgreSQL a numeric `extract` per row: 10 of the
    # query's 13-19 ms for 10,000 readings).
    with psycopg.Cursor(connection.connection) as cursor:
        if len(series) == 1:  # the usual batch: a plain range of the unique index
            shipment_id, sensor_id, members = series[0]
            # As three arrays, loaded in C straight into lists (a tuple per row, then
            # transposed, cost half as much again). Stored in time order as read; were they
            # not, the times would not match the batch's and the COPY path would decide.
            cursor.execute(
                "SELECT array_agg(recorded_at), array_agg(temperature_c), "  # noqa: S608
                "array_agg(humidity_pct) FROM (SELECT recorded_at, temperature_c, humidity_pct "
                f"FROM {table} WHERE shipment_id = %s AND sensor_id = %s "
                "AND recorded_at BETWEEN %s AND %s ORDER BY recorded_at LIMIT %s) r",
                [shipment_id, sensor_id, times[members[0]], times[members[-1]], 2 * len(batch) + 1],
                binary=True,
            )
            arrays = cursor.fetchone()
            assert arrays is not None  # an aggregate: always one row
            columns = [list(array or ()) for array in arrays]  # NULL: nothing stored
        else:
            cursor.execute(
                "SELECT r.recorded_at, r.temperature_c, r.humidity_pct, s.number "  # noqa: S608
                "FROM unnest(%s::bigint[], %s::varchar[], %s::timestamptz[], %s::timestamptz[], "
                "%s::integer[]) WITH ORDINALITY AS s(shipment_id, sensor_id, low, high, most, "
                "number) CROSS JOIN LATERAL (SELECT recorded_at, temperature_c, humidity_pct "
                f"FROM {table} WHERE shipment_id = s.shipment_id AND sensor_id = s.sensor_id "
                "AND recorded_at BETWEEN s.low AND s.high ORDER BY recorded_at LIMIT s.most) r "
                "ORDER BY s.number, r.recorded_at",
                [
                    [shipment_id for shipment_id, _, _ in series],
                    [sensor_id for _, sensor_id, _ in series],
                    [times[members[0]] for _, _, members in series],
                    [times[members[-1]] for _, _, members in series],
                    [2 * len(members) + 1 for _, _, members in series],
                ],
                binary=True,
            )
            found = cursor.fetchall()
            columns = [list(column) for column in zip(*found, strict=True)] or [[], [], [], []]
    stored_times, stored_temperatures, stored_humidities, *numbered = columns
    if len(stored_times) < len(batch):
        return None
    conflicts, start = 0, 0
    for number, (_, _, members) in enumerate(series, start=1):
        end = bisect_right(numbered[0], number, start) if numbered else len(stored_times)
        count = end - start
        if count < len(members) or count > 2 * len(members):
            return None
        # One series in time order: its members are the whole batch in its order, so the
        # batch's own columns, with no picking.
        whole = ordered
        batch_times = times if whole else list(map(times.__getitem__, members))
        picked: Any = slice(start, end)
        if count > len(members):
            # Stored readings of the span that the batch does not name: keep the stored rows
            # of the batch's times (both in time order: one walk, no hashing).
            positions = _positions_at(stored_times, start, end, batch_times)
            if positions is None:
                return None
            picked = positions
        if _pick(stored_times, picked) != batch_times:
            return None  # as many stored as sent, but not the same times
        sent_temperatures = temperatures if whole else map(temperatures.__getitem__, members)
        sent_humidities = humidities if whole else map(humidities.__getitem__, members)
        conflicts += sum(
            map(
                or_,
                map(ne, _pick(stored_temperatures, picked), sent_temperatures),
                map(ne, _pick(stored_humidities, picked), sent_humidities),
            )
        )
        start = end
    return conflicts


def _pick(column: list[Any], picked: slice | list[int]) -> list[Any]:
    if isinstance(picked, slice):
        return column[picked]
    return list(map(column.__getitem__, picked))


def _positions_at(
    stored: list[dt.datetime], start: int, end: int, times: list[dt.datetime]
) -> list[int] | None:
    """The positions in `stored[start:end]` (in time order) of each of `times` (in time order);
    None when a time is not there."""
    positions = []
    position = start
    for at in times:
        while position < end and stored[position] < at:
            position += 1
        if position == end or stored[position] != at:
            return None
        positions.append(position)
    return positions


def _earliest_per_shipment(batch: ReadingBatch) -> dict[int, dt.datetime]:
    if len(set(batch.shipment_ids)) == 1:
        return {batch.shipment_ids[0]: min(batch.recorded_at)}
    earliest: dict[int, dt.datetime] = {}
    for shipment_id, at in zip(batch.shipment_ids, batch.recorded_at, strict=True):
        known = earliest.get(shipment_id)
        if known is None or at < known:
            earliest[shipment_id] = at
    return earliest


def _owe_processing(shipment_ids: Iterable[int]) -> None:
    """Processing is owed for every shipment of a batch, duplicates included: a retry of a
    request whose processing was lost must not strand it. The outbox row is written in the
    caller's transaction (tradehub.work), so a committed batch is always processed."""
    from shipments.tasks import process_readings_task

    for shipment_id in sorted(set(shipment_ids)):
        process_readings_task.enqueue_durably(shipment_id)


def ingest_readings(rows: list[dict[str, Any]]) -> IntakeResult:
    """Store validated readings (`shipment_id`, `sensor_id`, `recorded_at`, `temperature_c`,
    `humidity_pct`, `sensor_kind`), ignoring ones already known for the same shipment, sensor and
    time, and enqueue shelf-life processing (durably, in the same transaction) for every shipment
    named.

    A reading whose (shipment, sensor, time) is known with another temperature or humidity is a
    conflict, counted apart from duplicates: the stored (first) value stays."""
    if connection.vendor == "postgresql" and all(map(_ready, rows)):
        return ingest_batch(ReadingBatch.of_rows(rows))
    return _ingest_row_by_row(rows)


def ingest_batch(batch: ReadingBatch) -> IntakeResult:
    """`ingest_readings` for readings already in columns (what the API's validator builds): the
    same effects and the same counts."""
    if connection.vendor != "postgresql":
        return _ingest_row_by_row(batch.rows())
    # Told once (three passes over the batch), used by each step below (when it holds,
    # `unique` is `batch` itself).
    ordered = _one_series_in_time_order(batch)
    unique, in_batch_conflicts = _first_of_each_key(batch, ordered)
    with transaction.atomic():
        ends, partition = _probe(unique, ordered) if len(unique) >= 2 else (None, None)
        stored_conflicts = _resent_conflicts(unique, ordered) if ends == 2 else None
        if stored_conflicts is not None:
            # Every reading is stored already (a retry): nothing to COPY, rollups untouched.
            inserted, conflicts = 0, stored_conflicts
        else:
            rollups: list[tuple[Any, ...]] = []
            # The validated values are already what psycopg sends: no per-value conversion.
            if ends == 0 and copy_new_rows(
                TemperatureReading,
                FAST_COLUMNS,
                unique.values(),
                meanwhile=lambda: rollups.extend(rollups_of(unique)),  # while the server stores
                partition=partition,
            ):
                # Neither end was stored and no key clashed: every row went in as it is.
                upsert_rollups(rollups)
                inserted, conflicts = len(unique), 0
            else:
                inserted, conflicts = copy_insert_prepared(
                    TemperatureReading,
                    FAST_COLUMNS,
                    unique.values(),
                    ["shipment_id", "sensor_id", "recorded_at"],
                    ["temperature_c", "humidity_pct"],
                    with_inserted=rollup_sql,
                )
        if inserted:
            _flag_late_readings(_earliest_per_shipment(unique))
        _owe_processing(unique.shipment_ids)
    conflicts += in_batch_conflicts
    return IntakeResult(
        accepted=inserted, duplicates=len(batch) - inserted - conflicts, conflicts=conflicts
    )


def _ingest_row_by_row(rows: list[dict[str, Any]]) -> IntakeResult:
    """The portable path (SQLite; rows psycopg cannot send as they are): every value through the
    ORM's conversions, duplicates and conflicts found by the insert itself."""
    with transaction.atomic():
        inserted, conflicts = insert_reporting_conflicts(
            TemperatureReading,
            rows,
            ["shipment", "sensor_id", "recorded_at"],
            ["temperature_c", "humidity_pct"],
            with_inserted=rollup_sql,
        )
        if inserted:
            if connection.vendor != "postgresql":
                recompute_rollups(rows)
            earliest: dict[int, Any] = {}
            for row in rows:
                at = earliest.get(row["shipment_id"])
                if at is None or row["recorded_at"] < at:
                    earliest[row["shipment_id"]] = row["recorded_at"]
            _flag_late_readings(earliest)
        _owe_processing(row["shipment_id"] for row in rows)
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
    created = ensure_month_partitions(connection, READINGS_TABLE, "recorded_at", now, months)
    if created:
        guard_reading_partitions(connection)
    return created


SHIPMENT_CHECK = "reading_shipments_exist"


def guard_reading_partitions(db: BaseDatabaseWrapper) -> list[str]:
    """PostgreSQL: give the readings table, and each partition of it that lacks them, the
    statement triggers that check the shipments its new rows name (`reading_shipments_exist`,
    migration 0024: the readings have no foreign key constraint). A statement fires the
    statement triggers of the table it names only, so a partition needs its own for a statement
    that names the partition. Returns the tables given them."""
    with db.cursor() as cursor:
        cursor.execute(
            "SELECT c.oid::regclass::text FROM pg_class c "
            "WHERE (c.oid = %s::regclass "
            "OR c.oid IN (SELECT inhrelid FROM pg_inherits WHERE inhparent = %s::regclass)) "
            "AND NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid "
            "AND t.tgname = %s) ORDER BY 1",
            [READINGS_TABLE, READINGS_TABLE, f"{SHIPMENT_CHECK}_insert"],
        )
        tables = [row[0] for row in cursor.fetchall()]
        for table in tables:
            for event in ("insert", "update"):
                cursor.execute(
                    f"CREATE TRIGGER {SHIPMENT_CHECK}_{event} AFTER {event.upper()} ON {table} "
                    f"REFERENCING NEW TABLE AS new_readings FOR EACH STATEMENT "
                    f"EXECUTE FUNCTION {SHIPMENT_CHECK}()"
                )
    return tables


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
