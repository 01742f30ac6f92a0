"""A stock under customs control: child declarations (release for free circulation, re-export)
draw on it by goods item, never more than declared, and give it back when cancelled or refused."""

from dataclasses import replace

import pytest

from declarations import services
from declarations.choices import DeclarationStatus as S
from declarations.exceptions import AllocationExceeded, DeclarationInvalid, ProcedureNotAllowed
from declarations.models import Declaration
from declarations.selectors import stock_report
from tests.declarations.factories import payload, stock_declaration, validated

pytestmark = pytest.mark.django_db


def post(declaration, message_id, type, **data):
    import datetime as dt

    from django.utils import timezone

    services.receive_customs_message(
        declaration,
        message_id=message_id,
        type=type,
        occurred_at=timezone.now() + dt.timedelta(seconds=1),
        **data,
    )
    return services.apply_customs_messages(declaration)


def draw(parent, procedure="import", lines=((1, "1000.000", 200),), **kw):
    from decimal import Decimal

    return services.draw_from_stock(
        parent,
        partner=parent.partner,
        procedure=procedure,
        lines=[(seq, Decimal(kg), packages) for seq, kg, packages in lines],
        actor="test",
        **kw,
    )


def column(report, item, name):
    return report["items"][item - 1][name]["net_kg"]


def test_a_release_drawn_by_lines_copies_the_goods_pro_rata_and_keeps_the_papers():
    parent = stock_declaration()
    child = draw(parent, lines=[(1, "1500.000", 300), (2, "400.000", 0)])
    assert child.parent == parent and child.status == S.DRAFT and child.procedure == "import"
    assert child.lrn == f"{parent.lrn}/01"
    first, second = child.goods_items.order_by("sequence")
    assert (first.source_item.sequence, first.net_kg, first.packages_count) == (1, 1500, 300)
    assert first.gross_kg == 1525  # 6100 gross for 6000 net, pro rata
    assert first.invoice_value == 3000  # 12000 USD for 6000 kg
    assert second.packages_count == 80  # not given: pro rata of 800 packages
    assert first.storage_place.startswith("Customs warehouse KZ-0505")
    assert set(child.documents.values_list("type", flat=True)) == {
        "invoice",
        "phytosanitary_certificate",
    }
    # The importer in Kazakhstan is the warehouse declaration's consignee.
    assert child.consignee["country"] == "KZ"
    # The invoice came along, so the import can be lodged.
    assert services.submission_errors(child) == []
    parent.refresh_from_db()
    assert parent.status == S.PARTIALLY_DISTRIBUTED


def test_a_re_export_is_consigned_to_the_foreign_buyer_by_the_goods_owner():
    parent = stock_declaration()
    buyer = {"name": "Tashkent Fresh Market LLC", "country": "UZ"}
    child = draw(parent, procedure="reexport", consignee=buyer)
    assert child.consignee == buyer
    assert child.consignor["name"] == "Almaty Fresh Distribution LLP"
    assert child.border_crossing is None


def test_the_stock_report_tells_released_reexported_reserved_and_what_remains():
    parent = stock_declaration()
    release = draw(parent, lines=[(1, "1000.000", 200)])
    reexport = draw(parent, procedure="reexport", lines=[(1, "2000.000", 400)])
    draft = draw(parent, lines=[(1, "500.000", 100)])
    for child, mid in ((release, "r"), (reexport, "x")):
        child = services.submit(child, actor="test")
        child = post(child, f"{mid}-a", "accepted", number=f"50510/010126/00000{len(mid)}{mid}")
        post(child, f"{mid}-r", "released")
    report = stock_report(parent)
    assert report["available"] is True and report["procedure"] == "customs_warehouse"
    assert column(report, 1, "declared") == "6000.000"
    assert column(report, 1, "released") == "1000.000"
    assert column(report, 1, "reexported") == "2000.000"
    assert column(report, 1, "reserved") == "500.000"
    assert column(report, 1, "in_stock") == "3000.000"  # the draft's goods have not left
    assert column(report, 1, "available") == "2500.000"
    assert report["items"][0]["storage_place"].startswith("Customs warehouse")
    drawn = {
        (d["declaration"], d["procedure"], d["status"]) for d in report["items"][0]["drawings"]
    }
    assert (draft.reference, "import", "draft") in drawn
    assert column(report, 2, "available") == "4000.000"


