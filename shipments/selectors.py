"""Reads of the shipments app: scoped querysets, timelines, series and distribution summaries."""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from operator import attrgetter
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.utils import timezone

from declarations.models import Declaration, GoodsItem
from declarations.selectors import fixed
from tradehub.prepared_queries import RowsByIds, rows_together

from .cargo import mixed_load_warnings
from .choices import LotCondition, ShipmentKind, ShipmentStatus
from .models import (
    Excursion,
    Leg,
    Lot,
    Product,
    ReadingHour,
    RequiredDocument,
    Shipment,
    TemperatureReading,
    TrackingEvent,
)

# --- shipments ---------------------------------------------------------------------------------


def shipments_with_details() -> QuerySet[Shipment]:
    """Shipments with everything the detail view shows, in a fixed number of queries."""
    return with_details(Shipment.objects.all())


def with_details(queryset: QuerySet[Shipment]) -> QuerySet[Shipment]:
    """Add the joins and prefetches the shipment output needs to a queryset."""
    return queryset.select_related(
        "partner", "origin__country", "destination__country", "declaration", "onward_declaration"
    ).prefetch_related(
        Prefetch("required_documents", queryset=RequiredDocument.objects.order_by("sequence")),
        Prefetch(
            "legs",
            queryset=Leg.objects.select_related("from_location", "to_location").order_by(
                "sequence"
            ),
        ),
        Prefetch(
            "lots",
            queryset=with_excursion_flag(
                Lot.objects.select_related("product", "goods_item").order_by("id")
            ),
        ),
    )


def with_excursion_flag(queryset: QuerySet[Lot]) -> QuerySet[Lot]:
    """Annotate `went_through_excursion` (services.shelf.went_through_excursion in SQL), so the
    lot condition of a list costs no query per lot."""
    serious = Excursion.objects.filter(
        shipment_id=OuterRef("shipment_id"),
        product_id=OuterRef("product_id"),
        degree_hours__gte=settings.LOT_EXCURSION_AT_RISK_DEGREE_HOURS,
    )
    return queryset.annotate(went_through_excursion=Exists(serious))


def with_at_risk(queryset: QuerySet[Shipment]) -> QuerySet[Shipment]:
    """Annotate `has_lot_at_risk`: any lot at risk or expired."""
    risky = Lot.objects.filter(
        shipment=OuterRef("pk"), condition__in=[LotCondition.AT_RISK, LotCondition.EXPIRED]
    )
    return queryset.annotate(has_lot_at_risk=Exists(risky))


def shipment_warnings(shipment: Shipment) -> list[str]:
    """Mixed-load warnings of a shipment (lots should be prefetched)."""
    return mixed_load_warnings([lot.product for lot in shipment.lots.all()], shipment.setpoint_c)


def events_in_time_order(shipment: Shipment) -> QuerySet[TrackingEvent]:
    """A shipment's events as they happened (event time, then arrival order)."""
    return shipment.events.select_related("location", "transit__declaration").order_by(
        "occurred_at", "id"
    )


def excursions_of(shipment: Shipment) -> QuerySet[Excursion]:
    """A shipment's excursions, oldest first."""
    return shipment.excursions.select_related("product").order_by("started_at", "id")


def products() -> QuerySet[Product]:
    """The product catalogue."""
    return Product.objects.order_by("code")


# --- telemetry ---------------------------------------------------------------------------------


HOUR = dt.timedelta(hours=1)
READING_ORDER = ("recorded_at", "sensor_id")


def _floor_hour(at: dt.datetime) -> dt.datetime:
    return at.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


def _ceil_hour(at: dt.datetime) -> dt.datetime:
    floor = _floor_hour(at)
    return floor if floor == at else floor + HOUR


