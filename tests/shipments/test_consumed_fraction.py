"""`consumed_fraction` means what its description says, checked against a hand-computed case."""

import datetime as dt

import pytest

from shipments.models import TemperatureReading
from shipments.services.shelf import process_readings
from tests.shipments.factories import make_shipment, product, store_readings

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def test_consumed_fraction_counts_from_packing_to_the_last_processed_reading(partner, products):
    tomato = product("cherry-tomato")
    assert tomato.storage_life_days == 14  # 336 hours at the optimum
    shipment = make_shipment(
        partner,
        lots=[{"product": "cherry-tomato", "packed_on": dt.date(2026, 7, 1)}],
    )
    lot = shipment.lots.get()
    assert lot.consumed_fraction == 0.0  # nothing processed yet
    first = dt.datetime(2026, 7, 2, 0, 0, tzinfo=UTC)  # 24 h after packing (midnight UTC)
    store_readings(
        TemperatureReading(
            shipment=shipment,
            sensor_id="probe-1",
            recorded_at=first + dt.timedelta(hours=hour),
            temperature_c=tomato.storage_temp_optimal_c,
        )
        for hour in range(13)  # hourly, 12 hours at the optimum
    )
    process_readings(shipment.pk)
    lot.refresh_from_db()
    # By hand: packing -> first reading, 24 h at the optimum's pace, then 12 h at the optimum:
    # (24 + 12) / 336 of the storage life is used up at the last reading (12:00 on 2 July).
    assert lot.consumed_fraction == pytest.approx(36 / 336, rel=1e-9)
    # Before this fix the packing-to-first-reading day was left out: 12 / 336.
    assert lot.consumed_fraction != pytest.approx(12 / 336)
