"""Read-only lists and details read only their serializer's columns (tradehub/api/columns.py),
and answer the same bytes as the full rows did."""

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from rest_framework import serializers

from shipments.api.serializers import ProductSerializer
from shipments.api.views import ProductViewSet
from shipments.models import Product
from shipments.products import load_products
from tradehub.api.columns import (
    ColumnsForSerializerMixin,
    RowPlan,
    _formatter,
    narrow,
    row_plan,
    serializer_columns,
)
from tradehub.api.renderers import FastJSONRenderer
from tradehub.reference.api.serializers import CustomsOfficeSerializer, LocationSerializer
from tradehub.reference.api.views import CustomsOfficeViewSet, LocationViewSet
from tradehub.reference.models import CustomsOffice, Location

pytestmark = pytest.mark.django_db


def rendered(serializer_class, queryset) -> bytes:
    return FastJSONRenderer().render(serializer_class(list(queryset), many=True).data)


def test_columns_are_the_serializers_fields_and_joined_codes():
    found = serializer_columns(ProductSerializer)
    assert found is not None
    columns, relations = found
    assert "parent__code" in columns and "updated_at" in columns
    assert "staff_edited_fields" not in columns  # stored, but not shown
    assert relations == ("parent",)
    assert serializer_columns(CustomsOfficeSerializer) == (
        ("code", "name", "location__code", "roles"),
        ("location",),
    )


def test_anything_but_stored_columns_keeps_every_column():
    # Location.functions is a property over `function`: unless the view says which columns it
    # reads, deferring them could cost a query per row, so the serializer is not narrowed.
    assert serializer_columns(LocationSerializer) is None
    found = serializer_columns(LocationSerializer, (("functions", ("function",)),))
    assert found is not None and "function" in found[0] and found[1] == ("country",)

    class WithMethod(serializers.ModelSerializer):
        extra = serializers.SerializerMethodField()

        class Meta:
            model = Product
            fields = ["code", "extra"]

        def get_extra(self, obj):
            return obj.notes

    class WholeObject(serializers.ModelSerializer):
        everything = serializers.CharField(source="*")

        class Meta:
            model = Product
            fields = ["code", "everything"]

    for serializer_class in (WithMethod, WholeObject):
        assert serializer_columns(serializer_class) is None
        queryset = Product.objects.all()
        assert narrow(queryset, serializer_class) is queryset


def edge_products() -> None:
    """The catalogue plus rows with the edge values a partner can see: no parent, nulls, blanks,
    unicode, decimals with trailing zeros."""
    load_products()
    base = Product.objects.filter(parent__isnull=False).first()
    assert base is not None
    variants: list[dict[str, Any]] = [
        {"code": "edge-unicode", "name": "Томаты 番茄 «черри»", "notes": "", "parent": None},
        {
            "code": "edge-nulls",
            "chilling_threshold_c": None,
            "highest_freezing_point_c": None,
            "killing_range_max_c": None,
            "rh_min_pct": None,
            "cultivar": "",
        },
        {"code": "edge-decimals", "storage_temp_min_c": Decimal("-1.50")},
    ]
    for changes in variants:
        product = Product.objects.get(pk=base.pk)
        product.pk = None
        for name, value in changes.items():
            setattr(product, name, value)
        product.save()


def test_narrowed_products_render_the_same_bytes_as_full_rows():
    edge_products()
    full = Product.objects.select_related("parent").order_by("code")
    narrowed = narrow(full, ProductSerializer)
    assert "storage_temp_min_c" in str(narrowed.query)
    assert "staff_edited_fields" not in str(narrowed.query)
    assert Product.objects.count() > 20
    assert rendered(ProductSerializer, narrowed) == rendered(ProductSerializer, full)


def test_narrowed_customs_offices_render_the_same_bytes_as_full_rows():
    full = CustomsOffice.objects.select_related("location").order_by("code")
    assert full.count() > 5
    assert rendered(CustomsOfficeSerializer, narrow(full, CustomsOfficeSerializer)) == rendered(
        CustomsOfficeSerializer, full
    )


def test_narrowed_locations_render_the_same_bytes_as_full_rows(django_assert_num_queries):
    full = Location.objects.select_related("country").order_by("code")
    # Internal codes, no coordinates, blank subdivisions and functions, diacritics, Cyrillic.
    sample = list(full.filter(code__startswith="KZ")[:300]) + list(full.filter(is_internal=True))
    Location.objects.filter(pk=sample[0].pk).update(
        name="Алматы-1 «Żółć»", function="", subdivision="", latitude=None, longitude=None
    )
    narrowed = narrow(full, LocationSerializer, LocationViewSet.property_columns)
    assert "name_ascii" not in str(narrowed.query).split("FROM")[0]
    pks = [location.pk for location in sample]
    with django_assert_num_queries(1):
        narrowed_bytes = rendered(LocationSerializer, narrowed.filter(pk__in=pks))
    assert narrowed_bytes == rendered(LocationSerializer, full.filter(pk__in=pks))
    assert b"null" in narrowed_bytes and "Żółć".encode() in narrowed_bytes


