"""Telemetry: validated bulk intake, dedup, series and buckets, shelf life and excursions."""

import datetime as dt
import json
from typing import Any

import pytest

from shipments.models import Excursion, Lot, Shipment, TemperatureReading
from shipments.services.shelf import process_readings, remaining_hours
from shipments.tasks import process_readings_task
from tests.shipments.factories import make_shipment

pytestmark = pytest.mark.django_db

NOW = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
START = NOW - dt.timedelta(hours=40)


def rows(
    shipment: Shipment,
    temps: list[float],
    sensor: str = "S1",
    step_min: int = 15,
    start: dt.datetime = START,
) -> list[dict[str, Any]]:
    return [
        {
            "shipment": shipment.reference,
            "sensor_id": sensor,
            "recorded_at": (start + dt.timedelta(minutes=step_min * i)).isoformat(),
            "temperature_c": t,
            "humidity_pct": 90,
        }
        for i, t in enumerate(temps)
    ]


def post(api, readings: list[dict[str, Any]]):
    return api.post("/api/v1/telemetry/", {"readings": readings}, format="json")


@pytest.fixture
def kiwi(partner, products) -> Shipment:
    return make_shipment(partner, lots=[{"product": "kiwifruit", "packed_on": START.date()}])


@pytest.fixture
def tomato(partner, products) -> Shipment:
    return make_shipment(partner, lots=[{"product": "cherry-tomato", "packed_on": START.date()}])


def test_readings_are_accepted_then_all_duplicates_on_repeat(api, kiwi):
    batch = rows(kiwi, [0.5] * 100)
    assert post(api, batch).json() == {"accepted": 100, "duplicates": 0, "conflicts": 0}
    response = post(api, batch)
    assert response.status_code == 202
    assert response.json() == {"accepted": 0, "duplicates": 100, "conflicts": 0}
    assert TemperatureReading.objects.count() == 100


def test_ten_thousand_readings_then_the_same_again_are_all_duplicates(api, kiwi):
    batch = rows(kiwi, [0.0] * 10_000, step_min=1, start=NOW - dt.timedelta(days=8))
    assert post(api, batch).json() == {"accepted": 10_000, "duplicates": 0, "conflicts": 0}
    assert post(api, batch).json() == {"accepted": 0, "duplicates": 10_000, "conflicts": 0}


def test_same_instant_in_another_offset_is_a_duplicate_and_another_sensor_is_not(api, kiwi):
    post(api, rows(kiwi, [1.0]))
    same = rows(kiwi, [1.0])[0] | {
        "recorded_at": START.astimezone(dt.timezone(dt.timedelta(hours=5))).isoformat()
    }
    other_sensor = rows(kiwi, [1.0], sensor="S2")[0]
    assert post(api, [same, other_sensor]).json() == {
        "accepted": 1,
        "duplicates": 1,
        "conflicts": 0,
    }


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"temperature_c": "warm"}, "temperature_c"),
        ({"temperature_c": None}, "temperature_c"),
        ({"temperature_c": 500}, "temperature_c"),
        ({"recorded_at": "2026-07-15T10:00:00"}, "recorded_at"),
        ({"recorded_at": "not a time"}, "recorded_at"),
        ({"sensor_id": ""}, "sensor_id"),
        ({"humidity_pct": 140}, "humidity_pct"),
        ({"shipment": "SHP-UNKNOWN"}, "shipment"),
    ],
)
def test_one_bad_row_rejects_the_batch_naming_the_row(api, kiwi, change, field):
    batch = rows(kiwi, [0.5] * 30)
    batch[17] = batch[17] | change
    response = post(api, batch)
    assert response.status_code == 400
    assert [e["pointer"] for e in response.json()["errors"]] == [f"/readings/17/{field}"]
    assert not TemperatureReading.objects.exists()


def test_every_bad_row_is_named(api, kiwi):
    batch: list[Any] = rows(kiwi, [0.5] * 10)
    batch[2]["temperature_c"] = "x"
    batch[7] = "not an object"
    pointers = [e["pointer"] for e in post(api, batch).json()["errors"]]
    assert pointers == ["/readings/2/temperature_c", "/readings/7"]


def test_another_partners_shipment_is_reported_like_an_unknown_one(other_api, kiwi):
    response = post(other_api, rows(kiwi, [0.5]))
    assert response.status_code == 400
    assert response.json()["errors"][0] == {
        "pointer": "/readings/0/shipment",
        "code": "does_not_exist",
        "detail": "No such shipment.",
    }
    assert not TemperatureReading.objects.exists()


def test_more_than_ten_thousand_readings_is_too_large(api, kiwi):
    response = post(api, rows(kiwi, [0.0] * 10_001, step_min=1))
    assert response.status_code == 413


