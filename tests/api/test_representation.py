"""The plain-row formatters (`tradehub.api.representation`) spell every value as the DRF field
the schema declares, including the edges: other time zones, naive values, microseconds, dates
before 1000, decimals that need rounding, exponents, negative zero."""

import datetime as dt
import decimal
import json
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from rest_framework import serializers

from tradehub.api import representation
from tradehub.api.representation import (
    date_out,
    datetime_formatter,
    datetime_out,
    decimal_out,
    float_out,
    json_in,
)

ALMATY = ZoneInfo("Asia/Almaty")
DATETIMES = [
    None,
    dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC),
    dt.datetime(2026, 11, 30, 23, 59, 59, 999999, tzinfo=dt.UTC),
    dt.datetime(2026, 3, 29, 1, 30, tzinfo=ZoneInfo("Europe/Berlin")),
    dt.datetime(1999, 12, 31, 20, 0, 0, 1, tzinfo=ALMATY),
    dt.datetime(2026, 6, 1, 8, 15, tzinfo=dt.timezone(dt.timedelta(hours=-3, minutes=-30))),
    dt.datetime(2026, 6, 1, 8, 15),  # naive: DRF makes it aware in the current zone
    dt.datetime(1, 1, 2, 0, 0, tzinfo=dt.UTC),
]


@pytest.mark.parametrize("zone", ["UTC", "Asia/Almaty", "America/St_Johns"])
@pytest.mark.parametrize("value", DATETIMES)
def test_datetimes_read_as_drf_writes_them(value, zone):
    field = serializers.DateTimeField()
    with timezone.override(ZoneInfo(zone)):
        expected = field.to_representation(value)
        assert datetime_out(value) == expected
        assert datetime_out(value, timezone.get_current_timezone()) == expected


# Almaty moved from UTC+6 to UTC+5 at 2024-03-01 00:00 local time (2024-02-29 18:00 UTC).
ALMATY_CHANGE = [
    dt.datetime(2024, 2, 29, 17, 59, 59, 999999, tzinfo=dt.UTC),
    dt.datetime(2024, 2, 29, 18, 0, tzinfo=dt.UTC),
    dt.datetime(2024, 2, 29, 18, 0, 0, 1, tzinfo=dt.UTC),
    dt.datetime(2023, 12, 31, 19, 0, tzinfo=dt.UTC),
    dt.datetime(1991, 3, 30, 20, 0, tzinfo=dt.UTC),  # the 1991 change, for good measure
]


@pytest.mark.parametrize("zone", ["UTC", "Asia/Almaty", "America/St_Johns", "Europe/Berlin"])
def test_remembered_spellings_are_drfs_in_every_zone(zone):
    """UTC values are spelled once per zone and remembered: the second answer, the bound
    formatter's and the answer after the memo was emptied equal DRF's, across offset changes."""
    field = serializers.DateTimeField()
    values = [value for value in DATETIMES if value is not None] + ALMATY_CHANGE
    values += [
        dt.datetime(2024, 2, 29, 12, 0, tzinfo=dt.UTC)
        + dt.timedelta(minutes=37 * i, microseconds=i)
        for i in range(100)
    ]
    with timezone.override(ZoneInfo(zone)):
        current = timezone.get_current_timezone()
        expected = [field.to_representation(value) for value in values]
        out = datetime_formatter(current)
        for _ in range(2):
            assert [datetime_out(value) for value in values] == expected
            assert [datetime_out(value, current) for value in values] == expected
            assert [out(value) for value in values] == expected
        representation._SPELLED[current].clear()
        assert [out(value) for value in values] == expected
        assert [datetime_out(value) for value in values] == expected


def test_the_same_instant_in_another_zone_is_spelled_for_the_display_zone():
    instant = dt.datetime(2024, 2, 29, 18, 0, tzinfo=dt.UTC)
    assert datetime_out(instant, ALMATY) == "2024-02-29T23:00:00+05:00"
    assert datetime_out(instant, dt.UTC) == "2024-02-29T18:00:00Z"
    assert datetime_out(instant.astimezone(ALMATY), dt.UTC) == "2024-02-29T18:00:00Z"


def test_remembered_spellings_are_bounded(monkeypatch):
    monkeypatch.setattr(representation, "SPELLINGS_KEPT", 10)
    zone = ZoneInfo("America/St_Johns")
    out = datetime_formatter(zone)
    for i in range(35):
        value = dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(hours=i)
        assert out(value) == datetime_out(value, zone)
        assert len(representation._SPELLED[zone]) <= 10


@pytest.mark.parametrize(
    "value", [None, dt.date(2026, 11, 30), dt.date(999, 1, 5), dt.date(2024, 2, 29)]
)
def test_dates_read_as_drf_writes_them(value):
    assert date_out(value) == serializers.DateField().to_representation(value)


