"""Issue #9 checked as a customs broker would check it, through the HTTP API only.

A consolidated consignment from Urumqi comes through Khorgos under EAEU transit (declared,
opened, arrived through the inbound shipment's own events, completed at Almaty), goes into a
customs warehouse at Almaty for consignees in KZ, KG, UZ, TJ and TM, and is distributed: each
destination gets its procedure, child declaration and checklist; the shipments depart only once
the checklist is complete. Then the edges: parallel releases and re-exports against the stock
(PostgreSQL, threads), an `import` sent to Uzbekistan, an overdue transit, tomatoes in July and
January, frozen against fresh fruit, certificate dates and coverage, the yearly serial, and the
two refusals.

The customs side is played by a gateway integration posting customs messages (`manual` gateway:
nothing decides by itself), except for the serial test, where the simulated ASTANA-1 allocates
the numbers as a worker would.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import count
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from rest_framework.test import APIClient

ALMATY = ZoneInfo("Asia/Almaty")
JULY = dt.datetime(2026, 7, 14, 9, 0, tzinfo=ALMATY)
JANUARY = dt.datetime(2027, 1, 15, 10, 0, tzinfo=ALMATY)
TOMATOES_JULY = "0702000005"  # 0702 00 000 5: from 1 June to 30 September
TOMATOES_JANUARY = "0702000001"  # 0702 00 000 1: from 1 January to 31 March
GRAPES = "0806101000"
FROZEN_STRAWBERRIES = "0811109000"
FRESH_STRAWBERRIES = "0810100000"
D = "/api/v1/declarations/"
_ids = count(1)


# --- what a broker's system sends --------------------------------------------------------------


def goods(code: str, net_kg: str, packages: int, description: str) -> dict[str, Any]:
    net = Decimal(net_kg)
    return {
        "description": description,
        "commodity_code": code,
        "origin_country": "CN",
        "packages": {"count": packages, "kind": "CT"},
        "gross_kg": f"{net * Decimal('1.05'):.3f}",
        "net_kg": f"{net:.3f}",
        "invoice_value": f"{net * 2:.2f}",
        "currency": "USD",
    }


CONSIGNMENT = [
    goods(TOMATOES_JULY, "6000.000", 1200, "Cherry tomatoes, fresh"),
    goods(GRAPES, "4000.000", 800, "Table grapes, fresh"),
]
PHYTO = {
    "type": "phytosanitary_certificate",
    "number": "CN-PH-2026-778812",
    "issued_by": "GACC Urumqi",
    "issued_on": "2026-07-12",
    "valid_until": "2026-08-11",
    "goods_items": [1, 2],
}
INVOICE = {"type": "invoice", "number": "INV-2026-0042", "issued_on": "2026-07-11"}
WAREHOUSE_KEEPER = {
    "name": "Almaty Fresh Distribution LLP",
    "country": "KZ",
    "tax_id": "123456789012",
}


def declaration_body(lrn: str, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "lrn": lrn,
        "procedure": "import",
        "office": "50510",
        "border_crossing": "KZHOR",
        "transport_mode": "rail",
        "transport_document": {"type": "smgs", "number": "SMGS 26 118 773"},
        "containers": ["CSQU3054383"],
        "seals": ["CN 778812"],
        "consignor": {
            "name": "Xinjiang Fresh Export Co",
            "country": "CN",
            "tax_id": "91650100MA78XXXX1X",
        },
        "consignee": WAREHOUSE_KEEPER,
        "goods_items": CONSIGNMENT,
        "documents": [PHYTO, INVOICE],
    }
    body.update(overrides)
    return body


def transit_body(lrn: str, deadline: dt.datetime) -> dict[str, Any]:
    return declaration_body(
        lrn,
        procedure="transit",
        office="50903",  # Khorgos: the office of departure
        transit={
            "destination_office": "50510",
            "route": ["KZHOR", "KZALA"],
            "navigation_seals": ["KZ-ENP-0001234"],
            "delivery_deadline": deadline.isoformat(),
        },
    )


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, (response.status_code, response.content[:2000])
    return response.json() if response.content else None


def pointers(response: Any) -> list[tuple[str, str]]:
    return [(e["pointer"], e["code"]) for e in response.json()["errors"]]


class Customs:
    """The customs authority as a gateway integration posting its decisions."""

    def __init__(self, client: APIClient) -> None:
        self.client = client

    def send(self, reference: str, type: str, at: dt.datetime, **data: Any) -> dict[str, Any]:
        message = {
            "message_id": f"{reference}-{type}-{next(_ids)}",
            "type": type,
            "occurred_at": at.isoformat(),
            **data,
        }
        return ok(
            self.client.post(f"{D}{reference}/customs-messages/", message, format="json"), 202
        )

    def register_and_release(self, reference: str, office: str, clock: Any, **extra: Any):
        """Registered and released green, a few minutes after it was lodged."""
        clock.shift(dt.timedelta(minutes=10))
        at = now()
        self.send(
            reference,
            "accepted",
            at - dt.timedelta(minutes=5),
            number=f"{office}/{at:%d%m%y}/{next(_ids):07d}",
            channel="green",
        )
        return self.send(reference, "released", at - dt.timedelta(minutes=1), **extra)


def now() -> dt.datetime:
    from django.utils import timezone

    return timezone.now()


@pytest.fixture
def customs(gateway_api) -> Customs:
    return Customs(gateway_api)


@pytest.fixture(autouse=True)
def _manual_customs(settings):
    """Nothing decides by itself: customs decisions are the gateway integration's messages."""
    settings.CUSTOMS_GATEWAY = "manual"
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture
def products(db) -> None:
    from shipments.products import load_products

    load_products()