def sensors_between(
    shipment_id: Any, start: Any = None, end: dt.datetime | None = None
) -> QuerySet[ReadingHour, Any]:
    """The sensors a shipment has readings of in [start, end) (no bound: every sensor), from the
    hourly rollups (kept in the statement that stores the readings, never dropped with them): the
    sensors of the hours the range touches, a superset. `start` may be an expression (the hour
    bound is then `start` - 1 h, the same hours)."""
    hours = ReadingHour.objects.filter(shipment_id=shipment_id)
    if isinstance(start, dt.datetime):
        hours = hours.filter(hour__gte=_floor_hour(start))
    elif start is not None:
        hours = hours.filter(
            hour__gt=ExpressionWrapper(start - Value(HOUR), output_field=DateTimeField())
        )
    if end is not None:
        hours = hours.filter(hour__lt=end)
    return hours.order_by().values("sensor_id").distinct()


class InSensors(Func):
    """`sensor_id` is one of a subquery's sensors. PostgreSQL: `= ANY(ARRAY(subquery))`, the array
    computed once before the scan, so the readings' key (shipment, sensor, recorded_at) is read
    with one descent per sensor (a plain `IN (subquery)` may become a join that reads the whole
    shipment); elsewhere `IN (subquery)`."""

    output_field = BooleanField()

    def __init__(self, sensors: QuerySet[Any, Any]) -> None:
        super().__init__(F("sensor_id"), Subquery(sensors))

    def as_sql(  # type: ignore[override]
        self, compiler: Any, connection: Any, **extra: Any
    ) -> tuple[str, list[Any]]:
        sensor, sensor_params = compiler.compile(self.source_expressions[0])
        sensors, params = compiler.compile(self.source_expressions[1])
        if connection.vendor == "postgresql":
            return f"{sensor} = ANY(ARRAY{sensors})", [*sensor_params, *params]
        return f"{sensor} IN {sensors}", [*sensor_params, *params]


def readings_between(
    shipment: Shipment,
    start: dt.datetime | None,
    end: dt.datetime | None,
    received_since: dt.datetime | None = None,
) -> QuerySet[TemperatureReading]:
    """A shipment's readings in [start, end) (stored at or after `received_since`), in time order
    (readings of one instant in sensor order), sensor by sensor through the key."""
    queryset = TemperatureReading.objects.filter(
        InSensors(sensors_between(shipment.pk, start, end)), shipment_id=shipment.pk
    ).order_by(*READING_ORDER)
    if start is not None:
        queryset = queryset.filter(recorded_at__gte=start)
    if end is not None:
        queryset = queryset.filter(recorded_at__lt=end)
    if received_since is not None:
        queryset = queryset.filter(received_at__gte=received_since)
    return queryset


