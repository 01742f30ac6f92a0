"""Filter building blocks shared by every list endpoint."""

import datetime as dt
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field


class AwareIsoDateTimeField(forms.DateTimeField):
    """ISO 8601 with an offset, normalised to UTC (PostgreSQL refuses some offsets Python
    accepts, e.g. -19:01, which made such a filter value a 500). Any year is fine: asking for
    changes since 2999 is a valid way to get nothing."""

    def to_python(self, value: Any) -> dt.datetime | None:
        if value in self.empty_values:
            return None
        try:
            parsed = parse_datetime(str(value).strip())
        except ValueError:
            parsed = None
        if parsed is None:
            raise ValidationError("Enter an ISO 8601 time with an offset.", code="invalid")
        if parsed.tzinfo is None:
            raise ValidationError(
                "Give the time with an offset, e.g. 2025-07-21T06:00:00+05:00.",
                code="naive_datetime",
            )
        try:
            return parsed.astimezone(dt.UTC)
        except OverflowError:  # e.g. 0001-01-01T00:00+05:00 is before year 1 in UTC
            raise ValidationError("The time is out of range.", code="out_of_range") from None


@extend_schema_field(OpenApiTypes.DATETIME)
class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """`IsoDateTimeFilter` that insists on an offset and normalises to UTC (else 400)."""

    field_class = AwareIsoDateTimeField


class UpdatedSinceFilterSet(django_filters.FilterSet):
    """Base filter set: every list accepts `updated_since` (ISO 8601)."""

    updated_since = IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
