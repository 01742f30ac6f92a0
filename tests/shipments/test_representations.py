"""Shipments built from rows (`shipments.api.representations`) render to the same JSON bytes as
`ShipmentSerializer`, the schema's source, over varied shipments: inbound, distribution and
direct; with and without declaration and onward declaration; consignee null or filled (unicode);
onward routes full, partial, with nulls or empty; documents managed or not; legs with and without
container and times; lots with and without goods item, pre-cooling given or not, readings
integrated or not, an excursion, open and resolved alerts; finished shipments; other time zones."""

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shipments import shelf_life
from shipments.alerts.selectors import open_alerts_by_lot
from shipments.api import representations
from shipments.api.representations import represent_shipments
from shipments.api.serializers import ShipmentSerializer
from shipments.models import Alert, Excursion, Leg, Lot, Product, RequiredDocument, Shipment
from shipments.selectors import with_details
from tests.declarations.factories import DeclarationFactory
from tests.factories import PartnerFactory
from tests.shipments.factories import make_shipment, released_declaration
from tradehub.api.kept import Kept
from tradehub.api.renderers import FastJSONRenderer

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 30, 18, 45, 12, 345678, tzinfo=dt.UTC)


def serializer_bytes(shipments: list[Shipment], now: dt.datetime) -> bytes:
    ids = [s.pk for s in shipments]
    loaded = {s.pk: s for s in with_details(Shipment.objects.filter(pk__in=ids))}
    ordered = [loaded[pk] for pk in ids]
    context = {"now": now, "open_alerts": open_alerts_by_lot(ids)}
    data = list(ShipmentSerializer(ordered, many=True, context=context).data)
    return FastJSONRenderer().render(data)


def rows_bytes(shipments: list[Shipment], now: dt.datetime) -> bytes:
    """The dicts' bytes, which the JSON kept (`Shown.json`, read after: from the page kept where
    there is one) equals."""
    ids = [s.pk for s in shipments]
    rendered = FastJSONRenderer().render(represent_shipments(ids, now))
    assert b"[" + b",".join(representations.shown_shipments(ids, now).json()) + b"]" == rendered
    return rendered


