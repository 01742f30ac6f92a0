"""Serializer fields built once per class (tradehub/api/fieldcache.py) are the fields DRF builds."""

import importlib

import pytest
from django.conf import settings
from rest_framework import serializers

from tradehub.api import fieldcache

PROJECT = ("shipments.", "declarations.", "gateways.", "tradehub.")


def serializer_classes() -> list[type[serializers.Serializer]]:
    """Every serializer class of the project (the URLconf imports every API module)."""
    importlib.import_module(settings.ROOT_URLCONF)
    found: dict[str, type[serializers.Serializer]] = {}
    pending = [serializers.Serializer]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith(PROJECT):
            found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return [found[key] for key in sorted(found)]


def describe(fields: dict[str, serializers.Field]) -> list[tuple[str, str, str]]:
    return [(name, type(field).__name__, repr(field)) for name, field in fields.items()]


CLASSES = serializer_classes()


def test_the_walk_finds_the_api_serializers():
    names = {cls.__name__ for cls in CLASSES}
    assert {"ShipmentSerializer", "ProductSerializer"} <= names
    assert any(issubclass(cls, serializers.ModelSerializer) for cls in CLASSES)


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__qualname__)
def test_cached_fields_are_the_fields_drf_builds(cls, monkeypatch, db):
    try:
        cached = cls().fields
    except Exception:  # needs constructor arguments
        pytest.skip("needs constructor arguments")
    cached = cls().fields  # the second instance copies the prototypes
    monkeypatch.setattr(serializers.ModelSerializer, "get_fields", fieldcache.drf_model_get_fields)
    monkeypatch.setattr(serializers.Serializer, "get_fields", fieldcache.drf_serializer_get_fields)
    built = cls().fields
    assert describe(dict(cached)) == describe(dict(built))


def test_instances_never_share_a_bound_field():
    from shipments.api.serializers import ShipmentSerializer

    first, second = ShipmentSerializer(), ShipmentSerializer()
    for name, field in first.fields.items():
        other = second.fields[name]
        assert field is not other
        assert field.parent is first and other.parent is second
        if isinstance(field, serializers.ListSerializer):
            child, other_child = getattr(field, "child", None), getattr(other, "child", None)
            assert child is not None and child is not other_child
            assert child.parent is field
    prototypes = fieldcache._prototypes[ShipmentSerializer]
    assert all(getattr(field, "parent", None) is None for field in prototypes.values())


def test_a_change_to_one_instances_field_stays_there():
    from shipments.api.serializers import ProductSerializer

    first = ProductSerializer()
    name: str = next(iter(first.fields.keys()))
    first.fields[name].required = False
    first.fields[name].validators.append(lambda value: None)
    second = ProductSerializer()
    assert len(second.fields[name].validators) == len(first.fields[name].validators) - 1