@pytest.mark.parametrize(
    "value",
    [
        decimal.Decimal("6000.000"),
        decimal.Decimal("0.0005"),
        decimal.Decimal("0.0015"),
        decimal.Decimal("-0.000"),
        decimal.Decimal("1E+3"),
        decimal.Decimal("123456789.1234"),
        decimal.Decimal("7"),
        decimal.Decimal("99999.999"),
        decimal.Decimal("-12.30"),
        decimal.Decimal("5E-3"),
        # At the places of the columns (14, 3) and (16, 2): the values `str` spells as is.
        decimal.Decimal("0.001"),
        decimal.Decimal("-0.01"),
        decimal.Decimal("99999999999.999"),
        decimal.Decimal("-99999999999.999"),
        decimal.Decimal("99999999999999.99"),
        decimal.Decimal("999999999999.999"),  # 15 digits: more than (14, 3) holds
        decimal.Decimal("1.2E+5"),  # a point where the places would put it, and an exponent
        decimal.Decimal("1.23E-7"),
        decimal.Decimal("NaN"),
        "12.5",
        3.14159,
        0,
    ],
)
@pytest.mark.parametrize(("digits", "places"), [(12, 3), (14, 2), (9, 0), (14, 3), (16, 2), (5, 4)])
def test_decimals_read_as_drf_writes_them(value, digits, places):
    """The same text, or the same exception where DRF's field raises one (too many digits)."""
    field = serializers.DecimalField(max_digits=digits, decimal_places=places)
    try:
        expected: object = field.to_representation(value)
    except Exception as error:  # whatever DRF raises, decimal_out must raise too
        with pytest.raises(type(error)):
            decimal_out(value, digits, places)
    else:
        assert decimal_out(value, digits, places) == expected


def test_null_decimals_and_floats_stay_null():
    assert decimal_out(None, 12, 3) is None
    assert float_out(None) is None


@pytest.mark.parametrize("value", [0, 1, -2.5, 1e-05, decimal.Decimal("4.20"), 1e300])
def test_floats_read_as_drf_writes_them(value):
    assert float_out(value) == serializers.FloatField().to_representation(value)
    assert type(float_out(value)) is float


def test_decimals_of_columns_read_as_drf_writes_them():
    """Column values (already at the field's places) take a shortcut through `str`: the same
    spellings as DRF over many shapes, signs, zeros and sizes, also values at other places."""
    import random

    rng = random.Random(15)
    values = [decimal.Decimal("-0.000"), decimal.Decimal("0.000"), decimal.Decimal("0E-7")]
    for _ in range(3000):
        places = rng.choice([0, 1, 2, 3, 7])
        digits = rng.randint(1, 16)
        unscaled = rng.randint(0, 10**digits - 1) * rng.choice([1, -1])
        values.append(decimal.Decimal(unscaled).scaleb(-places))
    for max_digits, places in [(12, 3), (14, 2), (9, 0), (16, 7)]:
        field = serializers.DecimalField(max_digits=max_digits, decimal_places=places)
        for value in values:
            try:
                expected = field.to_representation(value)
            except decimal.InvalidOperation:
                with pytest.raises(decimal.InvalidOperation):
                    decimal_out(value, max_digits, places)
                continue
            assert decimal_out(value, max_digits, places) == expected, (value, max_digits)


@pytest.mark.parametrize(
    "text",
    [
        None,
        "null",
        '{"name": "ТОО «Свежесть» 新鲜", "country": "KG"}',
        '{"mode": null, "transit_countries": ["UZ", null, 7], "n": 123456789012345678901234567890}',
        '[1.5, -0.0, 1e-05, "\\u00e9"]',
        "not json",
    ],
)
def test_json_columns_read_as_djangos_jsonfield_reads_them(text, monkeypatch):
    from django.db import connection
    from django.db.models import JSONField

    expected = JSONField().from_db_value(text, None, connection)  # type: ignore[arg-type]
    assert json_in(text) == expected
    assert json_in(text) == expected  # remembered
    monkeypatch.setattr(representation, "PARSED_KEPT", 2)
    for other in ('{"other": 1}', '{"other": 2}', '{"other": 3}'):
        assert json_in(other) == json.loads(other)
        assert len(representation._PARSED) <= 2
    assert json_in(text) == expected


def test_a_time_not_set_is_kept_like_a_time():
    """None (a time not set yet) is answered by the remembered spellings' dict itself after its
    first lookup, and still spelled None; clearing forgets it like any other."""
    zone = ZoneInfo("Asia/Almaty")
    out = datetime_formatter(zone)
    representation._SPELLED[zone].clear()
    assert out(None) is None
    assert None in representation._SPELLED[zone]
    assert out(None) is None and datetime_out(None, zone) is None
    representation._SPELLED[zone].clear()
    assert out(None) is None