def submit(api: APIClient, reference: str) -> dict[str, Any]:
    return ok(api.post(f"{D}{reference}/submit/", {}, format="json"), 202)


def destination(
    code: str, mode: str, item: int, kg: str, via: list[str] | None = None, label: str = ""
):
    request: dict[str, Any] = {
        "destination": code,
        "partner_reference": label or code,
        "transport_mode": mode,
        "consignee": {"name": f"{code} Fresh Market", "country": code[:2]},
        "planned_departure": "2026-07-16T06:00:00+05:00",
        "planned_arrival": "2026-07-18T18:00:00+05:00",
        "lines": [{"goods_item": item, "net_kg": kg}],
    }
    if via is not None:
        request["via"] = via
    return request


# --- the story ---------------------------------------------------------------------------------


def test_transit_from_khorgos_warehouse_at_almaty_and_distribution_by_the_law(
    api, customs, products, django_capture_on_commit_callbacks, staff_user
):
    with time_machine.travel(JULY, tick=True) as clock:
        # 1. EAEU transit from Khorgos to Almaty, with navigation seals and a deadline.
        transit = ok(
            api.post(D, transit_body("XFE-TR-0714", JULY + dt.timedelta(days=2)), format="json"),
            201,
        )
        ref = transit["reference"]
        assert transit["transit"]["status"] == "declared"
        submit(api, ref)
        deadline = JULY + dt.timedelta(hours=30)
        customs.register_and_release(ref, "50903", clock, delivery_deadline=deadline.isoformat())
        opened = ok(api.get(f"/api/v1/transits/{ref}/"))
        assert opened["status"] == "opened" and opened["transit_number"].startswith("50903/")
        assert dt.datetime.fromisoformat(opened["delivery_deadline"]) == deadline
        assert opened["navigation_seals"] == ["KZ-ENP-0001234"]
        # Nothing may be drawn on a transit before it completes.
        early = api.post(
            f"{D}{ref}/children/",
            {"procedure": "customs_warehouse", "lines": [{"goods_item": 1, "net_kg": "1.000"}]},
            format="json",
        )
        assert early.status_code == 409

        # 2. The inbound train reports its border crossing and its arrival at Almaty: the
        #    events link to the transit and the arrival presents the goods.
        inbound = ok(
            api.post(
                "/api/v1/shipments/",
                {
                    "kind": "inbound",
                    "origin": "CNURM",
                    "destination": "KZALA",
                    "declaration": ref,
                    "legs": [
                        {"sequence": 1, "mode": "rail", "from": "CNURM", "to": "KZHOR"},
                        {"sequence": 2, "mode": "rail", "from": "KZHOR", "to": "KZALA"},
                    ],
                    "lots": [
                        {
                            "product": "cherry-tomato",
                            "net_kg": "6000.000",
                            "packages": 1200,
                            "goods_item": 1,
                        }
                    ],
                },
                format="json",
            ),
            201,
        )
        clock.move_to(JULY + dt.timedelta(hours=21))
        events = [
            ("border_crossed", JULY + dt.timedelta(hours=2), "KZHOR"),
            ("arrived", JULY + dt.timedelta(hours=20), "KZALA"),
        ]
        with django_capture_on_commit_callbacks(execute=True):
            ok(
                api.post(
                    f"/api/v1/shipments/{inbound['reference']}/events/",
                    [
                        {
                            "event_id": f"in-{kind}",
                            "type": kind,
                            "classifier": "actual",
                            "occurred_at": at.isoformat(),
                            "location": where,
                        }
                        for kind, at, where in events
                    ],
                    format="json",
                ),
                202,
            )
        linked = ok(api.get(f"/api/v1/shipments/{inbound['reference']}/events/"))["results"]
        assert {e["type"]: e["transit"] for e in linked} == {"border_crossed": ref, "arrived": ref}
        arrived = ok(api.get(f"/api/v1/transits/{ref}/"))
        assert arrived["status"] == "arrived"
        customs.send(ref, "transit_completed", now(), storage_place="TSW Almaty-Terminal, zone B")
        assert ok(api.get(f"/api/v1/transits/{ref}/"))["status"] == "completed"

        # 3. Into the customs warehouse at Almaty: the goods become a stock.
        warehouse = ok(
            api.post(
                f"{D}{ref}/children/",
                {
                    "procedure": "customs_warehouse",
                    "lrn": "XFE-WH-0714",
                    "lines": [
                        {"goods_item": 1, "net_kg": "6000.000", "packages": 1200},
                        {"goods_item": 2, "net_kg": "4000.000", "packages": 800},
                    ],
                },
                format="json",
            ),
            201,
        )
        wh = warehouse["reference"]
        assert warehouse["procedure"] == "customs_warehouse" and warehouse["parent"] == ref
        # Declared where the goods now are: at Almaty, not at the border office of departure.
        assert warehouse["office"] == "50510"
        submit(api, wh)
        customs.register_and_release(wh, "50510", clock)
        stock = ok(api.get(f"{D}{wh}/stock/"))
        assert stock["available"] is True
        tomatoes = stock["items"][0]
        assert tomatoes["declared"] == {"net_kg": "6000.000", "packages": 1200}
        assert tomatoes["available"] == tomatoes["in_stock"] == tomatoes["declared"]
        assert tomatoes["storage_place"] == "TSW Almaty-Terminal, zone B"
        transit_stock = ok(api.get(f"{D}{ref}/stock/"))
        assert transit_stock["items"][0]["warehoused"]["net_kg"] == "6000.000"

        # 4. Distribution to KZ, KG, UZ, TJ (road via UZ) and TM (rail via Bolashak).
        requests = [
            destination("KZCIT", "road", 1, "1400.000"),
            destination("KGFRU", "road", 2, "1000.000"),
            destination("UZTAS", "road", 1, "1200.000"),
            destination("TJDYU", "road", 1, "800.000"),
            # There is no KZ-TJ border: the usual road runs through Uzbekistan, the broker
            # may send a truck through Kyrgyzstan instead (EAEU transit to Karamyk).
            destination("TJDYU", "road", 1, "300.000", via=["KG"], label="TJDYU-KG"),
            destination("TMASB", "rail", 2, "600.000"),
        ]
        created = ok(
            api.post(f"{D}{wh}/distribution/", {"shipments": requests}, format="json"), 201
        )
        shipments = {s["partner_reference"]: s for s in created["shipments"]}
        assert {s["origin"] for s in shipments.values()} == {"KZALA"}
        assert {code: s["onward_formalities"] for code, s in shipments.items()} == {
            "KZCIT": "free_circulation",
            "KGFRU": "eaeu_mutual_trade",
            "UZTAS": "reexport_under_transit",
            "TJDYU": "reexport_under_transit",
            "TJDYU-KG": "reexport_under_transit",
            "TMASB": "reexport_under_transit",
        }
        routes = {
            code: (s["onward_route"]["mode"], s["onward_route"]["transit_countries"])
            for code, s in shipments.items()
        }
        assert routes == {
            "KZCIT": ("road", []),
            "KGFRU": ("road", []),
            "UZTAS": ("road", []),
            "TJDYU": ("road", ["UZ"]),
            "TJDYU-KG": ("road", ["KG"]),
            "TMASB": ("rail", []),
        }
        assert "Karamyk" in shipments["TJDYU-KG"]["onward_route"]["exit_point"]
        assert "Bolashak" in shipments["TMASB"]["onward_route"]["exit_point"]

        def checklist(code: str) -> set[tuple[str, str | None]]:
            return {(d["type"], d["country"]) for d in shipments[code]["required_documents"]}

        assert checklist("KZCIT") == {
            ("import_declaration", None),
            ("invoice", None),
            ("transport_document", None),
        }
        assert {
            ("snt", None),
            ("indirect_tax_application", None),
            ("quarantine_certificate", None),
            ("import_declaration", None),
        } <= checklist("KGFRU")
        reexport = {
            ("reexport_declaration", None),
            ("transit_declaration", None),
            ("phytosanitary_reexport_certificate", None),
        }
        assert reexport <= checklist("UZTAS") and not {c for _, c in checklist("UZTAS") if c}
        assert reexport | {("tir_carnet", "UZ")} <= checklist("TJDYU")
        assert reexport <= checklist("TMASB")
        assert not {c for _, c in checklist("TMASB") if c}  # rail: Bolashak - Serhetyaka
        # Through Kyrgyzstan the EAEU transit runs to the exit office: no TIR carnet.
        assert reexport <= checklist("TJDYU-KG")
        assert not {c for _, c in checklist("TJDYU-KG") if c}
        assert [c for c in shipments if ("snt", None) in checklist(c)] == ["KGFRU"]

        children = {
            code: ok(api.get(f"{D}{s['onward_declaration']}/")) for code, s in shipments.items()
        }
        assert {code: c["procedure"] for code, c in children.items()} == {
            "KZCIT": "import",
            "KGFRU": "import",
            "UZTAS": "reexport",
            "TJDYU": "reexport",
            "TJDYU-KG": "reexport",
            "TMASB": "reexport",
        }
        assert all(c["parent"] == wh for c in children.values())
        assert children["UZTAS"]["consignee"]["country"] == "UZ"
        assert children["KZCIT"]["consignee"]["country"] == "KZ"

        # The stock shows what went where.
        stock = ok(api.get(f"{D}{wh}/stock/"))
        # 6000 - 1400 - 1200 - 800 - 300
        assert stock["items"][0]["available"]["net_kg"] == "2300.000"
        assert stock["items"][1]["available"]["net_kg"] == "2400.000"  # 4000-1000-600
        assert {
            (d["declaration"], d["consignee_country"]) for d in stock["items"][0]["drawings"]
        } == {(children[c]["reference"], c[:2]) for c in ("KZCIT", "UZTAS", "TJDYU", "TJDYU-KG")}

        # 5. A Dushanbe truck cannot leave before its papers are in order.
        clock.move_to(dt.datetime(2026, 7, 16, 6, 30, tzinfo=ALMATY))
        tj = shipments["TJDYU"]["reference"]
        departure = [
            {
                "event_id": "tj-dep",
                "type": "departed",
                "classifier": "actual",
                "occurred_at": "2026-07-16T06:10:00+05:00",
                "location": "KZALA",
            }
        ]
        refused = api.post(f"/api/v1/shipments/{tj}/events/", departure, format="json")
        assert refused.status_code == 409
        assert "tir_carnet (UZ): missing" in refused.json()["detail"]
        for entry in shipments["TJDYU"]["required_documents"]:
            if not entry["managed"]:
                ok(
                    api.patch(
                        f"/api/v1/shipments/{tj}/documents/{entry['sequence']}/",
                        {"status": "provided", "reference": f"DOC-{entry['sequence']}"},
                        format="json",
                    )
                )
        still = api.post(f"/api/v1/shipments/{tj}/events/", departure, format="json")
        assert still.status_code == 409
        assert [d["type"] for d in still.json()["documents"]] == ["reexport_declaration"]
        # Each child is lodged and released on its own.
        for child in children.values():
            submit(api, child["reference"])
            customs.register_and_release(child["reference"], "50510", clock)
        managed = ok(
            api.get(f"/api/v1/shipments/{tj}/documents/", {"type": "reexport_declaration"})
        )["results"]
        assert [(d["status"], d["reference"]) for d in managed] == [
            ("accepted", children["TJDYU"]["reference"])
        ]
        with django_capture_on_commit_callbacks(execute=True):
            ok(api.post(f"/api/v1/shipments/{tj}/events/", departure, format="json"), 202)

        stock = ok(api.get(f"{D}{wh}/stock/"))
        tomatoes = stock["items"][0]
        assert tomatoes["released"]["net_kg"] == "1400.000"
        assert tomatoes["reexported"]["net_kg"] == "2300.000"
        assert tomatoes["in_stock"]["net_kg"] == "2300.000"

        # Staff see the same in the admin: the stock, and what was released or re-exported
        # to where.
        from django.test import Client

        from declarations.models import Declaration

        staff = Client()
        staff.force_login(staff_user)
        pk = Declaration.objects.get(reference=wh).pk
        page = staff.get(f"/admin/declarations/declaration/{pk}/change/")
        assert page.status_code == 200
        html = page.content.decode()
        assert "Stock under customs control" in html and "2300.000" in html
        for code in ("KZCIT", "UZTAS", "TJDYU", "TJDYU-KG", "TMASB", "KGFRU"):
            assert children[code]["reference"] in html
        assert "Re-exported" in html and "TSW Almaty-Terminal, zone B" in html

        # 6. An import declaration (free circulation) cannot go to Tashkent.
        freed = ok(api.post(D, declaration_body("XFE-IM-0714"), format="json"), 201)
        submit(api, freed["reference"])
        customs.register_and_release(freed["reference"], "50510", clock)
        to_uz = api.post(
            f"{D}{freed['reference']}/distribution/",
            {"shipments": [destination("UZTAS", "road", 1, "100.000")]},
            format="json",
        )
        assert to_uz.status_code == 409
        assert to_uz.json()["procedure"] == "reexport_under_transit"
        assert "reexport_under_transit" in to_uz.json()["detail"]
        to_kg = api.post(
            f"{D}{freed['reference']}/distribution/",
            {"shipments": [destination("KGFRU", "road", 1, "100.000")]},
            format="json",
        )
        assert ok(to_kg, 201)["shipments"][0]["onward_formalities"] == "eaeu_mutual_trade"