class ReadingPages:
    """A shipment's readings in [start, end) as the readings list pages them: what DRF's cursor
    pagination asks of a queryset (`order_by` on `READING_ORDER` or its reverse, `filter` on
    `recorded_at__gt`/`__lt`, a slice), with the same rows as `readings_between` would give.

    On PostgreSQL a page reads, for each sensor of the range (`sensors_between`), at most as many
    of its readings as the page needs, in time order through the key (a LATERAL subquery per
    sensor, partitions pruned by the range), and orders those: no index on (shipment, time) is
    needed, and a page costs the same at the start of a long history as anywhere else. Elsewhere
    (SQLite) the slice is the ORM's."""

    def __init__(
        self,
        shipment: Shipment,
        start: dt.datetime | None,
        end: dt.datetime | None,
        received_since: dt.datetime | None = None,
        ordering: tuple[str, ...] = READING_ORDER,
        after: Any = None,
        before: Any = None,
    ) -> None:
        self.shipment, self.start, self.end = shipment, start, end
        self.received_since, self.ordering = received_since, ordering
        self.after, self.before = after, before

    def _with(self, **changes: Any) -> "ReadingPages":
        state = dict(vars(self))
        state.update(changes)
        return ReadingPages(**state)

    def order_by(self, *ordering: str) -> "ReadingPages":
        if ordering not in (READING_ORDER, tuple(f"-{name}" for name in READING_ORDER)):
            raise ValueError(f"readings are paged in {READING_ORDER} order, not {ordering}")
        return self._with(ordering=ordering)

    def filter(self, **lookups: Any) -> "ReadingPages":
        field = TemperatureReading._meta.get_field("recorded_at")
        changes = {}
        for lookup, value in lookups.items():
            # The conversion the ORM's lookup makes (a forged value: ValidationError).
            at = field.get_prep_value(value)
            if lookup == "recorded_at__gt":
                changes["after"] = at
            elif lookup == "recorded_at__lt":
                changes["before"] = at
            else:
                raise ValueError(f"readings pages filter on recorded_at only, not {lookup}")
        return self._with(**changes)

    def queryset(self) -> QuerySet[TemperatureReading]:
        """The same rows through the ORM."""
        queryset = readings_between(self.shipment, self.start, self.end, self.received_since)
        if self.after is not None:
            queryset = queryset.filter(recorded_at__gt=self.after)
        if self.before is not None:
            queryset = queryset.filter(recorded_at__lt=self.before)
        return queryset.order_by(*self.ordering)

    def __getitem__(self, page: slice) -> list[TemperatureReading]:
        if not isinstance(page, slice) or page.step is not None:
            raise TypeError("readings pages are read a slice at a time")
        offset, stop = page.start or 0, page.stop
        if connection.vendor != "postgresql" or stop is None:
            return list(self.queryset()[page])
        if stop <= offset:
            return []
        return self._page(offset, stop - offset)

    def _page(self, offset: int, size: int) -> list[TemperatureReading]:
        descending = self.ordering[0].startswith("-")
        low = _latest(self.start, self.after)
        high = _earliest(self.end, self.before)
        table = TemperatureReading._meta.db_table
        fields = [field for field in TemperatureReading._meta.concrete_fields if field.column]
        columns = [field.column for field in fields]
        hours, hour_params = sensors_between(self.shipment.pk, low, high).query.sql_with_params()
        where = ["t.shipment_id = %s", "t.sensor_id = s.sensor_id"]
        params: list[Any] = [self.shipment.pk]
        for condition, value in (
            ("t.recorded_at >= %s", self.start),
            ("t.recorded_at < %s", self.end),
            ("t.recorded_at > %s", self.after),
            ("t.recorded_at < %s", self.before),
            ("t.received_at >= %s", self.received_since),
        ):
            if value is not None:
                where.append(condition)
                params.append(value)
        direction = " DESC" if descending else ""
        listed = ", ".join(f"t.{column}" for column in columns)
        sql = (
            f"SELECT {', '.join(f'r.{column}' for column in columns)} "  # noqa: S608
            f"FROM unnest(ARRAY({hours})) AS s(sensor_id) CROSS JOIN LATERAL (SELECT {listed} "
            f"FROM {table} t WHERE {' AND '.join(where)} ORDER BY t.recorded_at{direction} "
            f"LIMIT %s) r ORDER BY r.recorded_at{direction}, r.sensor_id{direction} "
            "LIMIT %s OFFSET %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*hour_params, *params, offset + size, size, offset])
            rows = cursor.fetchall()
        # (`QuerySet.raw` wants a single-column primary key.)
        names = [field.attname for field in fields]
        return [TemperatureReading.from_db(connection.alias, names, row) for row in rows]


def _latest(*bounds: dt.datetime | None) -> dt.datetime | None:
    given = [bound for bound in bounds if bound is not None]
    return max(given) if given else None


def _earliest(*bounds: dt.datetime | None) -> dt.datetime | None:
    given = [bound for bound in bounds if bound is not None]
    return min(given) if given else None


class EpochBucket(Func):
    """Start of the fixed-width time bucket (epoch seconds) a timestamp falls in, computed by the
    database: PostgreSQL and SQLite."""

    output_field = BigIntegerField()

    def __init__(self, expression: Any, seconds: int, offset: int = 0) -> None:
        super().__init__(expression)
        self.seconds = int(seconds)
        # The zone's UTC offset in seconds: buckets of a day start at that zone's midnight.
        self.offset = int(offset)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.source_expressions[0])
        return (
            f"(floor((extract(epoch from {sql}) + %s) / %s) * %s - %s)::bigint",
            [*params, self.offset, self.seconds, self.seconds, self.offset],
        )

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.source_expressions[0])
        return (
            f"((CAST(strftime('%%s', {sql}) AS INTEGER) + %s) / %s) * %s - %s",
            [*params, self.offset, self.seconds, self.seconds, self.offset],
        )


