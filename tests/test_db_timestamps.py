"""Timestamps read by psycopg's C loader (tradehub/postgresql/base.py) equal what Django's own
loader gives: the same instants, microseconds and `datetime.timezone.utc`, also when the session
has been switched to another zone (then Django's loader itself answers)."""

import datetime as dt

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import register_tzloader

from tradehub.postgresql.base import TIMESTAMPTZ_OID, UtcTimestamptzLoader

pytestmark = pytest.mark.django_db

EDGE_VALUES = [
    "0001-01-01 00:00:00+00",
    "1900-01-01 00:00:00.000001+00",
    "1969-12-31 23:59:59.999999+00",
    "1970-01-01 00:00:00+00",
    # Asia/Almaty went from UTC+6 to UTC+5 at 2024-03-01 00:00 local time.
    "2024-02-29 17:59:59.999999+00",
    "2024-02-29 18:00:00+00",
    "2024-02-29 18:00:00.5+00",
    "2024-02-29 23:30:00+06",
    "2024-03-01 00:30:00+05",
    "2026-11-30 23:05:01.123456-03:30",
    "2038-01-19 03:14:08+00",
    "9999-12-31 23:59:59.999999+00",
]


def read(sql: str, params: list[list[str]], *, django_loader: bool) -> list[dt.datetime | None]:
    with connection.cursor() as cursor:
        if django_loader:
            register_tzloader(connection.timezone, cursor.cursor)
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


QUERY = (
    "SELECT value::timestamptz FROM unnest(%s::text[]) WITH ORDINALITY AS v(value, n) "
    "UNION ALL SELECT NULL::timestamptz UNION ALL "
    "SELECT generate_series('2023-12-31 00:00:00.123457+00'::timestamptz, "
    "'2024-03-02 00:00+00', interval '1 hour 7 seconds 3 microseconds')"
)


def test_the_connection_reads_timestamps_with_the_fast_loader():
    connection.ensure_connection()
    loader = connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, 0)
    assert loader is UtcTimestamptzLoader


def test_values_equal_djangos_to_the_microsecond_with_the_same_zone():
    fast = read(QUERY, [EDGE_VALUES], django_loader=False)
    django = read(QUERY, [EDGE_VALUES], django_loader=True)
    assert len(fast) > len(EDGE_VALUES) + 1000
    assert fast == django
    for ours, theirs in zip(fast, django, strict=True):
        if ours is None or theirs is None:
            assert ours is theirs
            continue
        assert ours.tzinfo is theirs.tzinfo is dt.UTC
        assert ours.replace(tzinfo=None) == theirs.replace(tzinfo=None)  # same wall time


def test_a_session_in_another_zone_gets_djangos_answer():
    with connection.cursor() as cursor:
        cursor.execute("SET TIME ZONE 'Asia/Almaty'")
    # Not the extremes: year 9999 UTC is year 10000 in Almaty, which neither loader can read.
    values = EDGE_VALUES[1:-1]
    try:
        fast = read(QUERY, [values], django_loader=False)
        django = read(QUERY, [values], django_loader=True)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET TIME ZONE 'UTC'")
    assert [(v, v and v.tzinfo) for v in fast] == [(v, v and v.tzinfo) for v in django]


def test_the_orm_reads_the_same_datetimes(partner):
    from tests.shipments.factories import make_shipment

    shipment = make_shipment(partner)
    model = type(shipment)
    fast = model.objects.filter(pk=shipment.pk).values_list("created_at", "updated_at").get()
    assert fast == (shipment.created_at, shipment.updated_at)
    assert all(value.tzinfo is dt.UTC for value in fast)


def test_arrays_and_ranges_of_timestamps_read_the_same():
    """psycopg reads an array's or a range's timestamps with the registered loader too."""
    sql = (
        "SELECT ARRAY['2024-02-29 18:00:00.5+00'::timestamptz, NULL, '1999-01-01+03'], "
        "tstzrange('2024-01-01+00', '2024-03-01 00:00:00.000001+06')"
    )
    rows = []
    for django_loader in (False, True):
        with connection.cursor() as cursor:
            if django_loader:
                register_tzloader(connection.timezone, cursor.cursor)
            cursor.execute(sql)
            rows.append(cursor.fetchone())
    fast, django = rows
    assert fast == django
    assert fast[0][0].tzinfo is django[0][0].tzinfo is dt.UTC
    assert fast[1].upper == dt.datetime(2024, 2, 29, 18, 0, 0, 1, tzinfo=dt.UTC)
