"""A reading never names a shipment that does not exist (migration 0024): triggers instead of the
foreign key constraint, the same guarantee, concurrent deletes included."""

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from shipments.models import Shipment, TemperatureReading
from shipments.services.telemetry import ReadingBatch, ingest_batch
from tests.shipments.factories import make_shipment

AT = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=2)
WAIT = 10  # seconds; the threads below take well under one


def batch_of(shipment_ids: list[int], sensor: str = "S1") -> ReadingBatch:
    count = len(shipment_ids)
    return ReadingBatch(
        list(shipment_ids),
        [sensor] * count,
        [AT + dt.timedelta(minutes=i) for i in range(count)],
        [4.0] * count,
        [None] * count,
        [""] * count,
    )


def orphans() -> int:
    """Readings whose shipment does not exist."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM shipments_temperaturereading r WHERE NOT EXISTS "
            "(SELECT 1 FROM shipments_shipment s WHERE s.id = r.shipment_id)"
        )
        return int(cursor.fetchone()[0])


def missing_id() -> int:
    return max(Shipment.objects.values_list("pk", flat=True), default=0) + 1000


def refused(write: Any) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        write()


@pytest.mark.django_db
def test_a_reading_of_a_missing_shipment_is_refused_however_it_is_written(partner):
    shipment = make_shipment(partner)
    missing = missing_id()
    refused(
        lambda: TemperatureReading.objects.create(
            shipment_id=missing, sensor_id="S1", recorded_at=AT, temperature_c=1.0
        )
    )
    # A batch (COPY on PostgreSQL), also when its other readings name a shipment that exists.
    refused(lambda: ingest_batch(batch_of([shipment.pk] * 5 + [missing])))
    refused(lambda: ingest_batch(batch_of([missing])))
    reading = TemperatureReading.objects.create(
        shipment=shipment, sensor_id="S1", recorded_at=AT, temperature_c=1.0
    )
    refused(lambda: TemperatureReading.objects.filter(pk=reading.pk).update(shipment_id=missing))
    if connection.vendor == "postgresql":
        # A statement that names a partition fires that partition's triggers.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT tableoid::regclass::text FROM shipments_temperaturereading "
                "WHERE (shipment_id, sensor_id, recorded_at) = (%s, %s, %s)",
                list(reading.pk),
            )
            partition = cursor.fetchone()[0]
        assert partition != "shipments_temperaturereading"

        def into_partition() -> None:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {partition} (shipment_id, sensor_id, recorded_at, "  # noqa: S608
                    "temperature_c, sensor_kind) VALUES (%s, 'S2', %s, 1.0, '')",
                    [missing, AT],
                )

        refused(into_partition)
    assert list(TemperatureReading.objects.values_list("shipment_id", flat=True)) == [shipment.pk]
    assert orphans() == 0


@pytest.mark.django_db
def test_a_shipment_goes_only_with_its_readings(partner):
    shipment, other = make_shipment(partner), make_shipment(partner)
    assert ingest_batch(batch_of([shipment.pk] * 3)).accepted == 3

    def raw(sql: str, params: list[Any]) -> Any:
        def run() -> None:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)

        return run

    refused(raw("DELETE FROM shipments_shipment WHERE id = %s", [shipment.pk]))
    if connection.vendor == "postgresql":
        refused(raw("UPDATE shipments_shipment SET id = %s WHERE id = %s", [10**12, shipment.pk]))
    assert orphans() == 0
    # The ORM deletes the readings first (on_delete=CASCADE), then the shipment: allowed.
    Shipment.objects.filter(pk=other.pk).delete()
    Shipment.objects.filter(pk=shipment.pk).delete()
    assert not TemperatureReading.objects.exists()


def _in_thread(target: Any, errors: dict[str, BaseException], name: str) -> threading.Thread:
    def run() -> None:
        try:
            target()
        except BaseException as error:  # handed to the test, which asserts on it
            errors[name] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks: PostgreSQL (SQLite has one writer)"
)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_shipment_deleted_while_a_batch_is_stored_waits_then_fails(reference_data, partner):
    """The batch's trigger holds the shipment (FOR KEY SHARE): the delete waits for its commit,
    then finds its readings and fails, as the foreign key's check did."""
    shipment = make_shipment(partner)
    stored, release = threading.Event(), threading.Event()
    errors: dict[str, BaseException] = {}

    def store() -> None:
        with transaction.atomic():
            ingest_batch(batch_of([shipment.pk] * 100))
            stored.set()
            release.wait(WAIT)

    storing = _in_thread(store, errors, "store")
    assert stored.wait(WAIT)
    deleting = _in_thread(lambda: Shipment.objects.get(pk=shipment.pk).delete(), errors, "delete")
    deleting.join(1.0)
    assert deleting.is_alive()  # waiting for the batch's transaction
    release.set()
    storing.join(WAIT)
    deleting.join(WAIT)
    assert "store" not in errors
    assert isinstance(errors["delete"], IntegrityError)
    assert Shipment.objects.filter(pk=shipment.pk).exists()
    assert TemperatureReading.objects.filter(shipment_id=shipment.pk).count() == 100
    assert orphans() == 0


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_batch_stored_while_its_shipment_is_deleted_waits_then_fails(reference_data, partner):
    """The other order: the batch's trigger waits for the deleting transaction, then finds the
    shipment gone and fails; nothing of the batch stays."""
    shipment = make_shipment(partner)
    deleted, release = threading.Event(), threading.Event()
    errors: dict[str, BaseException] = {}

    def delete() -> None:
        with transaction.atomic():
            Shipment.objects.get(pk=shipment.pk).delete()
            deleted.set()
            release.wait(WAIT)

    deleting = _in_thread(delete, errors, "delete")
    assert deleted.wait(WAIT)
    storing = _in_thread(lambda: ingest_batch(batch_of([shipment.pk] * 100)), errors, "store")
    storing.join(1.0)
    assert storing.is_alive()  # waiting for the deleting transaction
    release.set()
    deleting.join(WAIT)
    storing.join(WAIT)
    assert "delete" not in errors
    assert isinstance(errors["store"], IntegrityError)
    assert not Shipment.objects.filter(pk=shipment.pk).exists()
    assert not TemperatureReading.objects.filter(shipment_id=shipment.pk).exists()
    assert orphans() == 0


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_shipments_are_not_truncated_away_from_their_readings(reference_data, partner):
    """TRUNCATE … CASCADE follows foreign keys only: the readings would stay; refused. (Django's
    flush truncates every table in one statement: allowed.)"""
    shipment = make_shipment(partner)
    ingest_batch(batch_of([shipment.pk] * 3))
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE shipments_shipment CASCADE")
    assert Shipment.objects.filter(pk=shipment.pk).exists()
    assert orphans() == 0


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_shipments_are_not_deleted_under_an_older_snapshot(reference_data, partner):
    """Under REPEATABLE READ the delete's check could miss a batch committed after its snapshot
    began: such a transaction may not delete shipments at all."""
    shipment = make_shipment(partner)
    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        Shipment.objects.filter(pk=shipment.pk).delete()
    assert Shipment.objects.filter(pk=shipment.pk).exists()
