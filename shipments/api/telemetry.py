"""Fast validation of telemetry batches (up to 10,000 rows): plain Python, one query for all
shipment references, every bad row named by a JSON pointer. A DRF serializer per row costs
several times more (bench/telemetry_validation.py measures it)."""

import datetime as dt
import math
import re
from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from rest_framework.exceptions import ErrorDetail, ValidationError

from shipments.choices import SensorKind
from shipments.models import Shipment
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


def validate_readings(
    payload: Any, shipments: QuerySet[Shipment], max_rows: int
) -> list[dict[str, Any]]:
    """Rows ready to insert (`shipment_id`, ...) or ValidationError with a pointer per bad field.

    `shipments` is the caller's scoped queryset: a reference outside it answers exactly like an
    unknown one, so no other partner's shipment is revealed.
    """
    if not isinstance(payload, dict) or not isinstance(payload.get("readings"), list):
        raise ValidationError(
            {"readings": [ErrorDetail("A list of readings is required.", "required")]}
        )
    unknown = [key for key in payload if key != "readings"]
    if unknown:
        raise ValidationError(
            {str(key): [ErrorDetail("Unknown field.", "unknown_field")] for key in unknown}
        )
    rows = payload["readings"]
    if len(rows) > max_rows:
        raise PayloadTooLarge(f"At most {max_rows} readings per request; got {len(rows)}.")
    if not rows:
        raise ValidationError(
            {"readings": [ErrorDetail("At least one reading is required.", "empty")]}
        )
    now = timezone.now()
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