def varied_shipments(partner) -> list[Shipment]:
    """Shipments covering the edge values a partner can see."""
    plain = make_shipment(partner)
    empty = make_shipment(partner, lots=[], legs=[])
    declaration = released_declaration(partner)
    items = list(declaration.goods_items.order_by("sequence"))
    mixed = make_shipment(
        partner,
        kind="distribution",
        origin="KZALA",
        destination="KGFRU",
        legs=[("road", "KZALA", "KGFRU"), ("rail", "KGFRU", "KGFRU")],
        declaration=declaration,
        setpoint_c=7.5,
        planned_departure=dt.datetime(2026, 11, 29, 6, 0, tzinfo=dt.UTC),
        planned_arrival=dt.datetime(2026, 12, 3, 6, 0, 0, 1, tzinfo=ZoneInfo("Asia/Bishkek")),
        lots=[
            {"product": "cherry-tomato", "net_kg": "1500.5", "goods_item": items[0]},
            {"product": "table-grape", "net_kg": "0.001", "packages": 0, "lot_code": "Лот-葡萄"},
            {"product": "kiwifruit", "net_kg": "3999.999", "goods_item": items[1]},
        ],
    )
    Shipment.objects.filter(pk=mixed.pk).update(
        consignee={
            "name": "ТОО «Свежесть» 新鲜",
            "country": "KG",
            "tax_id": "",
            "address": "ул. 1",
        },
        onward_formalities="transit",
        onward_route={"mode": "road", "transit_countries": ["UZ", None, 7], "exit_point": ""},
        onward_declaration=DeclarationFactory(partner=partner),
        estimated_arrival=dt.datetime(2026, 12, 1, 0, 0, tzinfo=dt.UTC),
        is_overdue=True,
    )
    RequiredDocument.objects.create(
        shipment=mixed,
        sequence=1,
        type="transit_declaration",
        country="UZ",
        declaration=declaration,
    )
    RequiredDocument.objects.create(
        shipment=mixed, sequence=2, type="phytosanitary", reference="№ 12/ü", source="rule ✓"
    )
    Leg.objects.filter(shipment=mixed, sequence=1).update(
        container="MSCU1234566",
        vehicle="01 KZ 123 ABC",
        actual_departure=dt.datetime(2026, 11, 29, 7, 0, 5, tzinfo=dt.UTC),
    )
    tomato, grape, kiwi = mixed.lots.order_by("id")
    state = shelf_life.LotState(
        consumed_fraction=0.4123456,
        chilling_dose=0.125,
        last_reading_at=NOW - dt.timedelta(hours=3),
        last_temp_c=6.5,
        first_reading_at=NOW - dt.timedelta(days=2),
    )
    Lot.objects.filter(pk=tomato.pk).update(
        shelf_state=state.to_dict(),
        chilling_damage=0.125,
        consumed_fraction=0.4123456,
        harvested_at=NOW - dt.timedelta(days=3),
        precooled_at=NOW - dt.timedelta(days=3, hours=-4),
        field_temp_c=27.25,
    )
    Lot.objects.filter(pk=grape.pk).update(
        harvested_at=NOW - dt.timedelta(days=1), shelf_life_ends_at=NOW + dt.timedelta(hours=5)
    )
    Lot.objects.filter(pk=kiwi.pk).update(
        harvested_at=NOW - dt.timedelta(days=1),
        field_temp_c=0.0,
        shelf_life_ends_at=NOW - dt.timedelta(hours=1),
    )
    Excursion.objects.create(
        shipment=mixed,
        product=kiwi.product,
        lot=kiwi,
        kind="high",
        started_at=NOW - dt.timedelta(hours=9),
        peak_c=24.0,
        degree_hours=500.0,
        limit_c=8.0,
    )
    for n, (lot, state_name) in enumerate(
        [(tomato, "open"), (tomato, "acknowledged"), (grape, "resolved")]
    ):
        Alert.objects.create(
            partner=partner,
            kind="expiring_soon",
            severity="warning",
            subject_type="lot",
            subject_reference=f"{mixed.reference}/{n}",
            shipment=mixed,
            lot=lot,
            dedup_key=f"test:{lot.pk}:{n}",
            message="Expiring.",
            state=state_name,
        )
    direct = make_shipment(
        partner,
        kind="direct",
        lots=[{"product": "apple"}, {"product": "european-pear"}],
        setpoint_c=-1,
    )
    Shipment.objects.filter(pk=direct.pk).update(
        status="delivered", onward_route={"exit_point": "KZHOR"}, consignee={}
    )
    odd_route = make_shipment(
        partner, lots=[{"product": "cherry-tomato", "net_kg": "999999999.999"}]
    )
    Shipment.objects.filter(pk=odd_route.pk).update(
        onward_route={"mode": None, "transit_countries": None, "extra": 1},
        consignee={"name": "Only a name"},
        partner_reference="Ünïcødé «ref» 参考",
    )
    # Same products, set-points that compare equal but read differently in the warning.
    zero = make_shipment(partner, lots=[{"product": "cherry-tomato"}], setpoint_c=0.0)
    minus_zero = make_shipment(partner, lots=[{"product": "cherry-tomato"}])
    with connection.cursor() as cursor:  # a bound -0.0 reaches PostgreSQL as 0
        cursor.execute(
            "UPDATE shipments_shipment SET setpoint_c = '-0'::float8 WHERE id = %s", [minus_zero.pk]
        )
    # Lots of one product that share their stored state but not everything else: each shows
    # its own figures (the representation computes them once per distinct set of inputs).
    twins = make_shipment(
        partner,
        lots=[
            {"product": "cherry-tomato", "lot_code": "A"},
            {"product": "cherry-tomato", "lot_code": "B"},
            {"product": "cherry-tomato", "packed_on": dt.date(2026, 11, 20)},
            {"product": "cherry-tomato", "lot_code": "D"},
            {"product": "cherry-tomato", "lot_code": "E"},
        ],
    )
    _, _, _, harvested, ending = twins.lots.order_by("id")
    Lot.objects.filter(pk=harvested.pk).update(harvested_at=NOW - dt.timedelta(days=2))
    Lot.objects.filter(pk=ending.pk).update(shelf_life_ends_at=NOW + dt.timedelta(days=1))
    Shipment.objects.filter(pk=twins.pk).update(estimated_arrival=NOW + dt.timedelta(days=2))
    listed = Shipment.objects.filter(
        pk__in=[
            plain.pk,
            empty.pk,
            mixed.pk,
            direct.pk,
            odd_route.pk,
            zero.pk,
            minus_zero.pk,
            twins.pk,
        ]
    ).order_by("-created_at", "-id")
    return list(listed)