def test_body_without_readings_list_is_400(api, kiwi):
    assert api.post("/api/v1/telemetry/", {"rows": []}, format="json").status_code == 400
    assert post(api, []).status_code == 400


def test_readings_series_raw_and_bucketed(api, kiwi):
    post(
        api,
        rows(
            kiwi,
            [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
            step_min=15,
            start=dt.datetime(2026, 7, 15, 0, 0, tzinfo=dt.UTC),
        ),
    )
    url = f"/api/v1/shipments/{kiwi.reference}/readings/"
    raw = api.get(url, {"from": "2026-07-15T00:30:00Z", "to": "2026-07-15T01:30:00Z"}).json()
    assert [r["temperature_c"] for r in raw["results"]] == [2.0, 3.0, 4.0, 5.0]
    bucketed = api.get(url, {"bucket": "1h"})
    assert bucketed.status_code == 200
    results = bucketed.json()["results"]
    assert [(b["min"], b["max"], b["avg"], b["count"]) for b in results] == [
        (0.0, 3.0, 1.5, 4),
        (4.0, 7.0, 5.5, 4),
    ]
    assert dt.datetime.fromisoformat(results[1]["start"]) == dt.datetime(
        2026, 7, 15, 1, tzinfo=dt.UTC
    )
    assert api.get(url, {"bucket": "15x"}).status_code == 400
    assert api.get(url, {"from": "yesterday"}).status_code == 400


def test_warm_excursion_shortens_shelf_life_by_q10_and_is_listed(api, kiwi):
    baseline = make_shipment(
        kiwi.partner, lots=[{"product": "kiwifruit", "packed_on": START.date()}]
    )
    # 10 h at 10 °C (10 °C above kiwifruit's optimum) inside a day at the optimum.
    temps = [0.0] * 8 + [10.0] * 40 + [0.0] * 48
    post(api, rows(kiwi, temps))
    post(api, rows(baseline, [0.0] * len(temps)))
    process_readings_task(kiwi.pk)
    process_readings(baseline.pk)
    lot = Lot.objects.select_related("product").get(shipment=kiwi)
    base = Lot.objects.select_related("product").get(shipment=baseline)
    lost = remaining_hours(base, NOW) - remaining_hours(lot, NOW)
    # Kiwifruit's own Q10 is 3.43 between 0 and 10 °C (UC Davis respiration rates): 10 h at 10 °C
    # use about 34.3 h of life, 24.3 h more than at 0 °C.
    assert 23 <= lost <= 26
    excursions = api.get(f"/api/v1/shipments/{kiwi.reference}/excursions/").json()["results"]
    high = [e for e in excursions if e["kind"] == "high"]
    assert len(high) == 1
    assert high[0]["peak_c"] == 10.0
    assert high[0]["ended_at"] is not None
    assert 75 <= high[0]["degree_hours"] <= 85  # 8 °C above the 2 °C band edge for 10 h
    assert high[0]["acknowledged"] is False
    detail = api.get(f"/api/v1/shipments/{kiwi.reference}/").json()["lots"][0]
    assert detail["remaining_shelf_life_hours"] == pytest.approx(remaining_hours(lot), abs=0.1)


def test_tomato_held_at_4c_accrues_chilling_damage_instead_of_gaining_shelf_life(api, tomato):
    reference = make_shipment(
        tomato.partner, lots=[{"product": "cherry-tomato", "packed_on": START.date()}]
    )
    week_ago = NOW - dt.timedelta(days=7)
    post(api, rows(tomato, [4.0] * 577, start=week_ago))  # 6 days at 4 °C
    post(api, rows(reference, [11.25] * 577, start=week_ago))  # 6 days at the optimum
    process_readings(tomato.pk)
    process_readings(reference.pk)
    cold = Lot.objects.select_related("product").get(shipment=tomato)
    optimal = Lot.objects.select_related("product").get(shipment=reference)
    # UC Davis onsets 6 days at 5 °C and 14 days at 10 °C, log-linear: injury after 121.6 h at 4 °C.
    onset_at_4 = 144 * (144 / 336) ** (1 / 5)
    assert cold.chilling_damage == pytest.approx(144 / onset_at_4, rel=0.01)
    assert optimal.chilling_damage == 0
    assert remaining_hours(cold, NOW) <= remaining_hours(optimal, NOW) + 0.01
    detail = api.get(f"/api/v1/shipments/{tomato.reference}/").json()["lots"][0]
    assert detail["chilling_damage"] == pytest.approx(1.18, abs=0.01)  # share of the onset dose
    assert detail["condition"] == "at_risk"
    kinds = {e.kind for e in Excursion.objects.filter(shipment=tomato)}
    assert "chilling" in kinds


def test_processing_is_incremental_and_idempotent(api, kiwi):
    post(api, rows(kiwi, [10.0] * 20))
    assert process_readings(kiwi.pk) == 20
    first = Lot.objects.get(shipment=kiwi).consumed_fraction
    assert process_readings(kiwi.pk) == 0
    assert Lot.objects.get(shipment=kiwi).consumed_fraction == first
    post(api, rows(kiwi, [10.0] * 40)[20:])
    assert process_readings(kiwi.pk) == 20
    assert Lot.objects.get(shipment=kiwi).consumed_fraction > first


def test_late_readings_older_than_the_processed_ones_are_replayed(api, kiwi):
    in_order = make_shipment(
        kiwi.partner, lots=[{"product": "kiwifruit", "packed_on": START.date()}]
    )
    temps = [0.0] * 8 + [10.0] * 40 + [0.0] * 48
    everything = rows(kiwi, temps)
    # The warm middle arrives after the later readings were already integrated.
    post(api, everything[:8] + everything[48:])
    process_readings(kiwi.pk)
    post(api, everything[8:48])
    assert Shipment.objects.get(pk=kiwi.pk).readings_need_replay
    process_readings(kiwi.pk)
    post(api, rows(in_order, temps))
    process_readings(in_order.pk)
    late = Lot.objects.select_related("product").get(shipment=kiwi)
    reference = Lot.objects.select_related("product").get(shipment=in_order)
    assert remaining_hours(late, NOW) == pytest.approx(remaining_hours(reference, NOW), abs=0.01)
    assert not Shipment.objects.get(pk=kiwi.pk).readings_need_replay
    assert sorted(Excursion.objects.filter(shipment=kiwi).values_list("kind", "peak_c")) == sorted(
        Excursion.objects.filter(shipment=in_order).values_list("kind", "peak_c")
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"sensor_id": "S\x001"}, "sensor_id"),
        ({"sensor_id": "S\udfff"}, "sensor_id"),
        ({"sensor_id": "S\ud800"}, "sensor_id"),
        ({"recorded_at": "0001-01-01T00:00:00+05:00"}, "recorded_at"),
        ({"recorded_at": "1999-12-31T23:00:00Z"}, "recorded_at"),
        ({"shipment": "SHP-\x00\ud800"}, "shipment"),
        ({"battery_pct": 80}, "battery_pct"),
    ],
)
def test_unstorable_or_implausible_values_are_400_not_500(api, kiwi, change, field):
    batch = rows(kiwi, [0.5] * 3)
    batch[1] = batch[1] | change
    # Sent as escaped JSON, as a client would: "\ud800" decodes to a lone surrogate.
    response = api.post(
        "/api/v1/telemetry/", json.dumps({"readings": batch}), content_type="application/json"
    )
    assert response.status_code == 400
    pointers = [e["pointer"] for e in response.json()["errors"]]
    # NUL characters are refused by the JSON parser already (pointer "/").
    assert f"/readings/1/{field}" in pointers or pointers == ["/"]
    assert not TemperatureReading.objects.exists()


