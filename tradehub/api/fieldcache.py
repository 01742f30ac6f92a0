"""Serializer fields built once per class, not once per request.

DRF builds a `ModelSerializer`'s fields from the model on every instantiation (`get_fields`:
model introspection, validators, translated labels) and deep-copies every declared field, which
re-runs each field's `__init__`. For the partner API that was the largest single cost of a short
request (about 7 ms of an 11 ms one-row product list, measured in-process). Here a
`ModelSerializer` class builds its fields once; every instance then gets copies of those
prototypes:

- a plain field is copied shallowly (`copy.copy`, plus its own validator list and error
  messages): binding sets only the copy's own attributes (`field_name`, `parent`,
  `source_attrs`, a default `label`), so the prototype is never bound and requests running in
  other threads never share a bound field;
- a field holding other fields (nested serializers, `ListField`/`DictField` children,
  `many=True` relations) is deep-copied as DRF does, since binding it binds its children too.

What `get_fields` returns depends only on the serializer class (its `Meta` and declared
fields), not on the instance or its context: no serializer in this project overrides
`get_field_names`, `get_extra_kwargs` or `build_field`, and the `get_fields` overrides only add
fields. `tests/api/test_fieldcache.py` checks that representations, the schema and validation
errors are unchanged.
"""

import copy
import threading
from typing import Any

from rest_framework import fields as drf_fields
from rest_framework import relations, serializers

_prototypes: dict[type, dict[str, drf_fields.Field]] = {}
# DRF's own methods (kept for the tests that compare against them).
drf_model_get_fields = serializers.ModelSerializer.get_fields
drf_serializer_get_fields = serializers.Serializer.get_fields
_lock = threading.Lock()
_installed = False


def _copy_field(field: drf_fields.Field) -> drf_fields.Field:
    if isinstance(
        field,
        serializers.BaseSerializer
        | relations.ManyRelatedField
        | drf_fields.ListField
        | drf_fields.DictField
        | drf_fields.HStoreField,
    ) or hasattr(field, "child"):
        return copy.deepcopy(field)
    clone = copy.copy(field)
    # Lists and dicts a field may change in place are its own, not the prototype's.
    if "_validators" in clone.__dict__:
        clone._validators = list(clone._validators)  # type: ignore[attr-defined]
    clone.error_messages = dict(clone.error_messages)
    return clone


def copy_fields(prototypes: dict[str, drf_fields.Field]) -> dict[str, drf_fields.Field]:
    return {name: _copy_field(field) for name, field in prototypes.items()}


def install_field_cache() -> None:
    """Make `Serializer.get_fields` and `ModelSerializer.get_fields` copy prototypes (once)."""
    global _installed
    if _installed:
        return
    build_model_fields = drf_model_get_fields

    def serializer_get_fields(self: serializers.Serializer) -> dict[str, drf_fields.Field]:
        return copy_fields(self._declared_fields)  # type: ignore[attr-defined]

    def model_serializer_get_fields(
        self: serializers.ModelSerializer,
    ) -> dict[str, drf_fields.Field]:
        cls = type(self)
        prototypes = _prototypes.get(cls)
        if prototypes is None:
            built: dict[str, Any] = build_model_fields(self)
            with _lock:
                prototypes = _prototypes.setdefault(cls, built)
        return copy_fields(prototypes)

    serializer_get_fields.__doc__ = serializers.Serializer.get_fields.__doc__
    model_serializer_get_fields.__doc__ = build_model_fields.__doc__
    serializers.Serializer.get_fields = serializer_get_fields  # type: ignore[method-assign]
    serializers.ModelSerializer.get_fields = model_serializer_get_fields  # type: ignore[method-assign,assignment]
    _installed = True
