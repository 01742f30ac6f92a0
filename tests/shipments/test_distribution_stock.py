"""Distribution from a customs warehouse at Almaty: each destination gets the procedure and the
documents the route data says, a child declaration per shipment, and a checklist that must be
complete before the shipment departs."""

from typing import Any

import pytest

from declarations import services as declaration_services
from declarations.choices import DeclarationStatus as S
from declarations.models import Declaration
from shipments.models import RequiredDocument, Shipment
from tests.declarations.factories import stock_declaration

pytestmark = pytest.mark.django_db

# destination, mode, goods item, kg
CONSIGNEES = [
    ("KZCIT", "road", 1, "1400.000"),
    ("KGFRU", "road", 2, "1000.000"),
    ("UZTAS", "road", 1, "1200.000"),
    ("TJDYU", "road", 1, "800.000"),
    ("TMASB", "rail", 2, "600.000"),
]


def request(destination: str, mode: str, item: int, kg: str) -> dict[str, Any]:
    return {
        "destination": destination,
        "transport_mode": mode,
        "consignee": {"name": f"{destination} Fresh", "country": destination[:2]},
        "planned_departure": "2026-07-21T06:00:00+05:00",
        "planned_arrival": "2026-07-23T18:00:00+05:00",
        "lines": [{"goods_item": item, "net_kg": kg}],
    }


def distribute(api, declaration: Declaration, shipments: list[dict[str, Any]]):
    return api.post(
        f"/api/v1/declarations/{declaration.reference}/distribution/",
        {"shipments": shipments},
        format="json",
    )


@pytest.fixture
def warehouse(partner, products) -> Declaration:
    return stock_declaration(partner)


def by_destination(response) -> dict[str, dict[str, Any]]:
    return {s["destination"]: s for s in response.json()["shipments"]}


def test_each_destination_gets_its_procedure_declaration_and_checklist(api, warehouse):
    response = distribute(api, warehouse, [request(*c) for c in CONSIGNEES])
    assert response.status_code == 201, response.json()
    shipments = by_destination(response)
    assert {code: s["onward_formalities"] for code, s in shipments.items()} == {
        "KZCIT": "free_circulation",
        "KGFRU": "eaeu_mutual_trade",
        "UZTAS": "reexport_under_transit",
        "TJDYU": "reexport_under_transit",
        "TMASB": "reexport_under_transit",
    }
    children = {
        code: Declaration.objects.get(reference=s["onward_declaration"])
        for code, s in shipments.items()
    }
    assert {code: c.procedure for code, c in children.items()} == {
        "KZCIT": "import",
        "KGFRU": "import",
        "UZTAS": "reexport",
        "TJDYU": "reexport",
        "TMASB": "reexport",
    }
    assert all(c.parent_id == warehouse.pk and c.status == S.DRAFT for c in children.values())
    # Lots draw on the child's goods items, which draw on the warehouse's.
    item = Shipment.objects.get(reference=shipments["UZTAS"]["reference"]).lots.get().goods_item
    assert item is not None and item.source_item is not None
    assert item.declaration == children["UZTAS"]
    assert item.source_item.declaration == warehouse

    def checklist(code: str) -> set[tuple[str, str | None]]:
        return {(d["type"], d["country"]) for d in shipments[code]["required_documents"]}

    assert ("snt", None) in checklist("KGFRU")
    assert ("snt", None) not in checklist("KZCIT")
    # Dushanbe by road crosses Uzbekistan: a TIR carnet there; Ashgabat by rail goes through
    # Bolashak - Serhetyaka: no transit country.
    assert ("tir_carnet", "UZ") in checklist("TJDYU")
    assert not any(country for _, country in checklist("TMASB"))
    assert ("phytosanitary_reexport_certificate", None) in checklist("UZTAS")
    reexport_entry = next(
        d for d in shipments["UZTAS"]["required_documents"] if d["type"] == "reexport_declaration"
    )
    assert reexport_entry["reference"] == children["UZTAS"].reference
    assert reexport_entry["status"] == "missing" and reexport_entry["managed"] is True
    warehouse.refresh_from_db()
    assert warehouse.status == S.PARTIALLY_DISTRIBUTED


def test_the_stock_report_shows_what_each_destination_drew(api, warehouse):
    distribute(api, warehouse, [request(*c) for c in CONSIGNEES])
    stock = api.get(f"/api/v1/declarations/{warehouse.reference}/stock/").json()
    tomatoes = stock["items"][0]
    assert tomatoes["available"]["net_kg"] == "2600.000"  # 6000 - 1400 - 1200 - 800
    assert {d["consignee_country"] for d in tomatoes["drawings"]} == {"KZ", "UZ", "TJ"}


def test_over_drawing_the_stock_is_409_and_creates_nothing(api, warehouse):
    response = distribute(
        api,
        warehouse,
        [request("UZTAS", "road", 1, "4000.000"), request("KZCIT", "road", 1, "2000.001")],
    )
    assert response.status_code == 409
    assert response.json()["remaining"][0]["remaining_net_kg"] == "2000.000"
    assert not Shipment.objects.exists()
    assert not warehouse.children.exists()


def test_a_warehouse_not_yet_released_cannot_be_distributed(api, partner, products):
    accepted = stock_declaration(partner, status="accepted")
    response = distribute(api, accepted, [request("UZTAS", "road", 1, "10")])
    assert response.status_code == 409
    assert not Shipment.objects.exists()


def test_a_transit_cannot_be_distributed_before_it_completes(api, partner, products):
    transit = stock_declaration(partner, procedure="transit")
    response = distribute(api, transit, [request("KZCIT", "road", 1, "10")])
    assert response.status_code == 409
    assert "not completed" in response.json()["detail"]