Partial = list[float | int | None]  # min, max, sum, count of one bucket


def _raw_buckets(
    shipment: Shipment,
    start: dt.datetime | None,
    end: dt.datetime | None,
    seconds: int,
    limit: int,
    received_since: dt.datetime | None,
    offset_seconds: int,
) -> dict[int, Partial]:
    """Per bucket (epoch seconds of its start): min, max, sum and count of the raw readings."""
    rows = (
        readings_between(shipment, start, end, received_since)
        .order_by()
        .annotate(bucket=EpochBucket("recorded_at", seconds, offset_seconds))
        .values("bucket")
        .annotate(
            min=Min("temperature_c"),
            max=Max("temperature_c"),
            sum=Sum("temperature_c"),
            count=Count("recorded_at"),
        )
        .order_by("bucket")[:limit]
    )
    return {int(r["bucket"]): [r["min"], r["max"], r["sum"], r["count"]] for r in rows}


def _rollup_buckets(
    shipment: Shipment,
    start: dt.datetime | None,
    end: dt.datetime | None,
    seconds: int,
    limit: int,
    offset_seconds: int,
) -> dict[int, Partial]:
    """The same from the hourly rollups of the whole hours in [start, end)."""
    hours = ReadingHour.objects.filter(shipment=shipment)
    if start is not None:
        hours = hours.filter(hour__gte=start)
    if end is not None:
        hours = hours.filter(hour__lt=end)
    rows = (
        hours.order_by()
        .annotate(bucket=EpochBucket("hour", seconds, offset_seconds))
        .values("bucket")
        .annotate(
            min=Min("temperature_min"),
            max=Max("temperature_max"),
            sum=Sum("temperature_sum"),
            count=Sum("count"),
        )
        .order_by("bucket")[:limit]
    )
    return {int(r["bucket"]): [r["min"], r["max"], r["sum"], r["count"]] for r in rows}


def _merge(into: dict[int, Partial], part: dict[int, Partial]) -> None:
    for bucket, (low, high, total, count) in part.items():
        have = into.get(bucket)
        if have is None:
            into[bucket] = [low, high, total, count]
        else:
            have[0] = min(have[0], low)  # type: ignore[type-var]
            have[1] = max(have[1], high)  # type: ignore[type-var]
            have[2] = (have[2] or 0) + (total or 0)
            have[3] = (have[3] or 0) + (count or 0)


def bucketed_readings(
    shipment: Shipment,
    start: dt.datetime | None,
    end: dt.datetime | None,
    seconds: int,
    limit: int,
    received_since: dt.datetime | None = None,
    offset_seconds: int = 0,
) -> list[dict[str, Any]]:
    """Min, max and average temperature per time bucket, computed by the database; at most
    `limit` buckets. Buckets are aligned on midnight of the zone `offset_seconds` east of UTC
    (so `1d` buckets are that zone's calendar days).

    Buckets of whole hours on an hour-aligned zone read the hourly rollups kept at ingest
    (`ReadingHour`) for the whole hours of the range and raw readings only for the partial hours
    at its ends, so a whole-history chart costs what its hours number, not its readings; other
    widths, zones and `received_since` read raw readings. Both give the same figures."""
    merged: dict[int, Partial] = {}
    rollups = received_since is None and seconds % 3600 == 0 and offset_seconds % 3600 == 0
    inner_start = _ceil_hour(start) if start is not None else None
    inner_end = _floor_hour(end) if end is not None else None
    if rollups and (inner_start is None or inner_end is None or inner_start < inner_end):
        if start is not None and inner_start is not None and start < inner_start:
            _merge(
                merged,
                _raw_buckets(shipment, start, inner_start, seconds, limit, None, offset_seconds),
            )
        _merge(
            merged,
            _rollup_buckets(shipment, inner_start, inner_end, seconds, limit, offset_seconds),
        )
        if end is not None and inner_end is not None and inner_end < end:
            _merge(
                merged, _raw_buckets(shipment, inner_end, end, seconds, limit, None, offset_seconds)
            )
    else:
        merged = _raw_buckets(shipment, start, end, seconds, limit, received_since, offset_seconds)
    result = []
    for bucket in sorted(merged)[:limit]:
        low, high, total, count = merged[bucket]
        begin = dt.datetime.fromtimestamp(bucket, tz=dt.UTC)
        result.append(
            {
                "start": begin,
                "end": begin + dt.timedelta(seconds=seconds),
                "min": low,
                "max": high,
                "avg": round(total / count, 3) if total is not None and count else None,
                "count": count,
            }
        )
    return result


