"""The partner API for declarations, as API.md specifies it."""

import pytest

from declarations import services
from declarations.models import Declaration, GoodsItem
from tests.declarations.factories import (
    MACHINE_PARTS,
    TOMATOES,
    create_declaration,
    payload,
    with_todays_codes,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/declarations/"


def detail(reference, suffix=""):
    return f"{URL}{reference}/{suffix}"


def create(client, **overrides):
    response = client.post(URL, payload(**overrides), format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def pointers(response):
    return [e["pointer"] for e in response.json()["errors"]]


def test_create_answers_201_with_the_documented_fields(api):
    body = create(api)
    assert body["reference"].startswith("DEC-")
    assert body["status"] == "draft" and body["version"] == 1
    assert body["number"] is None and body["channel"] is None
    assert body["totals"] == {
        "gross_kg": "10500.000",
        "net_kg": "10000.000",
        "packages": 2000,
        "invoice_value": {"USD": "17600.00"},
    }
    assert [g["sequence"] for g in body["goods_items"]] == [1, 2]
    assert body["goods_items"][0]["packages"] == {"count": 1200, "kind": "CT"}
    assert body["documents"][0]["goods_items"] == [1, 2]
    assert body["transport_document"] == {"type": "smgs", "number": "SMGS 24 118 773"}
    assert body["office"] == "50510" and body["border_crossing"] == "KZHOR"
    assert "+" in body["created_at"] or body["created_at"].endswith("Z")
    assert isinstance(body["distribution"], list)


def test_totals_are_per_currency(api):
    grapes_cny = {**TOMATOES, "invoice_value": "70000.00", "currency": "CNY"}
    body = create(api, goods_items=[TOMATOES, grapes_cny])
    assert body["totals"]["invoice_value"] == {"CNY": "70000.00", "USD": "9600.00"}


def test_server_owned_fields_in_the_body_are_ignored(api):
    body = create(
        api,
        status="released",
        number="X/1",
        channel="green",
        version=7,
        reference="DEC-MINE",
        created_at="2001-01-01T00:00:00Z",
    )
    assert body["status"] == "draft" and body["number"] is None and body["channel"] is None
    assert body["version"] == 1 and body["reference"] != "DEC-MINE"
    assert not body["created_at"].startswith("2001")


def test_a_partner_in_the_body_never_changes_the_owner(api, partner, other_partner):
    response = api.post(URL, payload(partner=other_partner.reference), format="json")
    assert response.status_code in (201, 400)
    assert not Declaration.objects.filter(partner=other_partner).exists()


def test_a_representation_sent_back_as_read_is_accepted_by_patch(api):
    body = create(api)
    response = api.patch(detail(body["reference"]), body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["goods_items"] == body["goods_items"]


def test_duplicate_lrn_is_409_naming_the_existing_reference(api):
    first = create(api, lrn="DUP-1")
    response = api.post(URL, payload(lrn="DUP-1"), format="json")
    assert response.status_code == 409
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["reference"] == first["reference"]
    assert Declaration.objects.filter(lrn="DUP-1").count() == 1


@pytest.mark.parametrize(
    ("overrides", "pointer"),
    [
        ({"containers": ["CSQU3054384"]}, "/containers/0"),
        ({"containers": ["CSQU3054383", "CSQU305438"]}, "/containers/1"),
        (
            {"goods_items": [{**TOMATOES, "commodity_code": "999999"}]},
            "/goods_items/0/commodity_code",
        ),
        (
            {"goods_items": [MACHINE_PARTS, {**TOMATOES, "commodity_code": "07020"}]},
            "/goods_items/1/commodity_code",
        ),
        ({"goods_items": [{**TOMATOES, "net_kg": "7000.000"}]}, "/goods_items/0/net_kg"),
        ({"goods_items": [{**TOMATOES, "gross_kg": "0"}]}, "/goods_items/0/gross_kg"),
        (
            {"goods_items": [{**TOMATOES, "packages": {"count": 0, "kind": "CT"}}]},
            "/goods_items/0/packages/count",
        ),
        ({"goods_items": [{**TOMATOES, "currency": "XYZ"}]}, "/goods_items/0/currency"),
        ({"goods_items": [{**TOMATOES, "origin_country": "QQ"}]}, "/goods_items/0/origin_country"),
        ({"goods_items": []}, "/goods_items"),
        ({"office": "99999"}, "/office"),
        ({"border_crossing": "XXAAA"}, "/border_crossing"),
        ({"consignee": {"name": "X", "country": "ZZ"}}, "/consignee/country"),
        ({"transport_mode": "teleport"}, "/transport_mode"),
        (
            {"documents": [{"type": "invoice", "number": "I", "goods_items": [3]}]},
            "/documents/0/goods_items/0",
        ),
    ],
)
def test_invalid_input_is_400_with_a_pointer_and_stores_nothing(api, overrides, pointer):
    response = api.post(URL, payload(**overrides), format="json")
    assert response.status_code == 400, response.json()
    assert response["Content-Type"].startswith("application/problem+json")
    assert pointer in pointers(response)
    assert not Declaration.objects.exists() and not GoodsItem.objects.exists()


def test_all_errors_are_reported_together(api):
    bad_item = {**TOMATOES, "commodity_code": "999999", "net_kg": "9000.000"}
    response = api.post(
        URL, payload(containers=["CSQU3054384"], goods_items=[bad_item]), format="json"
    )
    assert response.status_code == 400
    assert {"/containers/0", "/goods_items/0/commodity_code", "/goods_items/0/net_kg"} <= set(
        pointers(response)
    )
    assert not Declaration.objects.exists()


def test_list_is_newest_first_and_filters(api, partner):
    first = create(api, lrn="A-1")
    second = create(api, lrn="A-2")
    services.submit(Declaration.objects.get(reference=first["reference"]), actor="t")
    results = api.get(URL).json()["results"]
    assert [d["reference"] for d in results] == [second["reference"], first["reference"]]
    assert [d["lrn"] for d in api.get(URL, {"status": "submitted"}).json()["results"]] == ["A-1"]
    assert [d["lrn"] for d in api.get(URL, {"lrn": "A-2"}).json()["results"]] == ["A-2"]
    assert api.get(URL, {"channel": "green"}).json()["results"] == []
    assert api.get(URL, {"number": "nope"}).json()["results"] == []
    assert api.get(URL, {"status": "bogus"}).status_code == 400
    since = api.get(URL, {"updated_since": "2100-01-01T00:00:00Z"}).json()["results"]
    assert since == []


def test_another_partners_declaration_is_404(api, other_api):
    body = create(api)
    assert other_api.get(detail(body["reference"])).status_code == 404
    assert other_api.post(detail(body["reference"], "submit/")).status_code == 404
    assert other_api.get(detail(body["reference"], "events/")).status_code == 404
    assert other_api.get(URL).json()["results"] == []


def test_no_credentials_is_401():
    from rest_framework.test import APIClient

    assert APIClient().get(URL).status_code == 401


def test_detail_carries_an_etag(api):
    body = create(api)
    response = api.get(detail(body["reference"]))
    assert response.status_code == 200 and response["ETag"]


def test_patch_edits_a_draft(api):
    body = create(api)
    response = api.patch(
        detail(body["reference"]), {"seals": ["NEW 1"], "status": "released"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["seals"] == ["NEW 1"] and response.json()["status"] == "draft"


def test_patch_with_stale_if_match_is_412(api):
    body = create(api)
    etag = api.get(detail(body["reference"]))["ETag"]
    api.patch(detail(body["reference"]), {"seals": ["A"]}, format="json")
    stale = api.patch(
        detail(body["reference"]), {"seals": ["B"]}, format="json", HTTP_IF_MATCH=etag
    )
    assert stale.status_code == 412


def test_patch_invalid_changes_nothing(api):
    body = create(api)
    response = api.patch(
        detail(body["reference"]),
        {"seals": ["Z"], "goods_items": [{**TOMATOES, "net_kg": "9999.000"}]},
        format="json",
    )
    assert response.status_code == 400
    assert "/goods_items/0/net_kg" in pointers(response)
    assert api.get(detail(body["reference"])).json()["seals"] == ["CN 778812"]


def test_patch_after_submit_is_409(api):
    body = create(api)
    api.post(detail(body["reference"], "submit/"))
    response = api.patch(detail(body["reference"]), {"seals": []}, format="json")
    assert response.status_code == 409


def test_patch_to_an_lrn_already_used_is_409(api):
    create(api, lrn="TAKEN")
    body = create(api, lrn="FREE")
    response = api.patch(detail(body["reference"]), {"lrn": "TAKEN"}, format="json")
    assert response.status_code == 409


def test_submit_is_202_and_submitted(api):
    body = create(api)
    response = api.post(detail(body["reference"], "submit/"))
    assert response.status_code == 202
    assert response.json()["status"] == "submitted"
    assert api.post(detail(body["reference"], "submit/")).status_code == 409


def test_tomatoes_without_phytosanitary_certificate_cannot_be_submitted(api):
    invoice = {"type": "invoice", "number": "INV-1"}
    body = create(api, goods_items=[MACHINE_PARTS, TOMATOES], documents=[invoice])
    response = api.post(detail(body["reference"], "submit/"))
    assert response.status_code == 400
    assert pointers(response) == ["/goods_items/1", "/documents"]
    assert "Cherry tomatoes" in response.json()["errors"][0]["detail"]
    assert api.get(detail(body["reference"])).json()["status"] == "draft"


def test_an_import_declaration_needs_a_commercial_invoice_to_be_submitted(api):
    body = create(api, goods_items=[MACHINE_PARTS], documents=[])
    response = api.post(detail(body["reference"], "submit/"))
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [(e["pointer"], e["code"]) for e in errors] == [("/documents", "invoice_required")]
    assert api.get(detail(body["reference"])).json()["status"] == "draft"
    # Other procedures declare no invoice requirement: a customs warehouse goes without one.
    transit = create(
        api,
        lrn="NO-INV-TRANSIT",
        procedure="customs_warehouse",
        goods_items=[MACHINE_PARTS],
        documents=[],
    )
    assert api.post(detail(transit["reference"], "submit/")).status_code == 202


def test_amend_creates_version_two_and_resubmits(api):
    body = create(api)
    api.post(detail(body["reference"], "submit/"))
    amendment = with_todays_codes({"goods_items": [dict(TOMATOES)]})
    response = api.post(detail(body["reference"], "amend/"), amendment, format="json")
    assert response.status_code == 202
    assert response.json()["version"] == 2 and response.json()["status"] == "submitted"
    versions = api.get(detail(body["reference"], "versions/")).json()["results"]
    assert [v["version"] for v in versions] == [1]
    assert len(versions[0]["snapshot"]["goods_items"]) == 2
    one = api.get(detail(body["reference"], "versions/1/"))
    assert one.status_code == 200 and one.json()["snapshot"]["version"] == 1


def test_amend_after_release_is_409(api, gateway_api):
    body = create(api)
    api.post(detail(body["reference"], "submit/"))
    gateway_api.post(
        detail(body["reference"], "customs-messages/"),
        {"message_id": "r1", "type": "released", "occurred_at": "2025-07-15T10:00:00+05:00"},
        format="json",
    )
    response = api.post(detail(body["reference"], "amend/"), {}, format="json")
    assert response.status_code == 409


def test_cancel_a_draft_at_once_and_a_submitted_one_on_request(api):
    draft = create(api, lrn="C-1")
    response = api.post(detail(draft["reference"], "cancel/"), {"reason": "dup"}, format="json")
    assert response.status_code == 202 and response.json()["status"] == "cancelled"
    lodged = create(api, lrn="C-2")
    api.post(detail(lodged["reference"], "submit/"))
    response = api.post(detail(lodged["reference"], "cancel/"), {"reason": "x"}, format="json")
    assert response.status_code == 202
    assert response.json()["status"] == "submitted"
    assert response.json()["cancellation"]["reason"] == "x"
    assert api.post(detail(draft["reference"], "cancel/"), {}, format="json").status_code == 409


def test_events_list_the_history_in_order(api):
    body = create(api)
    api.post(detail(body["reference"], "submit/"))
    events = api.get(detail(body["reference"], "events/")).json()["results"]
    assert [e["type"] for e in events] == ["created", "submitted"]
    assert set(events[0]) == {"type", "occurred_at", "actor", "payload"}
    assert "Xinjiang Fresh Export Co" in events[0]["actor"]


def test_owner_reads_customs_messages_but_only_gateways_post_them(api, gateway_api, other_api):
    body = create(api)
    api.post(detail(body["reference"], "submit/"))
    url = detail(body["reference"], "customs-messages/")
    message = {"message_id": "m1", "type": "accepted", "occurred_at": "2025-07-15T10:00:00Z"}
    assert api.post(url, message, format="json").status_code == 403
    assert api.get(url).json()["results"] == []
    posted = gateway_api.post(
        url, {**message, "number": "50510/150725/0000001", "channel": "green"}, format="json"
    )
    assert posted.status_code == 202, posted.content
    mine = api.get(url)
    assert mine.status_code == 200
    assert [m["message_id"] for m in mine.json()["results"]] == ["m1"]
    later = api.get(url, {"updated_since": "2999-01-01T00:00:00Z"}).json()["results"]
    assert later == []
    assert other_api.get(url).status_code == 404  # another partner: as if missing


def test_gateway_reads_every_partners_declarations_but_cannot_edit_them(api, gateway_api):
    body = create(api)
    assert gateway_api.get(detail(body["reference"])).status_code == 200
    assert body["reference"] in [d["reference"] for d in gateway_api.get(URL).json()["results"]]
    assert gateway_api.post(detail(body["reference"], "submit/")).status_code == 404


MESSAGES = [
    {
        "message_id": "GW-1",
        "type": "accepted",
        "occurred_at": "2025-07-15T10:00:00+05:00",
        "number": "50510/150725/0000042",
        "channel": "yellow",
    },
    {
        "message_id": "GW-2",
        "type": "control",
        "occurred_at": "2025-07-15T10:05:00+05:00",
        "channel": "yellow",
    },
    {"message_id": "GW-3", "type": "released", "occurred_at": "2025-07-15T12:00:00+05:00"},
]


def run_messages(client, api, order, lrn):
    body = create(api, lrn=lrn)
    api.post(detail(body["reference"], "submit/"))
    for message in order:
        message = {**message, "message_id": f"{lrn}-{message['message_id']}"}
        if message["type"] == "accepted":
            message["number"] = f"50510/150725/{lrn}"
        response = client.post(
            detail(body["reference"], "customs-messages/"), message, format="json"
        )
        assert response.status_code == 202, response.json()
    final = api.get(detail(body["reference"])).json()
    return (
        final["status"],
        final["channel"],
        final["number"] == f"50510/150725/{lrn}",
        final["accepted_at"],
        final["released_at"],
    )


def test_customs_messages_twice_and_out_of_order_end_in_the_in_order_state(api, gateway_api):
    in_order = run_messages(gateway_api, api, MESSAGES, "M-1")
    assert in_order[0] == "released" and in_order[1] == "yellow" and in_order[2]
    shuffled = [MESSAGES[2], MESSAGES[1], MESSAGES[2], MESSAGES[0], MESSAGES[0]]
    assert run_messages(gateway_api, api, shuffled, "M-2") == in_order


def test_duplicate_customs_message_is_flagged(api, gateway_api):
    body = create(api)
    api.post(detail(body["reference"], "submit/"))
    url = detail(body["reference"], "customs-messages/")
    first = gateway_api.post(url, MESSAGES[2], format="json").json()
    again = gateway_api.post(url, MESSAGES[2], format="json").json()
    assert (first["duplicate"], again["duplicate"]) == (False, True)
    assert again["status"] == "released"
    listed = gateway_api.get(url).json()["results"]
    assert [m["message_id"] for m in listed] == ["GW-3"]


def test_message_id_reused_with_other_content_is_409(api, gateway_api):
    body = create(api)
    api.post(detail(body["reference"], "submit/"))
    url = detail(body["reference"], "customs-messages/")
    gateway_api.post(url, MESSAGES[2], format="json")
    response = gateway_api.post(url, {**MESSAGES[2], "type": "rejected"}, format="json")
    assert response.status_code == 409


def test_rejection_errors_are_shown_on_the_declaration(api, staff_api):
    body = create(api)
    api.post(detail(body["reference"], "submit/"))
    errors = [{"pointer": "/goods_items/0/commodity_code", "code": "misclassified", "detail": "d"}]
    response = staff_api.post(
        detail(body["reference"], "customs-messages/"),
        {
            "message_id": "X1",
            "type": "rejected",
            "occurred_at": "2025-07-15T10:00:00Z",
            "errors": errors,
        },
        format="json",
    )
    assert response.status_code == 202 and response.json()["status"] == "rejected"
    assert api.get(detail(body["reference"])).json()["rejection_errors"] == errors


@pytest.mark.parametrize(
    ("message", "pointer"),
    [
        ({"type": "bogus"}, "/type"),
        ({"occurred_at": "yesterday"}, "/occurred_at"),
        ({"type": "cancellation_decision"}, "/accepted"),
        ({"type": "control", "channel": "green"}, "/channel"),
    ],
)
def test_invalid_customs_message_is_400(api, gateway_api, message, pointer):
    body = create(api)
    api.post(detail(body["reference"], "submit/"))
    base = {"message_id": "B1", "type": "released", "occurred_at": "2025-07-15T10:00:00Z"}
    response = gateway_api.post(
        detail(body["reference"], "customs-messages/"), {**base, **message}, format="json"
    )
    assert response.status_code == 400
    assert pointer in pointers(response)


def test_customs_message_for_a_draft_is_409(api, gateway_api):
    body = create(api)
    response = gateway_api.post(
        detail(body["reference"], "customs-messages/"),
        {"message_id": "D1", "type": "released", "occurred_at": "2025-07-15T10:00:00Z"},
        format="json",
    )
    assert response.status_code == 409


def test_staff_see_every_partners_declarations(api, staff_api):
    body = create(api)
    assert staff_api.get(detail(body["reference"])).status_code == 200


def test_factory_declaration_is_visible_to_its_partner(partner, client_for):
    declaration = create_declaration(partner)
    assert client_for(partner).get(detail(declaration.reference)).status_code == 200


def test_customs_message_with_explicit_nulls_is_accepted(api, gateway_api):
    body = create(api)
    api.post(detail(body["reference"], "submit/"))
    message = {
        "message_id": "NULLS-1",
        "type": "released",
        "occurred_at": "2025-07-15T10:00:00+05:00",
        "number": None,
        "channel": None,
        "errors": None,
        "accepted": None,
    }
    response = gateway_api.post(
        detail(body["reference"], "customs-messages/"), message, format="json"
    )
    assert response.status_code == 202, response.json()
    assert response.json()["status"] == "released"
