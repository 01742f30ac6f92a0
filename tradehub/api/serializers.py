"""The bases every input serializer of the partner API inherits: `StrictSerializer` and
`StrictModelSerializer`. Strictness is visible in the class line and acts only on input, so a
third-party serializer (or an output-only one) keeps DRF's behaviour.

1. Unknown fields in a request body are an error (400 with a pointer), not silently dropped.

DRF ignores keys a serializer does not declare, so a client's typo (`gross_weight` for
`gross_kg`) or an attempt to set a server-owned field that a write serializer does not declare
(`partner`, `status`) would "succeed" while doing something else than asked. A strict serializer
refuses them, nested ones included (pointers like `/goods_items/0/gross_weight`).

Keys that name a declared read-only field are ignored as DRF always did: they are known, and they
never change anything. A body sent back as it was read is accepted as well: an input serializer
names the output serializer it mirrors (`Meta.representation`), and the keys of that
representation it does not take (`reference`, `status`, timestamps...) are ignored.

2. Times must carry an offset. DRF's DateTimeField silently reads `2025-07-21T06:00:00` in the
server's zone; the API contract says times are ISO 8601 *with* an offset, so a naive time is a
400 (`code: naive_datetime`). Times outside 2000-2100 are refused as implausible
(`code: datetime_out_of_range`) instead of reaching PostgreSQL (which rejects some offsets and
years that Python accepts, which used to be a 500). Domain limits (e.g. a reading from the
future) stay with the serializers that know them. The bases map every `DateTimeField` to
`AwareDateTimeField`: the model field mapping of `StrictModelSerializer`, and the fields a
strict serializer declares (also as the child of a list or dict field).

3. `StrictModelSerializer` keeps `allow_blank` on read-only choice fields of model fields that
may be blank, so the schema admits "" where the API can answer it (DRF drops it for read-only
fields; `Product.ripeness`, `TemperatureReading.sensor_kind`).

`tests/api/test_strict_input.py` walks every view of the URL conf and fails if a request body's
serializer, or any serializer nested in it, does not inherit these bases.
"""

import datetime as dt
from collections.abc import Mapping, MutableMapping
from typing import Any, ClassVar, TypeVar

from django.db import models
from django.utils.dateparse import parse_datetime
from django.utils.module_loading import import_string
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail, ValidationError

UNKNOWN_FIELD_CODE = "unknown_field"
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)

T = TypeVar("T")
M = TypeVar("M", bound=models.Model)


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


class AwareDateTimeField(serializers.DateTimeField):
    """A time with an offset, between 2000 and 2100 (the representation is DRF's)."""

    def to_internal_value(self, value: Any) -> dt.datetime:
        check_aware_datetime_text(value)
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value.strip())
            except ValueError:
                parsed = None
            if parsed is not None:
                check_datetime_range(parsed)
        try:
            return super().to_internal_value(value)
        except OverflowError:  # converting e.g. year 9999 -05:00 to the server zone
            raise ValidationError(
                "The time must lie between 2000 and 2100.", code="datetime_out_of_range"
            ) from None


def aware(field: serializers.Field) -> serializers.Field:
    """The field with every plain `DateTimeField` in it (itself, a list's or dict's child)
    rebuilt as an `AwareDateTimeField` from the same arguments (DRF keeps them for copies)."""
    args, kwargs = getattr(field, "_args", ()), getattr(field, "_kwargs", {})
    if type(field) is serializers.DateTimeField:
        return AwareDateTimeField(*args, **kwargs)
    if isinstance(field, serializers.ListField | serializers.DictField):
        child = kwargs.get("child")
        if child is not None and aware(child) is not child:
            return type(field)(*args, **{**kwargs, "child": aware(child)})
    return field


class StrictMixin:
    """Unknown keys refused, times aware (see the module docstring). Options, on `Meta`:
    `representation`: the output serializer (a class, or its name in the same module or as a
    dotted path) whose keys a body sent back as read may carry; they are ignored."""

    _declared_fields: ClassVar[dict[str, serializers.Field]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._declared_fields = {name: aware(f) for name, f in cls._declared_fields.items()}

    @classmethod
    def representation_keys(cls) -> frozenset[str]:
        """The keys of `Meta.representation` (none without one)."""
        cached = cls.__dict__.get("_representation_keys")
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        representation = getattr(getattr(cls, "Meta", None), "representation", None)
        if isinstance(representation, str):
            if "." not in representation:
                representation = f"{cls.__module__}.{representation}"
            representation = import_string(representation)
        keys = frozenset(representation().fields) if representation is not None else frozenset()
        cls._representation_keys = keys  # type: ignore[attr-defined]
        return keys

    def unknown_field_errors(self, data: Any) -> dict[str, Any]:
        """`{key: [error]}` for every key of `data` that is neither a field nor a key of the
        representation."""
        if not isinstance(data, Mapping):
            return {}
        known = self.fields  # type: ignore[attr-defined]
        sent_back = self.representation_keys()
        return {
            str(key): [ErrorDetail("Unknown field.", code=UNKNOWN_FIELD_CODE)]
            for key in data
            if key not in known and key not in sent_back
        }

    def to_internal_value(self, data: Any) -> Any:
        errors = self.unknown_field_errors(data)
        if errors:
            raise ValidationError(errors)
        return super().to_internal_value(data)  # type: ignore[misc]


class StrictSerializer(StrictMixin, serializers.Serializer[T]):
    """The base of every input serializer (and of any serializer nested in one)."""


class StrictModelSerializer(StrictMixin, serializers.ModelSerializer[M]):
    """The base of every input model serializer, and of output ones whose read-only choice
    fields may be blank."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateTimeField: AwareDateTimeField,
    }

    def include_extra_kwargs(
        self, kwargs: MutableMapping[str, Any], extra_kwargs: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        blank_choice = bool(kwargs.get("allow_blank")) and "choices" in kwargs
        kwargs = super().include_extra_kwargs(kwargs, extra_kwargs)
        if blank_choice:
            kwargs["allow_blank"] = True
        return kwargs