# --- distribution ------------------------------------------------------------------------------


def distribution_summary(declaration: Declaration) -> list[dict[str, Any]]:
    """Per goods item: declared, allocated (child declarations and regional lots) and remaining
    quantities, and the shipments carrying it (also those drawn through a child declaration)."""
    return distribution_summaries([declaration])[declaration.pk]


def _distribution_lot_rows(declaration_ids: list[int]) -> QuerySet[Lot, tuple[Any, ...]]:
    """The regional lots drawn on these declarations' goods items or on their children's items,
    in id order."""
    return (
        Lot.objects.filter(
            Q(goods_item__declaration_id__in=declaration_ids)
            | Q(goods_item__source_item__declaration_id__in=declaration_ids),
            shipment__kind=ShipmentKind.DISTRIBUTION,
        )
        .exclude(shipment__status=ShipmentStatus.CANCELLED)
        .order_by("id")
        .values_list(
            "goods_item_id",
            "goods_item__source_item_id",
            "shipment__reference",
            "net_kg",
            "packages",
        )
    )


# Every declaration list and detail reads these lots: compiled once per process.
_DISTRIBUTION_LOTS = RowsByIds(_distribution_lot_rows)
_SEQUENCE = attrgetter("sequence")
# Nothing drawn, as a summary spells it (`fixed(ZERO.net_kg, 3)`).
_NOTHING = "0.000"
# The name `lot_drawings` is registered under as a drawing provider of declarations.
LOT_DRAWINGS_PROVIDER = "shipments.lots"


def distribution_reads(declaration_ids: list[int]) -> list[tuple[RowsByIds, list[int]]]:
    """The queries behind the distribution summaries of these declarations (their goods items'
    child drawings and lots), for a caller that sends them with its own (`rows_together`) and
    then hands their rows to `distribution_summaries_from`."""
    from declarations.services.allocation import CHILD_DRAWINGS_OF_DECLARATIONS

    return [
        (CHILD_DRAWINGS_OF_DECLARATIONS, declaration_ids),
        (_DISTRIBUTION_LOTS, declaration_ids),
    ]


def distribution_summaries(declarations: Sequence[Declaration]) -> dict[int, list[dict[str, Any]]]:
    """`distribution_summary` of several declarations (a page of a list) in one round trip,
    whatever their number (none without goods items): goods items come from a prefetch when
    there is one."""
    items_of = _goods_items_of(declarations)
    if not any(items_of.values()):
        return {pk: [] for pk in items_of}
    reads = distribution_reads(list(items_of))
    return _summaries(items_of, rows_together(*reads))


def distribution_summaries_from(
    declarations: Sequence[Declaration], read: Sequence[list[tuple[Any, ...]]]
) -> dict[int, list[dict[str, Any]]]:
    """The summaries of these declarations from the rows of their `distribution_reads`."""
    return _summaries(_goods_items_of(declarations), read)


def _goods_items_of(declarations: Sequence[Declaration]) -> dict[int, list[GoodsItem]]:
    return {
        declaration.pk: sorted(declaration.goods_items.all(), key=_SEQUENCE)
        for declaration in declarations
    }


