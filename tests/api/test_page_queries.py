"""A page query compiled once per shape (`tradehub.api.page_queries`) reads the same rows with the
same SQL as Django compiling it every time, for any values of the shape's parameters, page sizes
and offsets; shapes it leaves to Django are compiled as before."""

from typing import Any

import pytest
from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.sql.compiler import SQLCompiler
from django.test.utils import CaptureQueriesContext

from shipments.alerts.api.representations import alert_rows
from shipments.alerts.selectors import alerts
from shipments.models import Alert, Product, Shipment
from shipments.selectors import with_at_risk
from tests.factories import PartnerFactory
from tests.shipments.factories import make_shipment, product
from tradehub.api import page_queries
from tradehub.api.page_queries import prepared_pages

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_shapes_yet():
    page_queries.clear()
    yield
    page_queries.clear()


# The outer queries Django compiled from scratch (not subqueries), while `counting` is on.
COMPILED: list[str] = []


@pytest.fixture(autouse=True)
def _count_compilations(monkeypatch):
    original = SQLCompiler.as_sql

    def as_sql(self: SQLCompiler, *args: Any, **kwargs: Any) -> Any:
        if self.query.model is not None and not self.query.subquery:
            COMPILED.append(self.query.model.__name__)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", as_sql)


def fields_of(obj: Any) -> Any:
    """A row as comparable values: a dict as it is, an instance as its loaded fields, its
    `select_related` objects and annotations."""
    if isinstance(obj, dict):
        return obj
    values = dict(obj.__dict__)
    values.pop("_state")
    related = {
        name: fields_of(value)
        for name, value in obj._state.fields_cache.items()
        if value is not None
    }
    return values, related


def read(queryset: QuerySet[Any, Any]) -> tuple[list[Any], list[str]]:
    """Rows and SQL statements of reading a queryset."""
    with CaptureQueriesContext(connection) as queries:
        rows = [fields_of(row) for row in queryset]
    return rows, [query["sql"] for query in queries.captured_queries]


def assert_same(queryset: QuerySet[Any, Any], low: int, high: int) -> int:
    """Django's rows and SQL and the prepared read's are the same; returns how many times the
    prepared read had Django compile the query."""
    django_rows, django_sql = read(queryset[low:high])
    COMPILED.clear()
    rows, sql = read(prepared_pages(queryset)[low:high])
    assert rows == django_rows
    assert sql == django_sql
    return len(COMPILED)


@pytest.fixture
def data(partner) -> dict[str, Any]:
    other = PartnerFactory()
    shipments = [
        make_shipment(partner, lots=[{"product": "cherry-tomato"}, {"product": "kiwifruit"}]),
        make_shipment(partner),
        make_shipment(other),
    ]
    Alert.objects.bulk_create(
        Alert(
            partner=shipment.partner,
            kind="expiring_soon",
            severity="warning" if i % 2 else "critical",
            subject_type="shipment",
            subject_reference=shipment.reference,
            shipment=shipment,
            lot=shipment.lots.first() if i % 3 else None,
            dedup_key=f"test:{shipment.pk}:{i}",
            message=f"Expiring {i}.",
        )
        for shipment in shipments
        for i in range(4)
    )
    product("cherry-tomato")
    return {"partner": partner, "other": other}


def product_pages() -> QuerySet[Product]:
    return Product.objects.select_related("parent").only("code", "name", "parent__code")


def test_model_pages_equal_djangos_for_any_values_of_a_shape(data):
    codes = sorted(Product.objects.values_list("code", flat=True))
    assert len(codes) > 10
    ordered = product_pages().order_by("code")
    # Each shape is compiled by Django on its first read only.
    assert [assert_same(ordered, low, high) for low, high in ((0, 2), (0, 51), (3, 7))] == [
        1,
        0,
        0,
    ]
    compilations = [
        (
            assert_same(ordered.filter(code__gt=code), 0, 3),
            assert_same(product_pages().order_by("-code").filter(code__lt=code), 1, 4),
        )
        for code in (codes[0], codes[5], codes[-2], "zzz")
    ]
    assert compilations == [(1, 1), (0, 0), (0, 0), (0, 0)]


def test_values_pages_with_joins_equal_djangos(data):
    compilations = []
    for caller in (data["partner"], data["other"]):
        rows = alert_rows(alerts().filter(partner=caller).order_by("-created_at", "-id"))
        newest = Alert.objects.filter(partner=caller).order_by("-created_at").first()
        assert newest is not None
        compilations.append(
            [
                assert_same(rows, 0, 3),
                assert_same(rows, 0, 51),
                assert_same(rows.filter(created_at__lt=newest.created_at), 0, 2),
                assert_same(alert_rows(alerts().filter(partner=caller, severity="warning")), 0, 5),
                assert_same(
                    alert_rows(
                        alerts().filter(partner=caller, severity__in=["warning", "critical"])
                    ),
                    0,
                    5,
                ),
            ]
        )
    assert compilations == [[1, 0, 1, 1, 1], [0, 0, 0, 0, 0]]


def test_annotations_with_parameters_and_or_filters(data):
    partner = data["partner"]
    shipments = with_at_risk(Shipment.objects.filter(partner=partner)).order_by(
        "-created_at", "-id"
    )
    assert_same(shipments, 0, 2)
    assert_same(shipments, 1, 3)
    assert_same(
        with_at_risk(Shipment.objects.filter(Q(partner=partner) | Q(partner=data["other"]))),
        0,
        5,
    )


def test_a_clone_of_a_read_page_compiles_for_itself(data):
    page = prepared_pages(product_pages().order_by("code"))[0:2]
    codes = [p.code for p in page]
    assert "get_compiler" not in page.query.__dict__
    assert list(page.values_list("code", flat=True)) == codes
    assert [p.code for p in page.all()] == codes


def test_shapes_left_to_django_are_compiled_every_time(data):
    extra = product_pages().extra(select={"one": "1"}).order_by("code")
    assert [assert_same(extra, 0, 2) for _ in range(2)] == [1, 1]
    empty = prepared_pages(Product.objects.filter(code__in=[]).order_by("code"))
    with CaptureQueriesContext(connection) as queries:
        assert list(empty[0:2]) == []
    assert not queries.captured_queries
    # Unsliced reads are not page reads.
    assert len(list(prepared_pages(product_pages().order_by("code")))) == Product.objects.count()


def test_a_shape_whose_parameters_do_not_match_its_parts_is_not_kept(data, monkeypatch):
    original = page_queries._shape

    def shifted(query: Any, compiler: Any) -> Any:
        key, params, fragments = original(query, compiler)
        return key, (*params, "not a parameter of the query"), fragments

    monkeypatch.setattr(page_queries, "_shape", shifted)
    ordered = product_pages().order_by("code")
    # The first read compiles to check the shape, then as Django always does; then only that.
    assert [assert_same(ordered, 0, 2) for _ in range(2)] == [2, 1]


def test_each_database_vendor_has_its_own_shapes(data, monkeypatch):
    """The kept SQL is Django's for the database it was compiled for: a connection of another
    vendor (SQLite, the embedded default of `make run`) never reads PostgreSQL's text."""
    ordered = product_pages().order_by("code")
    list(prepared_pages(ordered)[0:2])
    keys = set(page_queries._shapes)
    monkeypatch.setattr(connection, "vendor", "sqlite")
    compiler = ordered[0:2].query.get_compiler("default")
    key = page_queries._shape(ordered[0:2].query, compiler)[0]
    assert key not in keys
