"""Read only the columns a read-only serializer shows.

Compiling a query costs Django time per selected column, and a `select_related` join costs the
most: the joined table's columns are new expressions in every query, each hashed (through
`inspect.Signature.bind`) while the ORDER BY is matched against the SELECT list. The product list
joined its parent for one value (`parent.code`) and read 82 columns for a 1-row page; compiling
that query was half of the request's CPU (`bench/request_stack.py --profile products`).

`serializer_columns` works out, from a serializer's bound fields, which model fields it reads,
when every one of them is a stored column of the model or of a model reached through forward
foreign keys (`source="parent.code"`). A field that reads anything else (a method field, a
property, a nested serializer, a reverse relation, `source="*"`) makes it answer None: the view
keeps reading every column, so nothing ever loads a deferred column one query per object, unless
the view names the columns such a property reads (`property_columns`).
`ColumnsForSerializerMixin` narrows a read-only viewset's queryset with it.
"""

import functools
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import QuerySet
from rest_framework import serializers

# Fields whose value is the attribute itself, rendered without touching anything else.
_PLAIN = (serializers.Field,)
_NOT_PLAIN = (
    serializers.BaseSerializer,
    serializers.SerializerMethodField,
    serializers.HiddenField,
    serializers.RelatedField,
    serializers.ManyRelatedField,
)


def _path(model: type[models.Model], attrs: list[str]) -> tuple[str, list[str]] | None:
    """('parent__code', ['parent']) for ['parent', 'code'], or None when not a stored column."""
    relations: list[str] = []
    for position, attr in enumerate(attrs):
        try:
            field = model._meta.get_field(attr)
        except FieldDoesNotExist:
            return None
        if not field.concrete:
            return None
        if position == len(attrs) - 1:
            if field.is_relation:
                return None
            return "__".join(attrs), relations
        if not (field.many_to_one or field.one_to_one) or field.related_model is None:
            return None
        relations.append("__".join(attrs[: position + 1]))
        model = field.related_model  # type: ignore[assignment]
    return None


@functools.cache
def serializer_columns(
    serializer_class: type[serializers.ModelSerializer[Any]],
    property_columns: tuple[tuple[str, tuple[str, ...]], ...] = (),
) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """(`only()` paths, `select_related()` relations) covering what the serializer reads, or
    None when it reads something that is not a stored column. `property_columns` names the
    columns a model property shown by the serializer reads (`(("functions", ("function",)),)`)."""
    model = serializer_class.Meta.model
    properties = dict(property_columns)
    columns: list[str] = []
    relations: set[str] = set()
    for field in serializer_class().fields.values():
        if field.write_only:
            continue
        if isinstance(field, _NOT_PLAIN) or not isinstance(field, _PLAIN):
            return None
        if field.source == "*":
            return None
        if len(field.source_attrs) == 1 and field.source_attrs[0] in properties:
            columns.extend(properties[field.source_attrs[0]])
            continue
        found = _path(model, list(field.source_attrs))
        if found is None:
            return None
        columns.append(found[0])
        relations.update(found[1])
    return tuple(columns), tuple(sorted(relations))


def narrow(
    queryset: QuerySet[Any],
    serializer_class: type[serializers.BaseSerializer[Any]],
    property_columns: dict[str, tuple[str, ...]] | None = None,
) -> QuerySet[Any]:
    """`queryset` reading only what `serializer_class` shows (unchanged when that is unknown)."""
    if not isinstance(serializer_class, type) or not issubclass(
        serializer_class, serializers.ModelSerializer
    ):
        return queryset
    if queryset.model is not serializer_class.Meta.model:
        return queryset
    found = serializer_columns(serializer_class, tuple(sorted((property_columns or {}).items())))
    if found is None:
        return queryset
    columns, relations = found
    return queryset.select_related(*relations).only(*columns)


class ColumnsForSerializerMixin:
    """For read-only viewsets: the list and the detail read only the serializer's columns."""

    # Model properties the serializer shows, and the columns each one reads.
    property_columns: dict[str, tuple[str, ...]] = {}

    def get_queryset(self) -> QuerySet[Any]:
        queryset = super().get_queryset()  # type: ignore[misc]
        serializer_class = self.get_serializer_class()  # type: ignore[attr-defined]
        return narrow(queryset, serializer_class, self.property_columns)
