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

When, moreover, every field is one whose output `representation.py`'s formatters (or the value
itself) reproduce (`row_plan`), the mixin's list reads the page as `.values()` rows and builds the
dicts from them, as the hot lists of the other apps do: no model instances, no per-field
`get_attribute`/`to_representation` calls. The serializer stays the schema and the reference:
`tests/api/test_columns.py` compares both byte for byte.
"""

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import QuerySet
from django.utils import timezone
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings

from .page_queries import prepared_pages
from .representation import date_out, datetime_out

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


# A formatter per DRF field class, for the fields whose `to_representation` is that class's own:
# `None` means the value as read (DRF returns it unchanged). A field not covered here (a list, a
# decimal, a custom field) leaves the serializer in charge. A None value is None whatever the
# field (the serializer never asks the field then).
_ZONE = object()  # stands for "a datetime, in the current time zone"


def _choice_formatter(field: serializers.ChoiceField) -> Callable[[Any], Any]:
    mapping = dict(field.choice_strings_to_values)

    def choice(value: Any) -> Any:
        return value if value == "" else mapping.get(str(value), value)

    return choice


def _boolean(value: Any) -> Any:
    # BooleanField.to_representation: its true and false spellings, else bool().
    if value in serializers.BooleanField.TRUE_VALUES:
        return True
    if value in serializers.BooleanField.FALSE_VALUES:
        return False
    return bool(value)


def _formatter(field: serializers.Field[Any, Any, Any, Any]) -> Any:
    """The formatter of a plain field (see above), or NotImplemented."""
    kind = type(field)
    if isinstance(field, serializers.ChoiceField):
        if kind.to_representation is not serializers.ChoiceField.to_representation:
            return NotImplemented
        return _choice_formatter(field)
    if isinstance(field, serializers.CharField):
        if kind.to_representation is not serializers.CharField.to_representation:
            return NotImplemented
        return str
    simple: list[tuple[Any, Any]] = [
        (serializers.BooleanField, _boolean),
        (serializers.IntegerField, int),
        (serializers.FloatField, float),
    ]
    for base, formatter in simple:
        if isinstance(field, base):
            return formatter if kind.to_representation is base.to_representation else NotImplemented
    if isinstance(field, serializers.JSONField):
        if kind.to_representation is not serializers.JSONField.to_representation or field.binary:
            return NotImplemented
        return None
    if isinstance(field, serializers.DateTimeField):
        if (
            kind.to_representation is not serializers.DateTimeField.to_representation
            or getattr(field, "format", api_settings.DATETIME_FORMAT) != "iso-8601"
            or getattr(field, "timezone", None) is not None
            or not settings.USE_TZ
        ):
            return NotImplemented
        return _ZONE
    if isinstance(field, serializers.DateField):
        if (
            kind.to_representation is not serializers.DateField.to_representation
            or getattr(field, "format", api_settings.DATE_FORMAT) != "iso-8601"
        ):
            return NotImplemented
        return date_out
    return NotImplemented


class RowPlan:
    """How to build a serializer's output from a `.values(*paths)` row."""

    def __init__(self, fields: list[tuple[str, str, Any]]) -> None:
        self.fields = fields
        self.paths = tuple(path for _, path, _ in fields)

    def represent(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The serializer's `many=True` output for these rows."""
        zone = timezone.get_current_timezone()
        out = []
        for row in rows:
            item: dict[str, Any] = {}
            for name, path, formatter in self.fields:
                value = row[path]
                if value is None or formatter is None:
                    item[name] = value
                elif formatter is _ZONE:
                    item[name] = datetime_out(value, zone)
                else:
                    item[name] = formatter(value)
            out.append(item)
        return out


@functools.cache
def row_plan(serializer_class: type[serializers.ModelSerializer[Any]]) -> RowPlan | None:
    """The plan of a read-only serializer all of whose fields are stored columns with a known
    formatter, or None (the serializer builds the output)."""
    found = serializer_columns(serializer_class)
    if found is None:
        return None
    fields = []
    readable = [field for field in serializer_class().fields.values() if not field.write_only]
    for field, path in zip(readable, found[0], strict=True):
        formatter = _formatter(field)
        if formatter is NotImplemented:
            return None
        fields.append((str(field.field_name), path, formatter))
    return RowPlan(fields)


_class_rows: dict[tuple[type, tuple[str, ...]], QuerySet[Any, dict[str, Any]]] = {}


_own_querysets: dict[type, bool] = {}


def _own_queryset(cls: type) -> bool:
    """Whether the view class's queryset is its `queryset` attribute as it is: no
    `get_queryset` but the mixin's and DRF's (looked up once per class, not per request)."""
    found = _own_querysets.get(cls)
    if found is None:
        owners = [klass for klass in cls.__mro__ if "get_queryset" in vars(klass)]
        found = _own_querysets[cls] = owners == [ColumnsForSerializerMixin, GenericAPIView]
    return found


class ColumnsForSerializerMixin:
    """For read-only viewsets: the list and the detail read only the serializer's columns; the
    list is built from rows when the serializer allows it (`row_plan`)."""

    # Model properties the serializer shows, and the columns each one reads.
    property_columns: dict[str, tuple[str, ...]] = {}

    def get_queryset(self) -> QuerySet[Any]:
        queryset = super().get_queryset()  # type: ignore[misc]
        if self.list_plan() is not None and getattr(self, "action", None) == "list":
            return queryset  # read as `.values()` rows: `only()` would be replaced anyway
        serializer_class = self.get_serializer_class()  # type: ignore[attr-defined]
        return narrow(queryset, serializer_class, self.property_columns)

    def list_plan(self) -> RowPlan | None:
        """The list's row plan, or None when the serializer builds the list."""
        serializer_class = self.get_serializer_class()  # type: ignore[attr-defined]
        if self.property_columns or getattr(self, "paginator", None) is None:
            return None
        if not issubclass(serializer_class, serializers.ModelSerializer):
            return None
        return row_plan(serializer_class)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        plan = self.list_plan()
        paginator = getattr(self, "paginator", None)
        if plan is None or paginator is None:
            return super().list(request, *args, **kwargs)  # type: ignore[misc, no-any-return]
        paths = plan.paths
        # The cursor reads its position from the row: the ordering's first field must be in it.
        position = paginator.get_ordering(request, None, self)[0].lstrip("-")
        if position not in paths:
            paths = (*paths, position)
        rows = self.filter_queryset(self.rows_queryset(paths))  # type: ignore[attr-defined]
        page = self.paginate_queryset(rows)  # type: ignore[attr-defined]
        return self.get_paginated_response(plan.represent(page))  # type: ignore[attr-defined, no-any-return]

    def rows_queryset(self, paths: tuple[str, ...]) -> QuerySet[Any, dict[str, Any]]:
        """`get_queryset().values(*paths)`. Setting up a `values()` query costs Django a join
        path per column (0.3 ms for the 33 product columns), so when the queryset is the class's
        own `queryset` (no `get_queryset` of the view's in between) it is set up once."""
        cls = type(self)
        if not _own_queryset(cls):
            return self.get_queryset().values(*paths)
        key = (cls, paths)
        rows = _class_rows.get(key)
        if rows is None:
            # Already reading pages through compiled shapes: the paginator keeps it as it is.
            rows = _class_rows[key] = prepared_pages(self.get_queryset().values(*paths))
        return rows.all()
