"""Fast validation of telemetry batches (up to 10,000 rows): plain Python, one query for all
shipment references, every bad row named by a JSON pointer. A DRF serializer per row costs
several times more (bench/telemetry_validation.py measures it)."""

import datetime as dt
import math
import re
from collections.abc import Callable
from itertools import chain, repeat
from operator import attrgetter
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from rest_framework.exceptions import ErrorDetail, ValidationError

from shipments.choices import SensorKind
from shipments.models import Shipment
from shipments.services.telemetry import ReadingBatch
from tradehub.api.exceptions import PayloadTooLarge

MAX_SENSOR_ID = 64
TEMPERATURE_RANGE = (-80.0, 80.0)
# Sensor clocks drift; a reading from further ahead than this is a broken clock, not data.
FUTURE_TOLERANCE = dt.timedelta(hours=1)
# Nothing this system tracks was recorded before 2000: such a time is a broken clock or a typo.
EARLIEST_READING = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
# Shipment references are short ASCII (`SHP-7K2M9Q4XTB`); nothing else is worth a lookup.
REFERENCE = re.compile(r"^[A-Za-z0-9-]{1,20}$")
ROW_FIELDS = frozenset(
    {"shipment", "sensor_id", "recorded_at", "temperature_c", "humidity_pct", "sensor_kind"}
)

Errors = dict[str, list[ErrorDetail]]


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer beyond the range of a double
        return None
    return number if math.isfinite(number) else None