# --- the edges ---------------------------------------------------------------------------------


def released(api: APIClient, customs: Customs, clock: Any, body: dict[str, Any]) -> str:
    """Create, lodge and have customs release a declaration; its reference."""
    reference = ok(api.post(D, body, format="json"), 201)["reference"]
    submit(api, reference)
    customs.register_and_release(reference, body["office"], clock)
    return reference


def test_an_overdue_transit_of_fresh_produce_raises_a_high_alert(api, customs):
    from django.core.management import call_command

    with time_machine.travel(JULY, tick=True) as clock:
        ref = released(
            api, customs, clock, transit_body("XFE-TR-LATE", JULY + dt.timedelta(hours=6))
        )
        assert ok(api.get(f"/api/v1/transits/{ref}/"))["overdue"] is False
        clock.move_to(JULY + dt.timedelta(hours=9))
        late = ok(api.get("/api/v1/transits/", {"overdue": "true"}))["results"]
        assert [t["declaration"] for t in late] == [ref] and late[0]["overdue"] is True
        call_command("scan_alerts", verbosity=0)  # what beat runs every minute
        [alert] = ok(api.get("/api/v1/alerts/", {"kind": "transit_overdue"}))["results"]
        assert alert["severity"] == "high"
        assert alert["subject"] == {"type": "declaration", "reference": ref}
        assert alert["state"] == "open"


