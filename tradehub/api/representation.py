"""Values spelled as DRF's read-only fields spell them, for representations built from plain rows.

Hot lists (`shipments.api.representations`) read their rows with `.values()` and build the
dicts themselves instead of running a serializer per object. These formatters give the same
output as the DRF field the schema declares (`tests/api/test_representation.py` compares them
with the fields over edge values), so such a fast path writes the same JSON bytes. They follow
DRF's default settings (ISO 8601 dates and datetimes, decimals as strings), which this project
keeps; the test fails if that changes.
"""

import datetime as dt
import decimal
from typing import Any, cast

from django.db.models import QuerySet
from django.utils import timezone
from rest_framework import generics


def datetime_out(value: dt.datetime | None, zone: dt.tzinfo | None = None) -> str | None:
    """`serializers.DateTimeField().to_representation(value)`: in the current time zone (or
    `zone`, which a caller formatting many values passes once), ISO 8601, UTC as `Z`."""
    if not value:
        return None
    if zone is None:
        zone = timezone.get_current_timezone()
    if value.tzinfo is None or value.utcoffset() is None:
        value = timezone.make_aware(value, zone)
    else:
        value = value.astimezone(zone)
    text = value.isoformat()
    if text.endswith("+00:00"):
        return text[:-6] + "Z"
    return text


def date_out(value: dt.date | None) -> str | None:
    """`serializers.DateField().to_representation(value)`: ISO 8601."""
    if not value:
        return None
    return value.isoformat()


_QUANTA: dict[int, decimal.Decimal] = {}


def decimal_out(value: Any, max_digits: int, decimal_places: int) -> str | None:
    """A `serializers.DecimalField(max_digits, decimal_places)` in a serializer: the value rounded
    as DRF rounds it (the current context's rounding, `max_digits` of precision) to
    `decimal_places`, as a string; None stays None (the serializer never asks the field then)."""
    if value is None:
        return None
    if not isinstance(value, decimal.Decimal):
        value = decimal.Decimal(str(value).strip())
    _, digits, exponent = value.as_tuple()
    if exponent == -decimal_places and len(digits) <= max_digits:
        # Already at the field's places and precision (every value a DecimalField column
        # returns): quantizing would give the value itself.
        return f"{value:f}"
    quantum = _QUANTA.get(decimal_places)
    if quantum is None:
        quantum = _QUANTA[decimal_places] = decimal.Decimal(".1") ** decimal_places
    context = decimal.getcontext().copy()
    context.prec = max_digits
    return f"{value.quantize(quantum, context=context):f}"


def float_out(value: Any) -> float | None:
    """`serializers.FloatField().to_representation(value)`."""
    return None if value is None else float(value)


def row_or_404(rows: QuerySet[Any, dict[str, Any]], **lookup: Any) -> dict[str, Any]:
    """DRF's `get_object_or_404` for a `.values()` queryset: the one row, else 404 (a lookup
    value of the wrong type is a 404 too, as for `get_object`)."""
    return cast(dict[str, Any], generics.get_object_or_404(rows, **lookup))  # type: ignore[type-var]