def test_drawing_more_than_remains_is_refused_and_creates_nothing():
    parent = stock_declaration()
    draw(parent, procedure="reexport", lines=[(1, "5000.000", 1000)])
    with pytest.raises(AllocationExceeded) as info:
        draw(parent, lines=[(1, "1000.001", 1)])
    assert info.value.remaining[0]["remaining_net_kg"] == "1000.000"
    assert parent.children.count() == 1
    with pytest.raises(AllocationExceeded):
        draw(parent, lines=[(1, "10.000", 201)])  # packages: 200 left


def test_a_cancelled_or_refused_child_gives_its_goods_back_to_the_stock():
    parent = stock_declaration()
    child = draw(parent, lines=[(1, "6000.000", 1200), (2, "4000.000", 800)])
    parent.refresh_from_db()
    assert parent.status == S.DISTRIBUTED
    services.request_cancellation(child, reason="buyer withdrew", actor="test")
    parent.refresh_from_db()
    assert parent.status == S.PARTIALLY_DISTRIBUTED
    assert column(stock_report(parent), 1, "available") == "6000.000"
    refused = draw(parent, lines=[(1, "6000.000", 1200)])
    refused = services.submit(refused, actor="test")
    refused = post(refused, "a", "accepted", number="50510/010126/0000042")
    post(refused, "x", "rejected", errors=[])
    assert column(stock_report(parent), 1, "available") == "6000.000"


def test_amending_a_child_rechecks_what_it_draws_against_the_others():
    parent = stock_declaration()
    child = draw(parent, lines=[(1, "1000.000", 200)])
    draw(parent, procedure="reexport", lines=[(1, "4000.000", 800)])
    item = {**_item_of(child), "net_kg": "2000.000", "gross_kg": "2050.000"}
    data = validated({"goods_items": [item]}, partial=True)
    services.update_draft(child, data=data, actor="test")  # 2000 + 4000 = 6000: fits
    item = {**item, "net_kg": "2000.001", "gross_kg": "2050.000"}
    with pytest.raises(AllocationExceeded):
        services.update_draft(child, data=validated({"goods_items": [item]}, True), actor="t")
    child.refresh_from_db()
    assert child.goods_items.get().net_kg == 2000


def _item_of(child):
    item = child.goods_items.get()
    return {
        "description": item.description,
        "commodity_code": item.commodity_code,
        "origin_country": item.origin_country,
        "packages": {"count": item.packages_count, "kind": item.packages_kind},
        "gross_kg": f"{item.gross_kg}",
        "net_kg": f"{item.net_kg}",
        "invoice_value": f"{item.invoice_value}",
        "currency": item.currency,
        "source_item": item.source_item.sequence,
    }


def test_nothing_is_drawn_from_a_stock_customs_has_not_released_into_the_warehouse():
    parent = stock_declaration(status="accepted")
    with pytest.raises(ProcedureNotAllowed) as info:
        draw(parent)
    assert info.value.code == "stock_not_available"


def test_goods_released_for_free_circulation_are_no_stock():
    parent = stock_declaration(procedure="import")
    with pytest.raises(ProcedureNotAllowed) as info:
        draw(parent, procedure="reexport")
    assert info.value.code == "procedure_not_allowed"


def test_a_transit_that_has_not_completed_holds_no_stock_yet():
    parent = stock_declaration(procedure="transit")
    with pytest.raises(ProcedureNotAllowed) as info:
        draw(parent, procedure="customs_warehouse")
    assert "not completed" in str(info.value)