def test_same_sensor_and_time_with_another_value_is_a_conflict_not_a_duplicate(api, kiwi):
    first = rows(kiwi, [1.0, 2.0, 3.0])
    assert post(api, first).json() == {"accepted": 3, "duplicates": 0, "conflicts": 0}
    resent = [first[0], first[1] | {"temperature_c": 9.5}, first[2] | {"humidity_pct": 50.0}]
    new = rows(kiwi, [4.0], start=START + dt.timedelta(hours=5))
    assert post(api, resent + new).json() == {"accepted": 1, "duplicates": 1, "conflicts": 2}
    stored = kiwi.readings.get(recorded_at=START + dt.timedelta(minutes=15))
    assert stored.temperature_c == 2.0  # the first value stays
    # Within one batch: the first of two rows with the same key wins, the other conflicts.
    twice = rows(kiwi, [5.0], start=START + dt.timedelta(hours=9))
    response = post(api, [twice[0], twice[0] | {"temperature_c": 6.0}, twice[0]]).json()
    assert response == {"accepted": 1, "duplicates": 1, "conflicts": 1}


def air(shipment: Shipment, temps: list[float], step_min: int = 5, rh: float = 92) -> list[dict]:
    """Return-air readings every `step_min` minutes from START."""
    return [
        {
            "shipment": shipment.reference,
            "sensor_id": "RA1",
            "sensor_kind": "return_air",
            "recorded_at": (START + dt.timedelta(minutes=step_min * i)).isoformat(),
            "temperature_c": t,
            "humidity_pct": rh,
        }
        for i, t in enumerate(temps)
    ]