def test_tomatoes_in_july_and_in_january_need_different_ten_digit_codes(api):
    july = ok(api.get("/api/v1/hs-codes/", {"code": "0702", "on": "2026-07-15"}))["results"]
    january = ok(api.get("/api/v1/hs-codes/", {"code": "0702", "on": "2027-01-15"}))["results"]
    assert [c["code"] for c in july] == [TOMATOES_JULY]
    assert [c["code"] for c in january] == [TOMATOES_JANUARY]
    body = declaration_body(
        "XFE-TOM-6",
        goods_items=[goods("070200", "100.000", 10, "Tomatoes")],
        documents=[{**PHYTO, "goods_items": [1]}, INVOICE],
    )
    with time_machine.travel(JULY, tick=False):
        six = api.post(D, body, format="json")
        assert six.status_code == 400
        [error] = six.json()["errors"]
        assert (error["pointer"], error["code"]) == (
            "/goods_items/0/commodity_code",
            "eaeu_code_required",
        )
        assert error["candidates"] == [TOMATOES_JULY]
        july_body = declaration_body("XFE-TOM-JUL")
        draft = ok(api.post(D, july_body, format="json"), 201)
    with time_machine.travel(JANUARY, tick=False):
        winter = api.post(D, declaration_body("XFE-TOM-JAN"), format="json")
        assert winter.status_code == 400
        [error] = winter.json()["errors"]
        assert error["code"] == "eaeu_code_not_valid_on_date"
        assert error["candidates"] == [TOMATOES_JANUARY]
        # The July draft lodged in January is checked again on its declaration date.
        lodged = api.post(f"{D}{draft['reference']}/submit/", {}, format="json")
        assert lodged.status_code == 400
        assert ("/goods_items/0/commodity_code", "eaeu_code_not_valid_on_date") in pointers(lodged)
        assert ok(api.get(f"{D}{draft['reference']}/"))["status"] == "draft"
        items = [
            goods(TOMATOES_JANUARY, "6000.000", 1200, "Cherry tomatoes, fresh"),
            CONSIGNMENT[1],
        ]
        docs = [{**PHYTO, "issued_on": "2027-01-12", "valid_until": "2027-02-11"}, INVOICE]
        ok(
            api.post(
                D,
                declaration_body("XFE-TOM-JAN2", goods_items=items, documents=docs),
                format="json",
            ),
            201,
        )


