"""Request-body strictness installed on DRF once for every endpoint (from `ApiConfig.ready`).

1. Unknown fields in a request body are an error (400 with a pointer), not silently dropped.

DRF ignores keys a serializer does not declare, so a client's typo (`gross_weight` for
`gross_kg`) or an attempt to set a server-owned field that a write serializer does not declare
(`partner`, `status`) would "succeed" while doing something else than asked. The check is
installed once on `rest_framework.serializers.Serializer` (from `ApiConfig.ready`) so it covers
every serializer of every endpoint, nested ones included (pointers like
`/goods_items/0/gross_weight`), without each app having to remember a base class.

Keys that name a declared read-only field (e.g. `status`, `reference` in a representation sent
back by a client) are ignored as DRF always did: they are known, and they never change anything.
A serializer that really accepts free-form keys sets `allow_unknown_fields = True`.

2. Times must carry an offset. DRF's DateTimeField silently reads `2025-07-21T06:00:00` in the
server's zone; the API contract says times are ISO 8601 *with* an offset, so a naive time is a
400 (`code: naive_datetime`). Times outside 2000-2100 are refused as implausible
(`code: datetime_out_of_range`) instead of reaching PostgreSQL (which rejects some offsets and
years that Python accepts, which used to be a 500). Domain limits (e.g. a reading from the
future) stay with the serializers that know them.
"""

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.utils.dateparse import parse_datetime
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail, ValidationError

UNKNOWN_FIELD_CODE = "unknown_field"
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
_installed = False


def unknown_field_errors(serializer: serializers.Serializer[Any], data: Any) -> dict[str, Any]:
    """`{key: [error]}` for every key of `data` that the serializer does not declare."""
    if not isinstance(data, Mapping) or getattr(serializer, "allow_unknown_fields", False):
        return {}
    known = serializer.fields
    return {
        str(key): [ErrorDetail("Unknown field.", code=UNKNOWN_FIELD_CODE)]
        for key in data
        if key not in known
    }


def check_aware_datetime_text(value: Any) -> None:
    """Raise a ValidationError for a time given as text without an offset."""
    if not isinstance(value, str):
        return
    try:
        parsed = parse_datetime(value.strip())
    except ValueError:
        return  # not a valid time at all: DRF reports the format error
    if parsed is not None and parsed.tzinfo is None:
        raise ValidationError(
            "Give the time with an offset (ISO 8601), e.g. 2025-07-21T06:00:00+05:00.",
            code="naive_datetime",
        )


def check_datetime_range(value: dt.datetime) -> None:
    """Raise a ValidationError for an aware time outside the plausible range."""
    try:
        in_range = EARLIEST <= value <= LATEST
    except (OverflowError, TypeError):
        in_range = False
    if not in_range:
        raise ValidationError(
            "The time must lie between 2000 and 2100.", code="datetime_out_of_range"
        )


def install_request_checks() -> None:
    """Install the request-body checks on DRF's Serializer and DateTimeField (once)."""
    global _installed
    if _installed:
        return
    original_datetime = serializers.DateTimeField.to_internal_value

    def datetime_to_internal_value(self: serializers.DateTimeField, value: Any) -> Any:
        check_aware_datetime_text(value)
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value.strip())
            except ValueError:
                parsed = None
            if parsed is not None:
                check_datetime_range(parsed)
        try:
            return original_datetime(self, value)
        except OverflowError:  # converting e.g. year 9999 -05:00 to the server zone
            raise ValidationError(
                "The time must lie between 2000 and 2100.", code="datetime_out_of_range"
            ) from None

    serializers.DateTimeField.to_internal_value = datetime_to_internal_value  # type: ignore[method-assign,assignment]
    original = serializers.Serializer.to_internal_value

    def to_internal_value(self: serializers.Serializer[Any], data: Any) -> Any:
        errors = unknown_field_errors(self, data)
        if errors:
            raise ValidationError(errors)
        return original(self, data)

    to_internal_value.__doc__ = original.__doc__
    serializers.Serializer.to_internal_value = to_internal_value  # type: ignore[method-assign,assignment]
    _installed = True
