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


def destination(code: str, mode: str, item: int, kg: str, via: list[str] | None = None):
    request: dict[str, Any] = {
        "destination": code,
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
    api, customs, products, django_capture_on_commit_callbacks
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
            destination("TMASB", "rail", 2, "600.000"),
        ]
        created = ok(
            api.post(f"{D}{wh}/distribution/", {"shipments": requests}, format="json"), 201
        )
        shipments = {s["destination"]: s for s in created["shipments"]}
        assert {code: s["onward_formalities"] for code, s in shipments.items()} == {
            "KZCIT": "free_circulation",
            "KGFRU": "eaeu_mutual_trade",
            "UZTAS": "reexport_under_transit",
            "TJDYU": "reexport_under_transit",
            "TMASB": "reexport_under_transit",
        }

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
        assert [c for c in shipments if ("snt", None) in checklist(c)] == ["KGFRU"]

        children = {
            code: ok(api.get(f"{D}{s['onward_declaration']}/")) for code, s in shipments.items()
        }
        assert {code: c["procedure"] for code, c in children.items()} == {
            "KZCIT": "import",
            "KGFRU": "import",
            "UZTAS": "reexport",
            "TJDYU": "reexport",
            "TMASB": "reexport",
        }
        assert all(c["parent"] == wh for c in children.values())
        assert children["UZTAS"]["consignee"]["country"] == "UZ"
        assert children["KZCIT"]["consignee"]["country"] == "KZ"

        # The stock shows what went where.
        stock = ok(api.get(f"{D}{wh}/stock/"))
        assert stock["items"][0]["available"]["net_kg"] == "2600.000"  # 6000-1400-1200-800
        assert stock["items"][1]["available"]["net_kg"] == "2400.000"  # 4000-1000-600
        assert {
            (d["declaration"], d["consignee_country"]) for d in stock["items"][0]["drawings"]
        } == {(children[c]["reference"], c[:2]) for c in ("KZCIT", "UZTAS", "TJDYU")}

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
        assert tomatoes["reexported"]["net_kg"] == "2000.000"
        assert tomatoes["in_stock"]["net_kg"] == "2600.000"

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