@pytest.mark.parametrize("zone", [None, "UTC", "America/St_Johns"])
def test_rows_render_the_serializers_bytes(partner, zone):
    shipments = varied_shipments(partner)
    with timezone.override(ZoneInfo(zone) if zone else timezone.get_default_timezone()):
        for now in (NOW, NOW + dt.timedelta(days=20)):
            expected = serializer_bytes(shipments, now)
            assert rows_bytes(shipments, now) == expected
            for one in shipments:
                assert rows_bytes([one], now) == serializer_bytes([one], now)


def test_the_edge_values_are_there(partner):
    shipments = varied_shipments(partner)
    text = rows_bytes(shipments, NOW).decode()
    for expected in (
        '"onward_route":{"mode":"road","transit_countries":["UZ",null,"7"],"exit_point":""}',
        '"onward_route":{"mode":null,"transit_countries":null}',
        '"onward_route":{"exit_point":"KZHOR"}',
        '"consignee":null',
        '"container":"MSCU1234566"',
        '"net_kg":"999999999.999"',
        '"net_kg":"0.001"',
        '"goods_item":null',
        '"condition":"at_risk"',
        '"managed":true',
        '"country":null',
        "Setpoint -0 °C",
        "Setpoint 0 °C",
    ):
        assert expected in text
    assert '"net_kg":"1500.500"' in text
    later = rows_bytes(shipments, NOW + dt.timedelta(days=60))
    assert b'"condition":"expired"' in later
    assert later == serializer_bytes(shipments, NOW + dt.timedelta(days=60))


def test_lots_sharing_a_state_keep_their_own_figures(partner):
    shipments = varied_shipments(partner)
    twins = next(s for s in shipments if s.lots.filter(lot_code="D").exists())
    lots = json.loads(rows_bytes([twins], NOW))[0]["lots"]
    assert [lot["packed_on"] == lots[0]["packed_on"] for lot in lots] == [
        True,
        True,
        False,
        True,
        True,
    ]
    assert lots[0]["remaining_shelf_life_hours"] == lots[1]["remaining_shelf_life_hours"]
    assert lots[2]["remaining_shelf_life_hours"] != lots[0]["remaining_shelf_life_hours"]
    assert lots[3]["precooling"] != lots[0]["precooling"]
    assert lots[4]["condition"] == "at_risk" != lots[0]["condition"]


def test_a_database_without_arrays_renders_the_same_bytes(partner, monkeypatch):
    """SQLite (`make run`): the related rows come from the ORM's own queries (RowsByIds'
    fallback), the states from the same JSON text; no digests, so nothing is kept."""
    shipments = varied_shipments(partner)
    expected = serializer_bytes(shipments, NOW)
    monkeypatch.setattr(connection, "vendor", "sqlite")
    representations.KEPT.clear()
    assert rows_bytes(shipments, NOW) == expected
    assert rows_bytes(shipments, NOW) == expected
    assert not representations.KEPT.entries


def built_pages(monkeypatch) -> list[int]:
    """Counts the pages built from rows (not copied from a page kept)."""
    built = []
    build = representations._built

    def counting(ids, *args):
        built.append(len(ids))
        return build(ids, *args)

    monkeypatch.setattr(representations, "_built", counting)
    return built