def test_frozen_fruit_needs_no_phytosanitary_certificate_fresh_fruit_does(api):
    frozen = goods(FROZEN_STRAWBERRIES, "2000.000", 200, "Strawberries, frozen")
    fresh = goods(FRESH_STRAWBERRIES, "2000.000", 200, "Strawberries, fresh")
    with time_machine.travel(JULY, tick=True):
        cold = ok(
            api.post(
                D,
                declaration_body("XFE-FRZ", goods_items=[frozen], documents=[INVOICE]),
                format="json",
            ),
            201,
        )
        assert submit(api, cold["reference"])["status"] == "submitted"
        warm = ok(
            api.post(
                D,
                declaration_body("XFE-FRS", goods_items=[fresh], documents=[INVOICE]),
                format="json",
            ),
            201,
        )
        refused = api.post(f"{D}{warm['reference']}/submit/", {}, format="json")
        assert refused.status_code == 400
        assert ("/goods_items/0", "phytosanitary_certificate_required") in pointers(refused)
        assert ok(api.get(f"{D}{warm['reference']}/"))["status"] == "draft"


@pytest.mark.parametrize(
    ("certificate", "expected"),
    [
        (
            {"issued_on": "2026-07-20"},
            ("/documents/0/issued_on", "certificate_issued_after_declaration_date"),
        ),
        (
            {"issued_on": "2026-06-01", "valid_until": "2026-07-01"},
            ("/documents/0/valid_until", "certificate_expired"),
        ),
        # Covers the grapes only: the tomatoes (regulated) travel uncovered.
        ({"goods_items": [2]}, ("/goods_items/0", "phytosanitary_certificate_required")),
    ],
    ids=["issued-after", "expired", "not-covering"],
)
def test_the_certificate_date_and_coverage_are_checked_at_submission(api, certificate, expected):
    with time_machine.travel(JULY, tick=True):
        body = declaration_body(
            f"XFE-PH-{next(_ids)}", documents=[{**PHYTO, **certificate}, INVOICE]
        )
        draft = ok(api.post(D, body, format="json"), 201)
        refused = api.post(f"{D}{draft['reference']}/submit/", {}, format="json")
        assert refused.status_code == 400
        assert expected in pointers(refused)
        assert ok(api.get(f"{D}{draft['reference']}/"))["status"] == "draft"