def test_a_re_export_must_name_the_stock_it_leaves_from():
    from tests.factories import PartnerFactory

    body = validated(payload(lrn="RX-1", procedure="reexport"))
    with pytest.raises(DeclarationInvalid) as info:
        services.create_declaration(partner=PartnerFactory.create(), data=body, actor="t")
    assert info.value.errors[0]["pointer"] == "/parent"


def test_a_child_item_must_name_an_item_of_the_parent_of_the_same_subheading():
    parent = stock_declaration()
    body = validated(payload(lrn="C-1"))
    body = replace(
        body,
        parent=parent,
        goods_items=[replace(item, source_item=None) for item in body.goods_items],
    )
    with pytest.raises(DeclarationInvalid) as info:
        services.create_declaration(partner=parent.partner, data=body, actor="t")
    assert [e["pointer"] for e in info.value.errors] == [
        "/goods_items/0/source_item",
        "/goods_items/1/source_item",
    ]
    # Tomatoes drawn from the grapes.
    body = replace(body, goods_items=[replace(item, source_item=2) for item in body.goods_items])
    with pytest.raises(DeclarationInvalid) as info:
        services.create_declaration(partner=parent.partner, data=body, actor="t")
    assert [e["pointer"] for e in info.value.errors] == ["/goods_items/0/commodity_code"]
    assert not Declaration.objects.filter(lrn="C-1").exists()


# --- API ----------------------------------------------------------------------------------------


def test_the_api_draws_a_release_and_shows_the_stock(api, partner):
    parent = stock_declaration(partner)
    url = f"/api/v1/declarations/{parent.reference}/children/"
    response = api.post(
        url,
        {
            "procedure": "import",
            "lines": [{"goods_item": 1, "net_kg": "1200.000", "packages": 240}],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    child = response.json()
    assert child["parent"] == parent.reference and child["status"] == "draft"
    assert child["goods_items"][0]["source_item"] == 1
    listed = api.get(url).json()["results"]
    assert [c["reference"] for c in listed] == [child["reference"]]
    filtered = api.get("/api/v1/declarations/", {"parent": parent.reference}).json()["results"]
    assert [c["reference"] for c in filtered] == [child["reference"]]
    stock = api.get(f"/api/v1/declarations/{parent.reference}/stock/").json()
    assert stock["items"][0]["reserved"] == {"net_kg": "1200.000", "packages": 240}
    assert stock["items"][0]["available"]["net_kg"] == "4800.000"


def test_the_api_answers_409_with_what_remains(api, partner):
    parent = stock_declaration(partner)
    url = f"/api/v1/declarations/{parent.reference}/children/"
    line = {"goods_item": 2, "net_kg": "4000.001", "packages": 1}
    response = api.post(url, {"procedure": "reexport", "lines": [line]}, format="json")
    assert response.status_code == 409
    assert response.json()["remaining"][0]["remaining_net_kg"] == "4000.000"
    bad = api.post(
        url, {"procedure": "import", "lines": [{"goods_item": 9, "net_kg": "1"}]}, format="json"
    )
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["pointer"] == "/lines/0/goods_item"
    assert not parent.children.exists()


def test_a_full_child_body_with_a_parent_is_accepted_by_post_declarations(api, partner):
    parent = stock_declaration(partner)
    body = payload(lrn="FULL-CHILD", procedure="reexport", parent=parent.reference)
    body["goods_items"][0]["source_item"] = 1
    body["goods_items"][1]["source_item"] = 2
    response = api.post("/api/v1/declarations/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["parent"] == parent.reference


def test_another_partners_stock_is_not_found(other_api, partner):
    parent = stock_declaration(partner)
    assert other_api.get(f"/api/v1/declarations/{parent.reference}/stock/").status_code == 404
    body = payload(lrn="THEIRS", procedure="reexport", parent=parent.reference)
    response = other_api.post("/api/v1/declarations/", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "/parent"