def test_a_page_read_again_is_copied_until_a_row_changes(partner, monkeypatch):
    """A page whose rows are digested as before is copied from the one built (its lots' figures
    computed for the new `now`); a change in any of the six queries' rows (shipment, document,
    leg, lot, product, open alert, excursion flag) builds it again. Every answer is the
    serializer's."""
    shipments = varied_shipments(partner)
    built = built_pages(monkeypatch)
    for now in (NOW, NOW + dt.timedelta(hours=7), NOW + dt.timedelta(days=20)):
        assert rows_bytes(shipments, now) == serializer_bytes(shipments, now)
    assert len(built) == 1
    mixed = next(s for s in shipments if s.kind == "distribution")
    tomato = mixed.lots.order_by("id")[0]
    changes = [
        lambda: Shipment.objects.filter(pk=mixed.pk).update(partner_reference="changed"),
        lambda: RequiredDocument.objects.filter(shipment=mixed).update(reference="№ 13"),
        lambda: Leg.objects.filter(shipment=mixed, sequence=2).update(vehicle="02 KZ 456"),
        lambda: Lot.objects.filter(pk=tomato.pk).update(net_kg="1500.501"),
        lambda: Lot.objects.filter(pk=tomato.pk).update(
            shelf_state=shelf_life.LotState(consumed_fraction=0.5).to_dict()
        ),
        lambda: Product.objects.filter(code="kiwifruit").update(storage_life_days=61),
        lambda: Product.objects.filter(code="table-grape").update(so2_pads=False),
        lambda: Alert.objects.filter(lot=tomato, state="open").update(state="resolved"),
        lambda: Excursion.objects.filter(shipment=mixed).update(degree_hours=1.0),
    ]
    for n, change in enumerate(changes, start=2):
        change()
        assert rows_bytes(shipments, NOW) == serializer_bytes(shipments, NOW), n
        assert len(built) == n
        assert rows_bytes(shipments, NOW) == serializer_bytes(shipments, NOW), n
        assert len(built) == n
    with timezone.override(ZoneInfo("America/St_Johns")):  # the display zone is in the key
        assert rows_bytes(shipments, NOW) == serializer_bytes(shipments, NOW)
    assert len(built) == len(changes) + 2


def test_a_copy_is_the_callers_own(partner, monkeypatch):
    """Changing an answer changes nothing kept: the next answer is the serializer's."""
    shipments = varied_shipments(partner)
    ids = [s.pk for s in shipments]
    built = built_pages(monkeypatch)
    for _ in range(2):
        for shipment in represent_shipments(ids, NOW):
            for name in ("required_documents", "warnings", "legs", "lots"):
                shipment[name].append("changed")
                for item in shipment[name][:-1]:
                    if isinstance(item, dict):
                        item["changed"] = True
            for name in ("consignee", "onward_route"):
                if shipment[name] is not None:
                    shipment[name]["changed"] = True
                    if shipment[name].get("transit_countries"):
                        shipment[name]["transit_countries"].append("changed")
            for lot in shipment["lots"][:-1]:
                lot["open_alerts"].append("changed")
                for alert in lot["open_alerts"][:-1]:
                    alert["changed"] = True
                lot["precooling"]["changed"] = True
            shipment["changed"] = True
        assert rows_bytes(shipments, NOW) == serializer_bytes(shipments, NOW)
    assert len(built) == 1


def test_the_pages_kept_are_bounded(partner, monkeypatch):
    """At most SHIPMENTS_KEPT shipments are kept, over all pages; a page beyond it is not."""
    shipments = [make_shipment(partner) for _ in range(4)]
    kept = Kept(3, representations.KEPT._size)
    monkeypatch.setattr(representations, "KEPT", kept)

    def held() -> int:
        return sum(len(page.shipments) for _, page in kept.entries.values())

    for one in shipments:
        represent_shipments([one.pk], NOW)
    assert len(kept.entries) == 1  # emptied when the fourth came
    represent_shipments([one.pk], NOW)  # found again, not added again
    assert held() == kept.held == 1
    represent_shipments([s.pk for s in shipments[:2]], NOW)
    assert held() == kept.held == 3
    represent_shipments([s.pk for s in shipments], NOW)
    assert held() == kept.held == 3