def test_views_use_the_narrowed_read(api, django_assert_num_queries):
    edge_products()
    assert issubclass(ProductViewSet, ColumnsForSerializerMixin)
    assert issubclass(CustomsOfficeViewSet, ColumnsForSerializerMixin)
    assert issubclass(LocationViewSet, ColumnsForSerializerMixin)
    full = Product.objects.select_related("parent").order_by("code")
    expected = [dict(row) for row in ProductSerializer(list(full), many=True).data]
    seen: list[dict] = []
    url = "/api/v1/products/?page_size=7"
    api.get(url)  # the key is looked up (one query) and cached
    while url:
        with django_assert_num_queries(1):  # no deferred column loaded row by row
            body = api.get(url).json()
        seen.extend(body["results"])
        url = body["next"]
    assert FastJSONRenderer().render(seen) == FastJSONRenderer().render(expected)
    detail = api.get("/api/v1/products/edge-unicode/")
    assert detail.content == FastJSONRenderer().render(
        ProductSerializer(full.get(code="edge-unicode")).data
    )


def test_row_plans_only_for_serializers_of_plain_stored_fields():
    plan = row_plan(ProductSerializer)
    assert plan is not None
    assert [name for name, _, _ in plan.fields] == list(ProductSerializer().fields)
    assert "parent__code" in plan.paths
    assert row_plan(CustomsOfficeSerializer) is None  # a list field
    assert row_plan(LocationSerializer) is None  # a property


class EveryPlainField(serializers.Serializer):
    text = serializers.CharField()
    slug = serializers.SlugField()
    choice = serializers.ChoiceField(choices=[("a", "A"), (1, "one"), ("", "blank")])
    flag = serializers.BooleanField()
    number = serializers.IntegerField()
    real = serializers.FloatField()
    blob = serializers.JSONField()
    moment = serializers.DateTimeField()
    day = serializers.DateField()


EDGE_VALUES: dict[str, list[Any]] = {
    "text": ["", "Томаты 番茄", "  padded  ", 12, Decimal("1.50")],
    "slug": ["cherry-tomato", ""],
    "choice": ["a", 1, "1", "", "unknown", 2],
    "flag": [True, False, 1, 0, "true", "no", "other"],
    "number": [0, -3, 2**40, Decimal("7"), "12"],
    "real": [0.0, -0.0, 1e-05, 1.5, Decimal("-1.50"), 3, 1e300],
    "blob": [[], {}, [[0, 24], [2.5, 72.0]], {"q10": "USDA", "nested": {"a": None}}, "s", 0],
    "moment": [
        dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 1, 12, 0, 0, 4, tzinfo=dt.UTC),
        dt.datetime(2026, 7, 1, 23, 59, 59, 999999, tzinfo=dt.timezone(dt.timedelta(hours=5))),
    ],
    "day": [dt.date(2026, 2, 28), dt.date(1999, 12, 31)],
}


@pytest.mark.parametrize("zone", ["UTC", "Asia/Almaty"])
def test_formatters_write_what_the_fields_write(zone):
    fields = EveryPlainField().fields
    with timezone.override(zone):
        for name, values in EDGE_VALUES.items():
            formatter = _formatter(fields[name])
            assert formatter is not NotImplemented, name
            plan = RowPlan([(name, name, formatter)])
            for value in values:
                expected = fields[name].to_representation(value)
                got = plan.represent([{name: value}])[0][name]
                assert (type(got), got) == (type(expected), expected), (name, value)
            assert plan.represent([{name: None}]) == [{name: None}]


def test_fields_with_their_own_output_keep_the_serializer():
    class Upper(serializers.CharField):
        def to_representation(self, value: Any) -> str:
            return str(value).upper()

    for field in (
        Upper(),
        serializers.DecimalField(max_digits=5, decimal_places=2),
        serializers.ListField(child=serializers.CharField()),
        serializers.JSONField(binary=True),
        serializers.DateTimeField(format="%Y"),
        serializers.UUIDField(),
    ):
        assert _formatter(field) is NotImplemented, field


@pytest.mark.parametrize(
    "query",
    [
        "page_size=5",
        "page_size=3&temp_group=C",
        "page_size=2&hs_code=0702000000",
        "page_size=4&chilling_sensitive=true",
        "page_size=6&updated_since=2000-01-01T00:00:00Z",
        "page_size=1&updated_since=2999-01-01T00:00:00Z",
    ],
)
def test_product_list_from_rows_answers_the_serializers_bytes(api, monkeypatch, query):
    """Every page, both ways (`next` then `previous` links), against the serializer's list."""
    edge_products()

    def walk() -> list[bytes]:
        bodies = []
        url: str | None = f"/api/v1/products/?{query}"
        seen = 0
        while url and seen < 6:
            response = api.get(url)
            assert response.status_code == 200
            bodies.append(response.content)
            url = response.json()["next"]
            seen += 1
        url = response.json()["previous"]
        while url and seen < 12:
            response = api.get(url)
            bodies.append(response.content)
            url = response.json()["previous"]
            seen += 1
        return bodies

    from_rows = walk()
    monkeypatch.setattr(ColumnsForSerializerMixin, "list_plan", lambda self: None)
    assert walk() == from_rows
    assert len(from_rows) > 1 or "2999" in query
