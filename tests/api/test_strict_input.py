"""Strict input by inheritance: walks every view of the URL conf, so a new endpoint is covered.

For every operation that takes a body (POST, PUT, PATCH), the serializer the schema documents for
it — and every serializer nested in it, in lists and dicts too — must inherit `StrictSerializer`
or `StrictModelSerializer` (unknown keys refused), and every time it accepts must be an
`AwareDateTimeField` (offset required). A body serializer that forgets the base FAILS here, the
same "cannot forget" guarantee the tenancy walk gives for scoping.
"""

import functools
from collections.abc import Iterator
from typing import Any

import pytest
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers

from tradehub.api.serializers import (
    AwareDateTimeField,
    StrictMixin,
    StrictModelSerializer,
    StrictSerializer,
)

BODY_METHODS = ("POST", "PUT", "PATCH")


@functools.cache
def request_bodies() -> list[tuple[str, Any]]:
    """`("POST /api/v1/shipments/", serializer)` for every operation of the URL conf with a body,
    as the schema generator sees it (the same walk that builds /api/schema/)."""
    found: list[tuple[str, Any]] = []
    original = AutoSchema.get_operation

    def record(self: AutoSchema, path: str, *args: Any, **kwargs: Any) -> Any:
        operation = original(self, path, *args, **kwargs)
        if operation and self.method in BODY_METHODS:
            found.append((f"{self.method} {path}", self.get_request_serializer()))
        return operation

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(AutoSchema, "get_operation", record)
        SchemaGenerator().get_schema(request=None, public=True)
    return found


def serializers_in(body: Any) -> Iterator[serializers.BaseSerializer[Any]]:
    """The serializer of a body and every serializer nested in its writable fields."""
    if body is None:
        return
    if isinstance(body, dict):  # one serializer per media type
        for each in body.values():
            yield from serializers_in(each)
        return
    if isinstance(body, type):
        body = body()
    if isinstance(body, PolymorphicProxySerializer):
        for each in body.serializers:
            yield from serializers_in(each)
        return
    if isinstance(body, serializers.ListSerializer):
        yield from serializers_in(body.child)
        return
    yield body
    for field in body.fields.values():
        if not field.read_only:
            yield from nested(field)


def nested(field: serializers.Field) -> Iterator[serializers.BaseSerializer[Any]]:
    if isinstance(field, serializers.BaseSerializer):
        yield from serializers_in(field)
    elif isinstance(field, serializers.ListField | serializers.DictField):
        yield from nested(field.child)


def writable_times(body: Any) -> Iterator[tuple[str, Any]]:
    for name, field in body.fields.items():
        while isinstance(field, serializers.ListField | serializers.DictField):
            field = field.child
        if not field.read_only and isinstance(field, serializers.DateTimeField):
            yield name, field


def test_the_walk_finds_the_known_request_bodies():
    found = {type(s).__name__ for _, body in request_bodies() for s in serializers_in(body)}
    assert {
        "DeclarationWriteSerializer",
        "GoodsItemInputSerializer",
        "TransitInputSerializer",
        "CustomsMessageInputSerializer",
        "ShipmentCreateSerializer",
        "LotInputSerializer",
        "DistributionLineSerializer",
        "EventInputSerializer",
        "ReadingInputSerializer",
        "WebhookSubscriptionSerializer",
        "AcknowledgeSerializer",
    } <= found
    assert len(request_bodies()) >= 19


def test_every_request_body_inherits_the_strict_base():
    loose = [
        f"{operation}: {type(s).__name__}"
        for operation, body in request_bodies()
        for s in serializers_in(body)
        if not isinstance(s, StrictMixin)
    ]
    assert not loose, (
        "These must inherit tradehub.api.serializers.StrictSerializer or StrictModelSerializer "
        "(unknown fields refused, times need an offset):\n" + "\n".join(loose)
    )


def test_every_time_in_a_request_body_needs_an_offset():
    naive = [
        f"{operation}: {type(s).__name__}.{name}"
        for operation, body in request_bodies()
        for s in serializers_in(body)
        for name, field in writable_times(s)
        if not isinstance(field, AwareDateTimeField)
    ]
    assert not naive, "These must be AwareDateTimeField:\n" + "\n".join(naive)


# --- the bases themselves ----------------------------------------------------------------------


class Output(serializers.Serializer[dict[str, Any]]):
    reference = serializers.CharField()
    status = serializers.CharField()
    name = serializers.CharField()


class Line(StrictSerializer[dict[str, Any]]):
    at = serializers.DateTimeField()


class Body(StrictSerializer[dict[str, Any]]):
    name = serializers.CharField()
    seen = serializers.ListField(child=serializers.DateTimeField(), required=False)
    lines = Line(many=True, required=False)

    class Meta:
        representation = Output


def test_declared_times_become_aware_also_as_list_children():
    fields: Any = Body().fields
    assert isinstance(fields["seen"].child, AwareDateTimeField)
    assert isinstance(Line().fields["at"], AwareDateTimeField)


def test_keys_of_the_representation_are_ignored_and_others_refused():
    body = Body(data={"name": "x", "reference": "FORGED", "status": "released"})
    assert body.is_valid(), body.errors
    assert body.validated_data == {"name": "x"}
    body = Body(data={"name": "x", "colour": "red", "lines": [{"at": "2025-07-21T06:00:00"}]})
    assert not body.is_valid()
    assert body.errors["colour"][0].code == "unknown_field"
    body = Body(data={"name": "x", "lines": [{"at": "2025-07-21T06:00:00", "n": 1}]})
    assert not body.is_valid()
    assert body.errors["lines"][0]["n"][0].code == "unknown_field"


def test_naive_times_are_refused_in_lists():
    body = Body(data={"name": "x", "seen": ["2025-07-21T06:00:00"]})
    assert not body.is_valid()
    assert body.errors["seen"][0][0].code == "naive_datetime"


def test_a_serializer_that_does_not_inherit_the_base_keeps_drf_behaviour():
    """No process-wide patch: third-party serializers are not made strict behind their back."""

    class Loose(serializers.Serializer[dict[str, Any]]):
        at = serializers.DateTimeField()

    loose = Loose(data={"at": "2025-07-21T06:00:00+05:00", "colour": "red"})
    assert loose.is_valid(), loose.errors
    assert type(Loose().fields["at"]) is serializers.DateTimeField


def test_model_serializer_maps_times_and_keeps_blank_read_only_choices():
    from shipments.models import TemperatureReading

    class Reading(StrictModelSerializer[TemperatureReading]):
        class Meta:
            model = TemperatureReading
            fields = ["recorded_at", "sensor_kind"]
            read_only_fields = ["sensor_kind"]

    fields: Any = Reading().fields
    assert isinstance(fields["recorded_at"], AwareDateTimeField)
    assert fields["sensor_kind"].read_only and fields["sensor_kind"].allow_blank