def test_a_detail_found_again_costs_one_round_trip(api, partner, monkeypatch):
    """The detail's lookup goes with the digests of what the shipment was shown from: asked for
    again unchanged, one query and nothing built; changed, the rows are read and built again;
    another partner's shipment or an unknown reference is a 404. Each answer is the
    serializer's (times with the clock aside, as above), with the ETag of the row found."""
    shipments = varied_shipments(partner)
    mixed = next(s for s in shipments if s.kind == "distribution")
    built = built_pages(monkeypatch)
    url = f"/api/v1/shipments/{mixed.reference}/"

    def expected() -> dict:
        data = json.loads(
            FastJSONRenderer().render(
                ShipmentSerializer(
                    with_details(Shipment.objects.filter(pk=mixed.pk)).get(),
                    context={"now": timezone.now(), "open_alerts": open_alerts_by_lot([mixed.pk])},
                ).data
            )
        )
        for lot in data["lots"]:
            lot.pop("remaining_shelf_life_hours")
            lot["precooling"].pop("hours_lost_at_optimum")
        return data

    def shown(response) -> dict:
        data = response.json()
        for lot in data["lots"]:
            lot.pop("remaining_shelf_life_hours")
            lot["precooling"].pop("hours_lost_at_optimum")
        return data

    first = api.get(url)
    assert first.status_code == 200 and shown(first) == expected()
    assert built == [1]
    with CaptureQueriesContext(connection) as queries:
        again = api.get(url)
    assert shown(again) == expected() and again["ETag"] == first["ETag"]
    assert built == [1]
    assert len(queries.captured_queries) == 1  # the lookup and the digests, one statement
    Lot.objects.filter(shipment=mixed).update(packages=7)
    changed = api.get(url)
    assert shown(changed) == expected() and built == [1, 1]
    Shipment.objects.filter(pk=mixed.pk).update(version=F("version") + 1)
    bumped = api.get(url)
    assert shown(bumped) == expected() and bumped["ETag"] != first["ETag"]
    other = make_shipment(PartnerFactory())
    assert api.get(f"/api/v1/shipments/{other.reference}/").status_code == 404
    assert api.get("/api/v1/shipments/SHP-NONE/").status_code == 404
    monkeypatch.setattr(connection, "vendor", "sqlite")
    assert shown(api.get(url)) == expected()
    assert api.get(f"/api/v1/shipments/{other.reference}/").status_code == 404


def test_the_json_written_whole_where_it_cannot_be_cut(partner, monkeypatch):
    """A shipment whose JSON could not be cut at its figures is rendered from its dicts."""
    shipments = varied_shipments(partner)
    monkeypatch.setattr(representations, "_cut", lambda *shipment: None)
    representations.KEPT.clear()
    for now in (NOW, NOW + dt.timedelta(days=60)):
        assert rows_bytes(shipments, now) == serializer_bytes(shipments, now)


def test_the_api_answers_the_bytes_of_its_data(api, partner):
    """The list and the detail answer the JSON kept: the renderer's bytes of the answers' data
    (the dicts as of the same time), read again too; other renderers get the data."""
    from tradehub.api.renderers import RenderedResponse

    shipments = varied_shipments(partner)
    for _ in range(2):
        for url in (
            "/api/v1/shipments/?page_size=3",
            "/api/v1/shipments/",
            f"/api/v1/shipments/{shipments[2].reference}/",
        ):
            response = api.get(url)
            assert response.status_code == 200 and isinstance(response, RenderedResponse)
            assert response.content == FastJSONRenderer().render(response.data)
    listed = api.get("/api/v1/shipments/?page_size=3").json()
    assert listed["next"] and len(listed["results"]) == 3
    assert api.get(listed["next"]).json()["results"][0]["reference"] not in {
        shipment["reference"] for shipment in listed["results"]
    }
    pretty = api.get("/api/v1/shipments/?page_size=3", HTTP_ACCEPT="application/json; indent=2")
    assert pretty.content.startswith(b"{\n")
    assert [s["reference"] for s in pretty.json()["results"]] == [
        s["reference"] for s in listed["results"]
    ]