def test_the_serial_restarts_at_one_in_a_new_year(
    api, settings, django_capture_on_commit_callbacks
):
    """ASTANA-1 (simulated) numbers what it registers; the worker runs its tasks eagerly."""
    settings.CUSTOMS_GATEWAY = "routes"
    grapes = [CONSIGNMENT[1]]
    numbers = []
    for lrn, at, issued in (
        ("XFE-NY-1", dt.datetime(2026, 12, 31, 22, 0, tzinfo=ALMATY), "2026-12-30"),
        ("XFE-NY-2", dt.datetime(2026, 12, 31, 23, 0, tzinfo=ALMATY), "2026-12-30"),
        # Half past midnight in Almaty is still 31 December in UTC: the office's year counts.
        ("XFE-NY-3", dt.datetime(2027, 1, 1, 0, 30, tzinfo=ALMATY), "2026-12-30"),
        ("XFE-NY-4", dt.datetime(2027, 1, 1, 9, 0, tzinfo=ALMATY), "2026-12-30"),
    ):
        docs = [
            {**PHYTO, "issued_on": issued, "valid_until": "2027-01-30", "goods_items": [1]},
            INVOICE,
        ]
        with time_machine.travel(at, tick=True):
            draft = ok(
                api.post(
                    D, declaration_body(lrn, goods_items=grapes, documents=docs), format="json"
                ),
                201,
            )
            with django_capture_on_commit_callbacks(execute=True):
                submit(api, draft["reference"])
            numbers.append(ok(api.get(f"{D}{draft['reference']}/"))["number"])
    assert numbers[0].startswith("50510/311226/") and numbers[2].startswith("50510/010127/")
    assert [n[-7:] for n in numbers] == ["0000001", "0000002", "0000001", "0000002"]


def test_a_release_refusal_is_final_a_registration_refusal_is_corrected(api, customs):
    with time_machine.travel(JULY, tick=True) as clock:
        # Registration refused: no number; corrected and lodged again, then registered.
        body = declaration_body("XFE-RR", consignee={**WAREHOUSE_KEEPER, "tax_id": ""})
        ref = ok(api.post(D, body, format="json"), 201)["reference"]
        submit(api, ref)
        clock.shift(dt.timedelta(minutes=5))
        customs.send(
            ref,
            "registration_refused",
            now() - dt.timedelta(minutes=1),
            errors=[{"pointer": "/consignee/tax_id", "code": "required", "detail": "BIN missing"}],
        )
        refused = ok(api.get(f"{D}{ref}/"))
        assert refused["status"] == "registration_refused" and refused["number"] is None
        amended = api.post(f"{D}{ref}/amend/", {"consignee": WAREHOUSE_KEEPER}, format="json")
        assert ok(amended, 202)["status"] == "submitted"
        customs.register_and_release(ref, "50510", clock)
        assert ok(api.get(f"{D}{ref}/"))["status"] == "released"

        # Release refused: final. Nothing moves it; a new declaration is filed.
        final = ok(api.post(D, declaration_body("XFE-RJ"), format="json"), 201)["reference"]
        submit(api, final)
        clock.shift(dt.timedelta(minutes=10))
        customs.send(
            final,
            "accepted",
            now() - dt.timedelta(minutes=5),
            number="50510/140726/0000099",
            channel="red",
        )
        customs.send(
            final,
            "rejected",
            now() - dt.timedelta(minutes=2),
            errors=[
                {
                    "pointer": "/goods_items/0/commodity_code",
                    "code": "misclassified",
                    "detail": "Not cherry tomatoes",
                }
            ],
        )
        assert api.post(f"{D}{final}/amend/", {}, format="json").status_code == 409
        assert api.post(f"{D}{final}/cancel/", {"reason": "x"}, format="json").status_code == 409
        customs.send(final, "released", now() - dt.timedelta(minutes=1))
        after = ok(api.get(f"{D}{final}/"))
        assert after["status"] == "rejected" and after["number"] == "50510/140726/0000099"
        again = ok(api.post(D, declaration_body("XFE-RJ-2"), format="json"), 201)
        assert again["status"] == "draft"


