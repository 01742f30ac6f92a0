"""insert_ignoring_duplicates: COPY into a temp table then INSERT … ON CONFLICT DO NOTHING."""

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from shipments.models import Shipment, TemperatureReading
from tradehub.db import _bulk_create_insert, _columns, insert_ignoring_duplicates
from tradehub.reference.models import Country, CustomsOffice, Location

pytestmark = pytest.mark.django_db

ALMATY = timezone(timedelta(hours=5))
KEY = ["shipment", "sensor_id", "recorded_at"]


def countries(*codes: str) -> list[dict]:
    return [{"code": c, "name": f"Test {c}"} for c in codes]


def test_inserts_new_rows_and_returns_their_count():
    assert insert_ignoring_duplicates(Country, countries("QM", "QN"), ["code"]) == 2
    assert set(Country.objects.filter(code__in=["QM", "QN"]).values_list("name", flat=True)) == {
        "Test QM",
        "Test QN",
    }


def test_reinserting_the_same_rows_inserts_nothing_and_keeps_the_stored_values():
    insert_ignoring_duplicates(Country, countries("QM"), ["code"])
    again = [{"code": "QM", "name": "Changed"}]
    assert insert_ignoring_duplicates(Country, again, ["code"]) == 0
    assert Country.objects.get(code="QM").name == "Test QM"


def test_mixed_batch_counts_only_the_new_rows():
    insert_ignoring_duplicates(Country, countries("QM", "QN"), ["code"])
    assert insert_ignoring_duplicates(Country, countries("QN", "QO", "QM", "QP"), ["code"]) == 2


def test_duplicates_inside_one_batch_keep_the_first_occurrence():
    rows = [{"code": "QM", "name": "first"}, {"code": "QM", "name": "second"}]
    assert insert_ignoring_duplicates(Country, rows, ["code"]) == 1
    assert Country.objects.get(code="QM").name == "first"


def test_empty_batch_inserts_nothing():
    assert insert_ignoring_duplicates(Country, [], ["code"]) == 0


def test_auto_now_fields_are_set_like_the_orm():
    before = datetime.now(UTC)
    insert_ignoring_duplicates(Country, countries("QM"), ["code"])
    assert Country.objects.get(code="QM").updated_at >= before - timedelta(seconds=1)


def test_floats_none_and_foreign_keys_by_instance_or_id():
    kz = Country.objects.get(code="KZ")
    rows = [
        {"code": "KZQAA", "country": kz, "name": "A", "name_ascii": "A", "latitude": 43.25},
        {"code": "KZQAB", "country_id": kz.pk, "name": "B", "name_ascii": "B", "latitude": None},
    ]
    assert insert_ignoring_duplicates(Location, rows, ["code"]) == 2
    a, b = Location.objects.filter(code__in=["KZQAA", "KZQAB"]).order_by("code")
    assert (a.country_id, a.latitude, a.longitude) == (kz.pk, 43.25, None)
    assert (b.country_id, b.latitude, b.timezone) == (kz.pk, None, "UTC")  # Python default


def test_values_of_other_python_types_go_through_the_orm_conversion():
    kz = Country.objects.get(code="KZ")
    rows = [
        {
            "code": "KZQAC",
            "country": kz,
            "name": 42,
            "name_ascii": "C",
            "latitude": Decimal("43.5"),
        },
        {"code": "KZQAD", "country": kz, "name": "D", "name_ascii": "D", "longitude": "76.25"},
    ]
    assert insert_ignoring_duplicates(Location, rows, ["code"]) == 2
    c, d = Location.objects.filter(code__in=["KZQAC", "KZQAD"]).order_by("code")
    assert (c.name, c.latitude, d.longitude) == ("42", 43.5, 76.25)


def test_json_values_round_trip():
    almaty = Location.objects.get(code="KZALA")
    rows = [
        {"code": "QX001", "name": "Test office", "location": almaty, "roles": ["border", "é"]},
        {"code": "QX002", "name": "Nested", "location": almaty, "roles": {"a": [1, 2.5, None]}},
    ]
    assert insert_ignoring_duplicates(CustomsOffice, rows, ["code"]) == 2
    assert CustomsOffice.objects.get(code="QX001").roles == ["border", "é"]
    assert CustomsOffice.objects.get(code="QX002").roles == {"a": [1, 2.5, None]}


def test_text_with_copy_special_characters_is_stored_verbatim():
    name = "Tab\there, newline\nhere, backslash \\N and \\ end"
    insert_ignoring_duplicates(Country, [{"code": "QM", "name": name}], ["code"])
    assert Country.objects.get(code="QM").name == name