def defrost_day() -> list[float]:
    """A day of return air at 0 °C every 5 minutes with a defrost every 6 h: +5 °C for 20 minutes."""
    temps = [0.0] * 288
    for start in range(36, 288, 72):
        temps[start : start + 4] = [5.0] * 4
    return temps


def test_kiwifruit_at_0c_with_defrost_cycles_in_the_air_raises_no_excursion(api, kiwi):
    """UC Davis Produce Facts: kiwifruit optimum 0 °C. Return air at 0 °C with four defrosts a
    day (+5 °C for 20 minutes) through the 8 h lag of cartons on pallets."""
    product = kiwi.lots.get().product
    assert (product.storage_temp_optimal_c, product.storage_temp_max_c) == (0, 2)
    assert "optimum 0 °C" in product.sources["temperature"]
    assert post(api, air(kiwi, defrost_day())).status_code == 202
    process_readings(kiwi.pk)
    assert not Excursion.objects.filter(shipment=kiwi).exists()
    # The product barely moved: 20 min of +5 °C air through an 8 h lag is about +0.2 °C, and four
    # defrosts a day leave it under +0.3 °C.
    state = Shipment.objects.get(pk=kiwi.pk).excursion_state["_lag"]
    assert 0.0 < state["estimate_c"] < 0.3


def test_a_real_warm_spell_in_the_air_opens_a_high_excursion_on_the_product(api, kiwi):
    temps = defrost_day()
    temps[100:220] = [8.0] * 120  # 10 h of 8 °C air: the product estimate crosses 2 + 0.5 °C
    post(api, air(kiwi, temps))
    process_readings(kiwi.pk)
    high = Excursion.objects.get(shipment=kiwi, kind="high")
    assert high.peak_c == pytest.approx(8 - 8 * 2.718281828 ** (-10 / 8), abs=0.1)
    assert high.ended_at is None  # 6 h later the product is still cooling back (8 h lag)


def test_humidity_outside_the_band_is_an_excursion_ambient_sensors_are_left_out(api, partner, kiwi):
    grapes = make_shipment(partner, lots=[{"product": "table-grape", "packed_on": START.date()}])
    readings = air(grapes, [-0.5] * 48, rh=80)  # 4 h at 80 % RH, band 90-95 %
    readings += [
        {**r, "sensor_id": "AMB", "sensor_kind": "ambient", "temperature_c": 35.0}
        for r in air(grapes, [35.0] * 48, rh=20)
    ]
    assert post(api, readings).status_code == 202
    process_readings(grapes.pk)
    kinds = {e.kind: e for e in Excursion.objects.filter(shipment=grapes)}
    assert set(kinds) == {"humidity_low"}
    assert kinds["humidity_low"].peak_c == 80
    assert kinds["humidity_low"].limit_c == 90
    # Its alert speaks of humidity in % RH (the excursion fields hold % RH for these kinds).
    from shipments.alerts.rules import temperature_excursion

    (alert,) = temperature_excursion(NOW, [grapes.pk])
    assert "Relative humidity below its band humidity excursion for Table grape" in alert.message
    assert "peak 80.0 % RH" in alert.message and "°C" not in alert.message


def test_an_unknown_sensor_kind_is_refused_naming_the_field(api, kiwi):
    bad = air(kiwi, [0.0])
    bad[0]["sensor_kind"] = "door"
    response = post(api, bad)
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/readings/0/sensor_kind"


def test_day_buckets_cut_at_the_documented_midnight_or_at_the_tz_asked(api, kiwi):
    # 18:00 UTC on 14 July to 00:00 UTC on 15 July, hourly: Almaty midnight (+05:00) is 19:00 UTC.
    start = dt.datetime(2026, 7, 14, 18, 0, tzinfo=dt.UTC)
    post(api, rows(kiwi, [1.0] * 7, step_min=60, start=start))
    url = f"/api/v1/shipments/{kiwi.reference}/readings/"
    almaty = api.get(url, {"bucket": "1d"}).json()["results"]
    assert [(b["start"], b["count"]) for b in almaty] == [
        ("2026-07-14T00:00:00+05:00", 1),  # 18:00 UTC is 23:00 in Almaty on the 14th
        ("2026-07-15T00:00:00+05:00", 6),
    ]
    utc = api.get(url, {"bucket": "1d", "tz": "UTC"}).json()["results"]
    assert [(dt.datetime.fromisoformat(b["start"]), b["count"]) for b in utc] == [
        (dt.datetime(2026, 7, 14, tzinfo=dt.UTC), 6),
        (dt.datetime(2026, 7, 15, tzinfo=dt.UTC), 1),
    ]
    response = api.get(url, {"bucket": "1d", "tz": "Mars/Olympus"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/query/tz"