def parse_time(value: Any) -> dt.datetime | None:
    """An ISO 8601 time with an offset, in UTC; None when invalid or naive."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
        if parsed.tzinfo is None or parsed.utcoffset() is None:
            return None
        return parsed.astimezone(dt.UTC)
    except (ValueError, OverflowError):  # OverflowError: e.g. year 1 with a positive offset
        return None


_KINDS = frozenset(SensorKind.values)
_FLOAT = float


def _fast_row(row: Any, now: dt.datetime) -> dict[str, Any] | None:
    """The usual well-formed row, checked with fewer steps; None at the first doubt (then
    `_check_row` runs and words every error, so answers never depend on this path)."""
    if type(row) is not dict or not row.keys() <= ROW_FIELDS:
        return None
    shipment: Any = row.get("shipment")
    sensor: Any = row.get("sensor_id")
    recorded: Any = row.get("recorded_at")
    temperature: Any = row.get("temperature_c")
    humidity: Any = row.get("humidity_pct")
    kind: Any = row.get("sensor_kind")
    if (
        type(shipment) is not str
        or type(sensor) is not str
        or type(recorded) is not str
        or len(sensor) > MAX_SENSOR_ID
        or len(recorded) > 40
        or type(temperature) not in (float, int)
        or not -80.0 <= temperature <= 80.0
    ):
        return None
    shipment = shipment.strip()
    sensor_id = sensor.strip()
    if not shipment or not sensor_id or not (sensor.isascii() and "\x00" not in sensor):
        return None
    if humidity is not None and (type(humidity) not in (float, int) or not 0 <= humidity <= 100):
        return None
    if kind is None:
        kind = ""
    elif type(kind) is not str or (kind != "" and kind not in _KINDS):
        return None
    try:
        at = dt.datetime.fromisoformat(recorded)
    except (ValueError, OverflowError):
        return None
    if at.tzinfo is None or at.utcoffset() is None:
        return None
    try:
        at = at.astimezone(dt.UTC)
    except OverflowError:
        return None
    if not EARLIEST_READING <= at <= now + FUTURE_TOLERANCE:
        return None
    return {
        "shipment": shipment,
        "sensor_id": sensor_id,
        "recorded_at": at,
        "temperature_c": _FLOAT(temperature),
        "humidity_pct": None if humidity is None else _FLOAT(humidity),
        "sensor_kind": kind,
    }


def _check_row(row: Any, now: dt.datetime, add: Callable[[str, str, str], None]) -> dict[str, Any]:
    """Validate one row; report errors through `add(field, code, message)`."""
    if not isinstance(row, dict):
        add("", "invalid", "Expected an object.")
        return {}
    out: dict[str, Any] = {}
    for key in row:
        if key not in ROW_FIELDS:
            add(str(key), "unknown_field", "Unknown field.")
    shipment = row.get("shipment")
    if not isinstance(shipment, str) or not shipment.strip():
        add("shipment", "required", "A shipment reference is required.")
    else:
        out["shipment"] = shipment.strip()
    sensor = row.get("sensor_id")
    if not isinstance(sensor, str) or not sensor.strip():
        add("sensor_id", "required", "A sensor id is required.")
    elif len(sensor) > MAX_SENSOR_ID:
        add("sensor_id", "max_length", f"At most {MAX_SENSOR_ID} characters.")
    else:
        out["sensor_id"] = sensor.strip()
    if "recorded_at" not in row:
        add("recorded_at", "required", "This field is required.")
    else:
        recorded = parse_time(row["recorded_at"])
        if recorded is None:
            add("recorded_at", "invalid", "An ISO 8601 time with an offset is required.")
        elif recorded > now + FUTURE_TOLERANCE:
            add("recorded_at", "future", "Lies in the future.")
        elif recorded < EARLIEST_READING:
            add("recorded_at", "out_of_range", "Lies implausibly far in the past (before 2000).")
        else:
            out["recorded_at"] = recorded
    if "temperature_c" not in row or row["temperature_c"] is None:
        add("temperature_c", "required", "This field is required.")
    else:
        temperature = _number(row["temperature_c"])
        low, high = TEMPERATURE_RANGE
        if temperature is None:
            add("temperature_c", "invalid", "A finite number is required.")
        elif not low <= temperature <= high:
            add("temperature_c", "out_of_range", f"Must be between {low:g} and {high:g} °C.")
        else:
            out["temperature_c"] = temperature
    kind = row.get("sensor_kind")
    if kind in (None, ""):
        out["sensor_kind"] = ""
    elif kind not in SensorKind.values:
        add(
            "sensor_kind",
            "invalid_choice",
            f"One of {', '.join(SensorKind.values)} (or leave it out: product temperature).",
        )
    else:
        out["sensor_kind"] = kind
    humidity_raw = row.get("humidity_pct")
    if humidity_raw is None:
        out["humidity_pct"] = None
    else:
        humidity = _number(humidity_raw)
        if humidity is None:
            add("humidity_pct", "invalid", "A finite number or null is required.")
        elif not 0.0 <= humidity <= 100.0:
            add("humidity_pct", "out_of_range", "Must be between 0 and 100 %.")
        else:
            out["humidity_pct"] = humidity
    return out


def _readings_of(payload: Any, max_rows: int) -> list[Any]:
    """The batch's list of readings, or the error about the request's shape."""
    if not isinstance(payload, dict) or not isinstance(payload.get("readings"), list):
        raise ValidationError(
            {"readings": [ErrorDetail("A list of readings is required.", "required")]}
        )
    unknown = [key for key in payload if key != "readings"]
    if unknown:
        raise ValidationError(
            {str(key): [ErrorDetail("Unknown field.", "unknown_field")] for key in unknown}
        )
    rows: list[Any] = payload["readings"]
    if len(rows) > max_rows:
        raise PayloadTooLarge(f"At most {max_rows} readings per request; got {len(rows)}.")
    if not rows:
        raise ValidationError(
            {"readings": [ErrorDetail("At least one reading is required.", "empty")]}
        )
    return rows


def validate_readings(
    payload: Any, shipments: QuerySet[Shipment], max_rows: int
) -> list[dict[str, Any]]:
    """Rows ready to insert (`shipment_id`, ...) or ValidationError with a pointer per bad field.

    `shipments` is the caller's scoped queryset: a reference outside it answers exactly like an
    unknown one, so no other partner's shipment is revealed.
    """
    return _checked_rows(_readings_of(payload, max_rows), shipments, timezone.now())


def validate_reading_batch(
    payload: Any, shipments: QuerySet[Shipment], max_rows: int
) -> ReadingBatch:
    """`validate_readings` as columns (what `ingest_batch` stores): the same checks, the same
    values, the same errors. The usual batch is checked a column at a time (`_fast_columns`);
    at the first doubt every row is checked on its own, as `validate_readings` does, which words
    every error."""
    rows = _readings_of(payload, max_rows)
    now = timezone.now()
    columns = _fast_columns(rows, now)
    if columns is not None:
        references, sensors, times, temperatures, humidities, kinds = columns
        named = set(references)
        # Only well-formed references are looked up (as row by row); any other: the row checks.
        if all(map(REFERENCE.match, named)):
            known = dict(shipments.filter(reference__in=named).values_list("reference", "pk"))
            if len(known) == len(named):
                shipment_ids = list(map(known.__getitem__, references))
                return ReadingBatch(shipment_ids, sensors, times, temperatures, humidities, kinds)
    return ReadingBatch.of_rows(_checked_rows(rows, shipments, now))


def _checked_rows(
    rows: list[Any], shipments: QuerySet[Shipment], now: dt.datetime
) -> list[dict[str, Any]]:
    """Each row checked on its own (`_fast_row`, else `_check_row`), references resolved."""
    errors: dict[int, Errors] = {}
    parsed: list[dict[str, Any]] = []
    for index, row in enumerate(rows):
        fast = _fast_row(row, now)
        if fast is not None:
            parsed.append(fast)
            continue

        def add(field: str, code: str, message: str, index: int = index) -> None:
            errors.setdefault(index, {}).setdefault(field or "non_field_errors", []).append(
                ErrorDetail(message, code)
            )

        parsed.append(_check_row(row, now, add))
    # Only well-formed references are looked up; anything else cannot name a shipment.
    references = {
        reference
        for reference in {row.get("shipment", "") for row in parsed}
        if REFERENCE.match(reference)
    }
    known = (
        dict(shipments.filter(reference__in=references).values_list("reference", "pk"))
        if references
        else {}
    )
    for index, row in enumerate(parsed):
        if "shipment" not in row:
            continue
        shipment_id = known.get(row["shipment"])
        if shipment_id is None:
            errors.setdefault(index, {}).setdefault("shipment", []).append(
                ErrorDetail("No such shipment.", "does_not_exist")
            )
        elif not errors:
            # In place, in the same pass: a new dict per row cost more than the check itself.
            del row["shipment"]
            row["shipment_id"] = shipment_id
    if errors:
        raise ValidationError({"readings": {str(i): errors[i] for i in sorted(errors)}})
    return parsed


# --- the usual batch, a column at a time --------------------------------------------------------

_get = dict.get
_fromisoformat = dt.datetime.fromisoformat
_astimezone = dt.datetime.astimezone
_zone = attrgetter("tzinfo")
_NUMBER_TYPES = frozenset({float, int})
_KIND_VALUES = frozenset({None, ""}) | _KINDS

Columns = tuple[list[str], list[str], list[dt.datetime], list[float], list[float | None], list[str]]


def _fast_columns(rows: list[Any], now: dt.datetime) -> Columns | None:
    """The batch's values as columns (shipment references, then as in `ReadingBatch`) when every
    row passes `_fast_row`, built as it builds them; None at the first doubt (then the rows are
    checked one by one, so answers never depend on this path).

    Each check runs over a whole column in C (`map`, `set`, `min`, `max`, `sum`), and distinct
    values are checked once (a logger's batch names one shipment and one sensor 10,000 times):
    a tenth of the cost of `_fast_row` per row."""
    if set(map(type, rows)) != {dict}:
        return None
    keys = set(chain.from_iterable(rows))  # built faster than `issuperset` walks them
    if not keys <= ROW_FIELDS:
        return None
    shipments = _stripped(_column(rows, "shipment"))
    sensors = _sensor_ids(_column(rows, "sensor_id"))
    times = _utc_times(_column(rows, "recorded_at"), now)
    temperatures = _numbers(_column(rows, "temperature_c"), *TEMPERATURE_RANGE)
    # An optional field left out of every reading (the usual batch names no sensor kind): its
    # column is all defaults, with nothing to look at.
    humidities = (
        _optional_numbers(_column(rows, "humidity_pct"), 0, 100)
        if "humidity_pct" in keys
        else [None] * len(rows)
    )
    kinds = _kinds(_column(rows, "sensor_kind")) if "sensor_kind" in keys else [""] * len(rows)
    if (
        shipments is None
        or sensors is None
        or times is None
        or temperatures is None
        or humidities is None
        or kinds is None
    ):
        return None
    return shipments, sensors, times, temperatures, humidities, kinds


def _column(rows: list[dict[str, Any]], name: str) -> list[Any]:
    return list(map(_get, rows, repeat(name)))


def _stripped(values: list[Any]) -> list[str] | None:
    """The strings stripped (each distinct one once); None unless all are strings that keep
    something."""
    if set(map(type, values)) != {str}:
        return None
    return _stripped_strings(values, set(values))


def _stripped_strings(values: list[str], distinct: set[str]) -> list[str] | None:
    table = {value: value.strip() for value in distinct}
    if not all(table.values()):
        return None
    if all(stripped == value for value, stripped in table.items()):
        return values
    return list(map(table.__getitem__, values))


def _sensor_ids(values: list[Any]) -> list[str] | None:
    if set(map(type, values)) != {str}:
        return None
    distinct = set(values)
    joined = "".join(distinct)
    if max(map(len, distinct)) > MAX_SENSOR_ID or not joined.isascii() or "\x00" in joined:
        return None
    return _stripped_strings(values, distinct)


def _utc_times(values: list[Any], now: dt.datetime) -> list[dt.datetime] | None:
    if set(map(type, values)) != {str} or max(map(len, values)) > 40:
        return None
    try:
        parsed = list(map(_fromisoformat, values))
    except (ValueError, OverflowError):
        return None
    zones = set(map(_zone, parsed))
    if zones == {dt.UTC}:
        utc = parsed  # astimezone(UTC) of a time in UTC is the time itself
    else:
        # fromisoformat gives a fixed offset (dt.timezone, never without an offset) or None.
        if not all(type(zone) is dt.timezone for zone in zones):
            return None
        try:
            utc = list(map(_astimezone, parsed, repeat(dt.UTC)))
        except OverflowError:
            return None
    if min(utc) < EARLIEST_READING or max(utc) > now + FUTURE_TOLERANCE:
        return None
    return utc


def _numbers(values: list[Any], low: float, high: float) -> list[float] | None:
    """The values as floats when all are numbers (not booleans) from `low` to `high`."""
    types = set(map(type, values))
    if not types <= _NUMBER_TYPES or not (low <= min(values) and max(values) <= high):
        return None
    if float in types:
        total = sum(values)
        if total != total:  # a NaN, which min() and max() may step over
            return None
    return list(map(_FLOAT, values)) if int in types else values


def _optional_numbers(values: list[Any], low: float, high: float) -> list[float | None] | None:
    """As `_numbers`, with None allowed."""
    if None not in values:
        return _numbers(values, low, high)  # type: ignore[return-value]
    present = [value for value in values if value is not None]
    if present and _numbers(present, low, high) is None:
        return None
    return [None if value is None else _FLOAT(value) for value in values]


def _kinds(values: list[Any]) -> list[str] | None:
    try:
        distinct = set(values)
    except TypeError:  # a list or an object
        return None
    if not distinct <= _KIND_VALUES:
        return None
    if distinct == {None}:  # the usual batch leaves the kind out of every reading
        return [""] * len(values)
    return ["" if kind is None else kind for kind in values] if None in distinct else values