def test_joins_the_callers_transaction_and_never_commits_by_itself():
    with pytest.raises(RuntimeError), transaction.atomic():
        assert insert_ignoring_duplicates(Country, countries("QM"), ["code"]) == 1
        # A second call in the same transaction needs its own temp table.
        assert insert_ignoring_duplicates(Country, countries("QN"), ["code"]) == 1
        assert connection.in_atomic_block
        raise RuntimeError("caller fails after inserting")
    assert not Country.objects.filter(code__in=["QM", "QN"]).exists()


def test_a_row_breaking_another_constraint_raises_and_stores_nothing():
    rows = [*countries("QM"), {"code": "QN", "name": None}]  # name is NOT NULL
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_ignoring_duplicates(Country, rows, ["code"])
    assert not Country.objects.filter(code__in=["QM", "QN"]).exists()


def test_unknown_fields_and_unique_fields_are_rejected():
    with pytest.raises(ValueError, match="no field"):
        insert_ignoring_duplicates(Country, [{"code": "QM", "nom": "x"}], ["code"])
    with pytest.raises(ValueError, match="unique field"):
        insert_ignoring_duplicates(Country, countries("QM"), ["iso"])


def test_portable_bulk_create_path_counts_what_went_in():
    insert_ignoring_duplicates(Country, countries("QM"), ["code"])
    rows = countries("QM", "QN")
    columns = _columns(Country, rows)
    now = datetime.now(UTC)
    values = [tuple(r.get(f.attname, now) for f in columns) for r in rows]
    assert _bulk_create_insert(connection, Country, columns, values) == 1
    assert Country.objects.filter(code="QN").exists()


# --- Telemetry-shaped: shipments.TemperatureReading, deduplicated on (shipment, sensor, time) ---


@pytest.fixture
def shipment(partner):
    return Shipment.objects.create(
        partner=partner,
        kind="inbound",
        origin=Location.objects.get(code="CNURM"),
        destination=Location.objects.get(code="KZALA"),
    )


def readings(shipment, n: int, sensor: str = "S1", tz=ALMATY) -> list[dict]:
    start = datetime(2026, 6, 1, 3, 0, tzinfo=UTC).astimezone(tz)
    return [
        {
            "shipment_id": shipment.pk,
            "sensor_id": sensor,
            "recorded_at": start + timedelta(minutes=5 * i),
            "temperature_c": 2.0 + i / 100,
            "humidity_pct": None if i % 2 else 91.5,
        }
        for i in range(n)
    ]


def test_readings_are_deduplicated_on_sensor_and_time(shipment):
    assert insert_ignoring_duplicates(TemperatureReading, readings(shipment, 300), KEY) == 300
    assert insert_ignoring_duplicates(TemperatureReading, readings(shipment, 300), KEY) == 0
    # The same instants written in UTC are the same readings; another sensor's are new.
    assert (
        insert_ignoring_duplicates(TemperatureReading, readings(shipment, 310, tz=UTC), KEY) == 10
    )
    assert insert_ignoring_duplicates(TemperatureReading, readings(shipment, 5, "S2"), KEY) == 5
    assert TemperatureReading.objects.filter(shipment=shipment).count() == 315


def test_reading_times_floats_and_none_are_stored_exactly(shipment):
    rows = readings(shipment, 2)
    insert_ignoring_duplicates(TemperatureReading, rows, KEY)
    first, second = TemperatureReading.objects.filter(shipment=shipment).order_by("recorded_at")
    assert first.recorded_at == datetime(2026, 6, 1, 3, 0, tzinfo=UTC)
    assert (first.temperature_c, first.humidity_pct) == (2.0, 91.5)
    assert (second.temperature_c, second.humidity_pct) == (2.01, None)


def test_iso_strings_are_parsed_like_the_orm_does(shipment):
    rows = readings(shipment, 1)
    rows[0]["recorded_at"] = "2026-06-01T08:00:00+05:00"
    rows[0]["temperature_c"] = "3.5"
    assert insert_ignoring_duplicates(TemperatureReading, rows, KEY) == 1
    assert insert_ignoring_duplicates(TemperatureReading, readings(shipment, 1), KEY) == 0
    reading = TemperatureReading.objects.get(shipment=shipment)
    assert (reading.recorded_at, reading.temperature_c) == (
        datetime(2026, 6, 1, 3, tzinfo=UTC),
        3.5,
    )