def _summaries(
    items_of: dict[int, list[GoodsItem]], read: Sequence[list[tuple[Any, ...]]]
) -> dict[int, list[dict[str, Any]]]:
    from declarations.services.allocation import ZERO, Quantity, drawn_quantities

    child_rows, lot_rows = read
    items = [item for group in items_of.values() for item in group]
    if not items:
        return {pk: [] for pk in items_of}
    # The lots' own drawings (`lot_drawings`, registered as "shipments.lots") are summed from
    # the lots read below, which include every lot `lot_drawings` sums: a query fewer.
    drawn = drawn_quantities(items, except_provider=LOT_DRAWINGS_PROVIDER, child_rows=child_rows)
    own = {item.pk for item in items}
    lot_kg: dict[int, Decimal] = {}
    lot_packages: dict[int, int] = {}
    shipments: dict[int, list[str]] = defaultdict(list)
    for goods_item_id, source_item_id, reference, net_kg, packages in lot_rows:
        if goods_item_id in own:
            # As SQL's SUM: NULLs skipped (`lot_drawings` then reads a NULL sum as zero).
            if net_kg is not None:
                lot_kg[goods_item_id] = (
                    lot_kg[goods_item_id] + net_kg if goods_item_id in lot_kg else net_kg
                )
            if packages is not None:
                lot_packages[goods_item_id] = lot_packages.get(goods_item_id, 0) + packages
        # A lot on a child's item (a release or re-export drawn from this stock) counts for
        # the item it was drawn from.
        item_id = goods_item_id if goods_item_id in own else source_item_id
        if item_id is None:
            continue
        if reference not in shipments[item_id]:
            shipments[item_id].append(reference)
    for item_id in lot_kg.keys() | lot_packages.keys():
        lots = Quantity(lot_kg.get(item_id) or Decimal("0"), lot_packages.get(item_id) or 0)
        drawn[item_id] = drawn.get(item_id, ZERO) + lots
    summaries: dict[int, list[dict[str, Any]]] = {}
    for declaration_id, group in items_of.items():
        rows = []
        for item in group:
            taken = drawn.get(item.pk, ZERO)
            declared = fixed(item.net_kg, 3)
            rows.append(
                {
                    "goods_item": item.sequence,
                    "declared_net_kg": declared,
                    # Most items have nothing drawn: what remains is what was declared (the
                    # format's text depends on the value only).
                    "allocated_net_kg": _NOTHING if taken is ZERO else fixed(taken.net_kg, 3),
                    "remaining_net_kg": declared
                    if taken is ZERO
                    else fixed(item.net_kg - taken.net_kg, 3),
                    "declared_packages": item.packages_count,
                    "allocated_packages": taken.packages,
                    "remaining_packages": item.packages_count - taken.packages,
                    # (`get`: no empty list stored for each item without lots)
                    "shipments": shipments.get(item.pk, []),
                }
            )
        summaries[declaration_id] = rows
    return summaries


def worst_lot(lots: Iterable[Lot]) -> Lot | None:
    """The lot that runs out first."""
    return min(lots, key=lambda lot: lot.shelf_life_ends_at, default=None)


def shipments_with_unprocessed_readings(
    grace: dt.timedelta = dt.timedelta(minutes=1), limit: int = 200
) -> list[int]:
    """Shipments whose stored readings are not all integrated: flagged for a replay, or holding a
    reading newer than `readings_processed_until` that was received more than `grace` ago (younger
    ones are still in the hands of their queued task). Index probes of the readings' key: the
    first reading of the shipment, and per sensor of the hours since `readings_processed_until`
    (the hourly rollups) its first reading after it."""
    received_before = timezone.now() - grace
    readings = TemperatureReading.objects.filter(
        shipment=OuterRef("pk"), received_at__lte=received_before
    )
    never = Q(readings_processed_until__isnull=True) & Exists(readings)
    processed_until = OuterRef(OuterRef("readings_processed_until"))
    newer = Exists(
        readings.filter(
            InSensors(sensors_between(OuterRef(OuterRef("pk")), processed_until)),
            recorded_at__gt=OuterRef("readings_processed_until"),
        )
    )
    return list(
        Shipment.objects.filter(Q(readings_need_replay=True) | never | newer)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