@pytest.mark.django_db(transaction=True)
def test_parallel_releases_and_re_exports_never_exceed_the_stock(reference_data, settings):
    """Ten callers draw releases for Almaty through `children/`, ten distribute re-exports to
    Tashkent, all at once, 500 kg each against 6,000 kg in stock: exactly twelve succeed."""
    import threading

    from django.db import connection

    from shipments.products import load_products
    from tests.factories import PartnerFactory
    from tradehub.partners.models import Partner
    from tradehub.partners.services import issue_api_key

    settings.CUSTOMS_GATEWAY = "manual"
    load_products()
    owner: Partner = PartnerFactory()  # type: ignore[assignment]
    gateway: Partner = PartnerFactory(is_gateway=True, kind="gateway")  # type: ignore[assignment]
    clients = []
    for who in (owner, gateway):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {issue_api_key(who)[1]}")
        clients.append(client)
    api, customs = clients[0], Customs(clients[1])
    travel = time_machine.travel(JULY, tick=True)
    clock = travel.start()  # the threads live in July too
    wh = released(
        api, customs, clock, declaration_body("XFE-WH-PAR", procedure="customs_warehouse")
    )
    _, key = issue_api_key(owner)
    release = (
        f"{D}{wh}/children/",
        {"procedure": "import", "lines": [{"goods_item": 1, "net_kg": "500.000"}]},
    )
    reexport = (
        f"{D}{wh}/distribution/",
        {"shipments": [destination("UZTAS", "road", 1, "500.000")]},
    )
    threads_n = 20
    barrier = threading.Barrier(threads_n)
    results: list[tuple[str, int]] = []
    lock = threading.Lock()

    def worker(index: int) -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
        url, body = release if index % 2 else reexport
        try:
            barrier.wait()
            response = client.post(url, body, format="json")
            with lock:
                results.append((url, response.status_code))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    travel.stop()
    codes = [code for _, code in results]
    assert sorted(set(codes)) == [201, 409], codes
    assert codes.count(201) == 12
    stock = ok(api.get(f"{D}{wh}/stock/"))
    tomatoes = stock["items"][0]
    assert tomatoes["available"] == {"net_kg": "0.000", "packages": 0}
    drawn = sum(Decimal(d["net_kg"]) for d in tomatoes["drawings"])
    assert drawn == Decimal("6000.000")
    assert {d["procedure"] for d in tomatoes["drawings"]} <= {"import", "reexport"}


def test_tomatoes_stored_in_september_are_released_in_october_under_the_october_code(api, customs):
    """The tariff applies on the release's declaration date: a child drawn from the stock takes
    the seasonal code of that day, and is lodged without a correction."""
    september = dt.datetime(2026, 9, 29, 9, 0, tzinfo=ALMATY)
    phyto = {**PHYTO, "issued_on": "2026-09-26", "valid_until": "2026-10-26"}
    body = declaration_body("XFE-WH-SEA", procedure="customs_warehouse", documents=[phyto, INVOICE])
    with time_machine.travel(september, tick=True) as clock:
        wh = released(api, customs, clock, body)
        clock.move_to(dt.datetime(2026, 10, 2, 10, 0, tzinfo=ALMATY))
        lines = [{"goods_item": 1, "net_kg": "500.000"}, {"goods_item": 2, "net_kg": "10"}]
        child = ok(
            api.post(f"{D}{wh}/children/", {"procedure": "import", "lines": lines}, format="json"),
            201,
        )
        codes = [item["commodity_code"] for item in child["goods_items"]]
        assert codes == ["0702000006", GRAPES]  # October's tomato code; grapes all year
        assert submit(api, child["reference"])["status"] == "submitted"


def test_a_route_the_data_does_not_have_is_400_naming_the_routes_and_creates_nothing(
    api, customs, products
):
    with time_machine.travel(JULY, tick=True) as clock:
        wh_body = declaration_body("XFE-WH-VIA", procedure="customs_warehouse")
        wh = released(api, customs, clock, wh_body)
        good = destination("TJDYU", "road", 1, "100.000", via=["KG"])
        bad = destination("UZTAS", "road", 1, "100.000", via=["KG"])
        response = api.post(f"{D}{wh}/distribution/", {"shipments": [good, bad]}, format="json")
        assert response.status_code == 400
        [error] = response.json()["errors"]
        assert (error["pointer"], error["code"]) == ("/shipments/1/via", "no_such_route")
        assert error["options"] == [[]]  # Tashkent: the direct border only
        lowercase = api.post(
            f"{D}{wh}/distribution/",
            {"shipments": [destination("TJDYU", "road", 1, "1", via=["kg"])]},
            format="json",
        )
        assert lowercase.status_code == 400
        assert pointers(lowercase)[0][0] == "/shipments/0/via/0"
        assert ok(api.get(f"{D}{wh}/children/"))["results"] == []
        read = api.get(f"{D}{wh}/stock/")
        assert ok(read)["items"][0]["available"]["net_kg"] == "6000.000"
        assert read["ETag"] == api.get(f"{D}{wh}/stock/")["ETag"]  # nothing was drawn
        ok(api.post(f"{D}{wh}/distribution/", {"shipments": [good]}, format="json"), 201)
        assert api.get(f"{D}{wh}/stock/")["ETag"] != read["ETag"]