def release(declaration: Declaration) -> None:
    import datetime as dt

    from django.utils import timezone

    declaration = declaration_services.submit(declaration, actor="test")
    now = timezone.now()
    messages: list[tuple[str, str, dict[str, Any]]] = [
        (f"{declaration.reference}-a", "accepted", {"number": f"50510/{declaration.pk:06d}/1"}),
        (f"{declaration.reference}-r", "released", {}),
    ]
    for message_id, kind, extra in messages:
        declaration_services.receive_customs_message(
            declaration,
            message_id=message_id,
            type=kind,
            occurred_at=now + dt.timedelta(seconds=len(kind)),
            **extra,
        )
    declaration_services.apply_customs_messages(declaration)


def departed(api, shipment_reference: str):
    return api.post(
        f"/api/v1/shipments/{shipment_reference}/events/",
        [
            {
                "event_id": f"dep-{shipment_reference}",
                "type": "departed",
                "classifier": "actual",
                "occurred_at": "2026-07-21T06:10:00+05:00",
                "location": "KZALA",
            }
        ],
        format="json",
    )


def test_a_shipment_departs_only_with_every_document_ready(api, warehouse, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    created = distribute(api, warehouse, [request("TJDYU", "road", 1, "800.000")])
    shipment = created.json()["shipments"][0]
    reference = shipment["reference"]
    refused = departed(api, reference)
    assert refused.status_code == 409
    missing = {(d["type"], d["country"]) for d in refused.json()["documents"]}
    assert ("reexport_declaration", None) in missing and ("tir_carnet", "UZ") in missing
    assert "tir_carnet (UZ): missing" in refused.json()["detail"]
    assert not Shipment.objects.get(reference=reference).events.exists()
    # The partner fills the checklist in; the re-export declaration follows its own status.
    for entry in shipment["required_documents"]:
        if entry["managed"]:
            continue
        url = f"/api/v1/shipments/{reference}/documents/{entry['sequence']}/"
        response = api.patch(url, {"status": "provided", "reference": "X-1"}, format="json")
        assert response.status_code == 200, response.json()
    still = departed(api, reference)
    assert still.status_code == 409
    assert [d["type"] for d in still.json()["documents"]] == ["reexport_declaration"]
    release(Declaration.objects.get(reference=shipment["onward_declaration"]))
    entry = RequiredDocument.objects.get(shipment__reference=reference, type="reexport_declaration")
    assert entry.status == "accepted"
    assert departed(api, reference).status_code == 202


def test_the_checklist_api_validates_tenancy_etags_and_managed_entries(api, other_api, warehouse):
    created = distribute(api, warehouse, [request("KGFRU", "road", 2, "100.000")])
    shipment = created.json()["shipments"][0]
    base = f"/api/v1/shipments/{shipment['reference']}/documents/"
    listed = api.get(base).json()["results"]
    assert [d["sequence"] for d in listed] == list(range(1, len(listed) + 1))
    snt = next(d for d in listed if d["type"] == "snt")
    url = f"{base}{snt['sequence']}/"
    read = api.get(url)
    etag = read["ETag"]
    assert api.patch(url, {"status": "provided"}, format="json").status_code == 400  # no number
    stale = api.patch(
        url, {"status": "provided", "reference": "SNT-1"}, format="json", HTTP_IF_MATCH='"x"'
    )
    assert stale.status_code == 412
    ok = api.patch(
        url, {"status": "accepted", "reference": "SNT-KZ-0042"}, format="json", HTTP_IF_MATCH=etag
    )
    assert ok.status_code == 200 and ok.json()["status"] == "accepted"
    assert ok["ETag"] != etag
    managed = next(d for d in listed if d["managed"])
    refused = api.patch(
        f"{base}{managed['sequence']}/", {"status": "accepted", "reference": "x"}, format="json"
    )
    assert refused.status_code == 409
    assert other_api.get(url).status_code == 404
    assert other_api.patch(url, {"status": "missing"}, format="json").status_code == 404
    only_missing = api.get(base, {"status": "accepted"}).json()["results"]
    assert {d["type"] for d in only_missing} == {"snt"}


def test_a_document_without_its_number_is_the_same_refusal_in_the_api_and_the_admin(api, warehouse):
    """The service raises a domain error (shipments.exceptions.ShipmentInvalid): the API
    answers 400 with a pointer, the admin's checklist shows its message."""
    from types import SimpleNamespace

    from django.contrib.messages.storage.cookie import CookieStorage
    from django.test import RequestFactory

    from shipments.admin import save_checklist
    from tests.factories import StaffUserFactory

    created = distribute(api, warehouse, [request("KGFRU", "road", 2, "100.000")])
    reference = created.json()["shipments"][0]["reference"]
    entry = RequiredDocument.objects.get(shipment__reference=reference, type="snt")
    url = f"/api/v1/shipments/{reference}/documents/{entry.sequence}/"
    answer = api.patch(url, {"status": "provided"}, format="json")
    detail = "Give the document's number when it is provided or accepted."
    assert answer.status_code == 400
    assert answer.json()["errors"] == [
        {"pointer": "/reference", "code": "invalid", "detail": detail}
    ]
    http: Any = RequestFactory().post("/admin/")
    http.user = StaffUserFactory()
    http._messages = CookieStorage(http)
    form = SimpleNamespace(
        instance=entry,
        has_changed=lambda: True,
        cleaned_data={"status": "provided", "reference": ""},
    )
    save_checklist(http, SimpleNamespace(forms=[form]))
    assert [str(m) for m in http._messages] == [f"snt: {detail}"]
    entry.refresh_from_db()
    assert entry.status == "missing"
