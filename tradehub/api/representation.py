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
import json
from collections.abc import Callable
from typing import Any, cast

from django.db.models import QuerySet
from django.utils import timezone
from rest_framework import generics

# Spellings of UTC datetimes (what the database returns) per display zone. DRF's formatting
# (`astimezone`, `isoformat`) cost about 3 µs a value, some 1,100 values in a page of 50
# shipments; a page asked for again (partners poll their lists) reads the same instants, and a
# dict lookup costs a tenth of that. Keyed by the instant (aware datetimes compare and hash by
# it), bounded: emptied when full.
SPELLINGS_KEPT = 20_000


class _Spellings(dict[Any, str | None]):
    """One display zone's remembered spellings. A miss spells the value (`__missing__`), so
    the bound `__getitem__` that `datetime_formatter` hands out answers a remembered value
    without running any Python. Only UTC values are kept: any other aware value equal to a
    kept one is the same instant (the same spelling in this zone), and naive values (DRF
    reads them in the zone, fold included) are spelled every time."""

    def __init__(self, zone: dt.tzinfo) -> None:
        super().__init__()
        self.zone = zone

    def __missing__(self, value: dt.datetime | None) -> str | None:
        if value is None:
            # Kept as well: a time not set yet (an alert not acknowledged) is then a dict hit
            # like any remembered time, not a Python call (100 of them on a page of 50 alerts).
            self[None] = None
            return None
        text = _spelled(value, self.zone)
        if value.tzinfo is dt.UTC:
            if len(self) >= SPELLINGS_KEPT:
                self.clear()
            self[value] = text
        return text


_SPELLED: dict[dt.tzinfo, _Spellings] = {}


def _spellings(zone: dt.tzinfo) -> _Spellings:
    found = _SPELLED.get(zone)
    if found is None:
        found = _SPELLED.setdefault(zone, _Spellings(zone))
    return found


def _spelled(value: dt.datetime, zone: dt.tzinfo) -> str:
    """DRF's spelling of an aware or naive `value` in `zone` (`DateTimeField.to_representation`)."""
    if value.tzinfo is None or value.utcoffset() is None:
        value = timezone.make_aware(value, zone)
    else:
        value = value.astimezone(zone)
    text = value.isoformat()
    if text.endswith("+00:00"):
        return text[:-6] + "Z"
    return text


def datetime_out(value: dt.datetime | None, zone: dt.tzinfo | None = None) -> str | None:
    """`serializers.DateTimeField().to_representation(value)`: in the current time zone (or
    `zone`, which a caller formatting many values passes once), ISO 8601, UTC as `Z`."""
    if value is None:
        return None
    if zone is None:
        zone = timezone.get_current_timezone()
    return _spellings(zone)[value]


def datetime_formatter(zone: dt.tzinfo) -> Callable[[dt.datetime | None], str | None]:
    """`datetime_out` bound to `zone`, for a loop formatting many values: the same spellings,
    a remembered one read by a plain dict lookup."""
    return _spellings(zone).__getitem__


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
    if value.__class__ is decimal.Decimal:
        # What a DecimalField column returns: its text at the column's places, e.g. "1500.500"
        # (no exponent at those places), is what quantizing would spell; read from `str`, which
        # costs a fraction of `as_tuple`. The digit count below counts leading zeros too, so it
        # only ever sends a value that fits to the general path, never the other way round.
        text = str(value)
        point = text.find(".")
        if (
            point >= 0
            and len(text) - point - 1 == decimal_places
            and "E" not in text
            and len(text) - 1 - (text[0] == "-") <= max_digits
        ):
            return text
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


# JSON columns read as text (`Cast(column, TextField())`), parsed once per distinct text.
_PARSED: dict[str, Any] = {}
PARSED_KEPT = 4096


def json_in(text: str | None) -> Any:
    """What Django's JSONField reads from a JSON column's text (`json.loads`; None for NULL).

    The value parsed from the same text is remembered (bounded, emptied when full): the
    consignees and routes of a partner's page repeat. Callers only read it, never change it."""
    if text is None:
        return None
    if text in _PARSED:
        return _PARSED[text]
    try:
        value = json.loads(text)
    except json.JSONDecodeError:  # as JSONField.from_db_value: the text itself
        value = text
    if len(_PARSED) >= PARSED_KEPT:
        _PARSED.clear()
    _PARSED[text] = value
    return value


def float_out(value: Any) -> float | None:
    """`serializers.FloatField().to_representation(value)`."""
    return None if value is None else float(value)


def row_or_404(rows: QuerySet[Any, dict[str, Any]], **lookup: Any) -> dict[str, Any]:
    """DRF's `get_object_or_404` for a `.values()` queryset: the one row, else 404 (a lookup
    value of the wrong type is a 404 too, as for `get_object`)."""
    return cast(dict[str, Any], generics.get_object_or_404(rows, **lookup))  # type: ignore[type-var]