# --- bad input: 400 naming the field, nothing changed ------------------------------------------

BAD_DRAWS = [
    ({"procedure": "free_lunch", "lines": [{"goods_item": 1, "net_kg": "1"}]}, "/procedure"),
    ({"procedure": "import", "lines": []}, "/lines"),
    ({"procedure": "import", "lines": [{"goods_item": 1, "net_kg": "0"}]}, "/lines/0/net_kg"),
    ({"procedure": "import", "lines": [{"goods_item": 1, "net_kg": "-5"}]}, "/lines/0/net_kg"),
    ({"procedure": "import", "lines": [{"goods_item": 0, "net_kg": "1"}]}, "/lines/0/goods_item"),
    ({"procedure": "import", "lines": [{"goods_item": 7, "net_kg": "1"}]}, "/lines/0/goods_item"),
    (
        {"procedure": "import", "lines": [{"goods_item": 1, "net_kg": "1", "packages": -1}]},
        "/lines/0/packages",
    ),
    (
        {
            "procedure": "reexport",
            "lines": [{"goods_item": 1, "net_kg": "1"}],
            "consignee": {"name": "Tashkent Fresh", "country": "Uzbekistan"},
        },
        "/consignee/country",
    ),
    (
        {
            "procedure": "import",
            "lines": [{"goods_item": 1, "net_kg": "1"}],
            "transport_mode": "camel",
        },
        "/transport_mode",
    ),
]


def test_bad_draws_from_the_stock_are_400_naming_the_field_and_change_nothing(api, customs):
    with time_machine.travel(JULY, tick=True) as clock:
        wh_body = declaration_body("XFE-WH-BAD", procedure="customs_warehouse")
        wh = released(api, customs, clock, wh_body)
        before = ok(api.get(f"{D}{wh}/stock/"))
        for body, pointer in BAD_DRAWS:
            response = api.post(f"{D}{wh}/children/", body, format="json")
            assert response.status_code == 400, (body, response.content)
            assert response["Content-Type"] == "application/problem+json"
            assert pointer in [p for p, _ in pointers(response)], (body, pointers(response))
        assert ok(api.get(f"{D}{wh}/stock/")) == before
        assert ok(api.get(f"{D}{wh}/children/"))["results"] == []


def test_bad_transit_reports_and_checklist_entries_are_400_and_change_nothing(
    api, customs, products
):
    with time_machine.travel(JULY, tick=True) as clock:
        ref = released(api, customs, clock, transit_body("XFE-TR-BAD", JULY + dt.timedelta(days=2)))
        url = f"/api/v1/transits/{ref}/arrival/"
        bad = api.post(url, {"occurred_at": "yesterday"}, format="json")
        assert bad.status_code == 400 and pointers(bad)[0][0] == "/occurred_at"
        assert ok(api.get(f"/api/v1/transits/{ref}/"))["status"] == "opened"
        # A deadline that is not a date, a route stop that is not a UN/LOCODE: 400 at the field.
        body = transit_body("XFE-TR-BAD2", JULY)
        body["transit"]["delivery_deadline"] = "soon"
        assert "/transit/delivery_deadline" in [
            p for p, _ in pointers(api.post(D, body, format="json"))
        ]
        # Checklist: an unknown status, a number too long.
        wh = released(
            api, customs, clock, declaration_body("XFE-WH-CHK", procedure="customs_warehouse")
        )
        created = ok(
            api.post(
                f"{D}{wh}/distribution/",
                {"shipments": [destination("KGFRU", "road", 2, "100.000")]},
                format="json",
            ),
            201,
        )
        shipment = created["shipments"][0]
        snt = next(d for d in shipment["required_documents"] if d["type"] == "snt")
        entry = f"/api/v1/shipments/{shipment['reference']}/documents/{snt['sequence']}/"
        for body, pointer in (
            ({"status": "lost"}, "/status"),
            ({"status": "provided", "reference": "X" * 500}, "/reference"),
        ):
            response = api.patch(entry, body, format="json")
            assert response.status_code == 400, response.content
            assert pointer in [p for p, _ in pointers(response)]
        after = ok(api.get(entry))
        assert (after["status"], after["reference"]) == ("missing", snt["reference"])
