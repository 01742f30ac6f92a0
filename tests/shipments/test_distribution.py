"""Distribution of a released declaration into regional shipments."""

from decimal import Decimal
from typing import Any

import pytest

from declarations.models import Declaration
from shipments.models import Lot, Shipment
from tests.shipments.factories import make_shipment, released_declaration

pytestmark = pytest.mark.django_db


def shipment(destination: str, lines: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "destination": destination,
        "consignee": {"name": f"{destination} Fresh", "country": destination[:2]},
        "planned_departure": "2026-07-21T06:00:00+05:00",
        "planned_arrival": "2026-07-22T18:00:00+05:00",
        "lines": lines,
    }


def distribute(api, declaration: Declaration, shipments: list[dict[str, Any]]):
    return api.post(
        f"/api/v1/declarations/{declaration.reference}/distribution/",
        {"shipments": shipments},
        format="json",
    )


@pytest.fixture
def declaration(partner, products) -> Declaration:
    return released_declaration(partner)


def test_import_goods_go_where_free_circulation_allows_with_their_checklists(api, declaration):
    body = [
        shipment(code, [{"goods_item": 1, "net_kg": "1000.000", "packages": 200}])
        for code in ("KZCIT", "KGFRU")
    ]
    response = distribute(api, declaration, body)
    assert response.status_code == 201, response.json()
    data = response.json()
    formalities = {s["destination"]: s["onward_formalities"] for s in data["shipments"]}
    assert formalities == {"KZCIT": "free_circulation", "KGFRU": "eaeu_mutual_trade"}
    assert all(s["kind"] == "distribution" and s["origin"] == "KZALA" for s in data["shipments"])
    assert data["shipments"][0]["lots"][0]["product"] == "cherry-tomato"  # inferred from 070200
    assert data["shipments"][0]["lots"][0]["goods_item"] == 1
    assert data["shipments"][0]["declaration"] == declaration.reference
    # The goods were released under this very declaration: no other declaration is drawn.
    assert data["shipments"][0]["onward_declaration"] is None
    checklists = {
        s["destination"]: {d["type"]: d["status"] for d in s["required_documents"]}
        for s in data["shipments"]
    }
    assert checklists["KZCIT"] == {
        "import_declaration": "accepted",
        "invoice": "missing",
        "transport_document": "missing",
    }
    # Mutual EAEU trade: the Kazakh SNT, the buyer's indirect-tax application and, for fresh
    # tomatoes (regulated), the quarantine certificate.
    assert checklists["KGFRU"] == {
        "import_declaration": "accepted",
        "invoice": "missing",
        "snt": "missing",
        "indirect_tax_application": "missing",
        "quarantine_certificate": "missing",
        "transport_document": "missing",
    }
    declaration.refresh_from_db()
    assert declaration.status == "partially_distributed" == data["declaration_status"]


@pytest.mark.parametrize("destination", ["UZTAS", "TJDYU", "TMASB"])
def test_import_goods_cannot_go_outside_the_union_409_names_the_procedure(
    api, declaration, destination
):
    response = distribute(
        api, declaration, [shipment(destination, [{"goods_item": 1, "net_kg": "100"}])]
    )
    assert response.status_code == 409
    body = response.json()
    assert body["procedure"] == "reexport_under_transit"
    assert "reexport_under_transit" in body["detail"]
    assert not Shipment.objects.exists()


def test_allocating_everything_marks_the_declaration_distributed(api, declaration):
    response = distribute(
        api,
        declaration,
        [
            shipment("KGFRU", [{"goods_item": 1, "net_kg": "6000.000", "packages": 1200}]),
            shipment("KZCIT", [{"goods_item": 2, "net_kg": "4000.000", "packages": 800}]),
        ],
    )
    assert response.status_code == 201
    declaration.refresh_from_db()
    assert declaration.status == "distributed"
    # Nothing is left: any further allocation conflicts.
    again = distribute(api, declaration, [shipment("KGFRU", [{"goods_item": 1, "net_kg": "1"}])])
    assert again.status_code == 409


def test_over_allocation_is_409_with_the_remaining_quantity_and_changes_nothing(api, declaration):
    distribute(
        api,
        declaration,
        [shipment("KZCIT", [{"goods_item": 1, "net_kg": "5000", "packages": 100}])],
    )
    response = distribute(
        api,
        declaration,
        [
            shipment("KGFRU", [{"goods_item": 2, "net_kg": "100"}]),
            shipment("KZALA", [{"goods_item": 1, "net_kg": "1000.001"}]),
        ],
    )
    assert response.status_code == 409
    body = response.json()
    assert body["remaining"] == [
        {
            "goods_item": 1,
            "declared_net_kg": "6000.000",
            "allocated_net_kg": "5000.000",
            "remaining_net_kg": "1000.000",
            "remaining_packages": 1100,
        }
    ]
    assert "1000.000 kg" in body["detail"]
    assert Shipment.objects.count() == 1
    declaration.refresh_from_db()
    assert declaration.status == "partially_distributed"


def test_two_lines_of_one_request_are_summed_against_the_goods_item(api, declaration):
    response = distribute(
        api,
        declaration,
        [
            shipment("KGFRU", [{"goods_item": 2, "net_kg": "3000"}]),
            shipment("KZCIT", [{"goods_item": 2, "net_kg": "1500"}]),
        ],
    )
    assert response.status_code == 409
    assert not Shipment.objects.exists()


def test_packages_cannot_be_over_allocated_either(api, declaration):
    response = distribute(
        api, declaration, [shipment("KGFRU", [{"goods_item": 2, "net_kg": "10", "packages": 801}])]
    )
    assert response.status_code == 409


@pytest.mark.parametrize("status", ["draft", "submitted", "accepted", "under_control", "cancelled"])
def test_only_released_declarations_can_be_distributed(api, partner, products, status):
    declaration = released_declaration(partner, status=status)
    response = distribute(api, declaration, [shipment("KGFRU", [{"goods_item": 1, "net_kg": "1"}])])
    assert response.status_code == 409
    assert not Shipment.objects.exists()


def test_ambiguous_commodity_code_asks_for_a_product(api, partner, products):
    declaration = released_declaration(partner, items=[("0808300000", "1000", 100)])  # pears
    response = distribute(
        api, declaration, [shipment("KGFRU", [{"goods_item": 1, "net_kg": "10"}])]
    )
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["pointer"] == "/shipments/0/lines/0/product"
    assert "asian-pear" in error["detail"] and "european-pear" in error["detail"]
    ok = distribute(
        api,
        declaration,
        [shipment("KGFRU", [{"goods_item": 1, "net_kg": "10", "product": "asian-pear"}])],
    )
    assert ok.status_code == 201
    assert ok.json()["shipments"][0]["lots"][0]["product"] == "asian-pear"


def test_unknown_goods_item_and_unknown_destination_are_400_and_atomic(api, declaration):
    response = distribute(
        api,
        declaration,
        [
            shipment("KGFRU", [{"goods_item": 1, "net_kg": "10"}]),
            shipment("XXXXX", [{"goods_item": 9, "net_kg": "10"}]),
        ],
    )
    assert response.status_code == 400
    pointers = {e["pointer"] for e in response.json()["errors"]}
    assert "/shipments/1/destination" in pointers
    response = distribute(
        api,
        declaration,
        [
            shipment("KGFRU", [{"goods_item": 1, "net_kg": "10"}]),
            shipment("KZCIT", [{"goods_item": 9, "net_kg": "10"}]),
        ],
    )
    assert [e["pointer"] for e in response.json()["errors"]] == ["/shipments/1/lines/0/goods_item"]
    assert not Shipment.objects.exists()


def test_another_partners_declaration_answers_404(other_api, declaration):
    response = distribute(
        other_api, declaration, [shipment("KGFRU", [{"goods_item": 1, "net_kg": "1"}])]
    )
    assert response.status_code == 404


def test_distribution_summary_appears_on_the_declaration(api, declaration):
    from declarations.hooks import distribution_summary

    distribute(
        api,
        declaration,
        [shipment("KGFRU", [{"goods_item": 1, "net_kg": "1500", "packages": 300}])],
    )
    summary = distribution_summary(declaration)
    assert summary[0]["allocated_net_kg"] == "1500.000"
    assert summary[0]["remaining_net_kg"] == "4500.000"
    assert summary[1]["allocated_net_kg"] == "0.000"
    assert len(summary[0]["shipments"]) == 1


def test_split_inherits_the_inbound_lots_packing_date(api, partner, declaration):
    import datetime as dt

    from tests.shipments.factories import make_shipment

    packed = dt.date.today() - dt.timedelta(days=3)
    make_shipment(
        partner,
        declaration=declaration,
        lots=[
            {
                "product": "cherry-tomato",
                "goods_item": declaration.goods_items.get(sequence=1),
                "packed_on": packed,
                "lot_code": "CT-42",
            }
        ],
    )
    response = distribute(
        api, declaration, [shipment("KGFRU", [{"goods_item": 1, "net_kg": "100"}])]
    )
    lot = response.json()["shipments"][0]["lots"][0]
    assert lot["packed_on"] == packed.isoformat()
    assert lot["lot_code"] == "CT-42"
    assert Lot.objects.filter(goods_item__declaration=declaration).count() == 2


def test_stale_if_match_on_distribution_is_412_and_changes_nothing(api, declaration):
    response = api.post(
        f"/api/v1/declarations/{declaration.reference}/distribution/",
        {"shipments": [shipment("KGFRU", [{"goods_item": 1, "net_kg": "1"}])]},
        format="json",
        HTTP_IF_MATCH='"stale"',
    )
    assert response.status_code == 412
    assert not Shipment.objects.exists()


def test_shipment_detail_carries_an_etag(api, declaration):
    created = distribute(api, declaration, [shipment("KGFRU", [{"goods_item": 1, "net_kg": "1"}])])
    reference = created.json()["shipments"][0]["reference"]
    assert api.get(f"/api/v1/shipments/{reference}/").has_header("ETag")


def test_every_invalid_line_of_every_shipment_is_reported_in_one_answer(api, declaration):
    body = [
        shipment(
            "KZCIT",
            [
                {"goods_item": 1, "net_kg": "-5", "packages": 1},  # field error
                {"goods_item": 9, "net_kg": "10.000", "packages": 1},  # no such goods item
            ],
        ),
        shipment(
            "KGFRU",
            [
                {"goods_item": 1, "net_kg": "10.000", "packages": 1, "product": "cherry-tomato"},
                {"goods_item": 7, "net_kg": "abc"},  # both fields wrong
            ],
        ),
    ]
    response = distribute(api, declaration, body)
    assert response.status_code == 400
    pointers = sorted(error["pointer"] for error in response.json()["errors"])
    assert pointers == [
        "/shipments/0/lines/0/net_kg",
        "/shipments/0/lines/1/goods_item",
        "/shipments/1/lines/1/goods_item",
        "/shipments/1/lines/1/net_kg",
    ]
    assert not Shipment.objects.exists()


def test_a_line_whose_code_names_no_product_asks_for_it_in_one_wording(
    api, admin_client, declaration
):
    from django.urls import reverse

    declaration.goods_items.filter(sequence=1).update(commodity_code="0101210000")
    line = {"goods_item": 1, "net_kg": "10.000", "packages": 2}
    response = distribute(api, declaration, [shipment("KZCIT", [line])])
    assert response.status_code == 400
    expected = "No product matches commodity code 0101210000: give `product`."
    assert response.json()["errors"] == [
        {
            "pointer": "/shipments/0/lines/0/product",
            "code": "product_required",
            "detail": expected,
        }
    ]
    # The admin's distribution form says the same (shipments.exceptions.ProductRequired).
    page = admin_client.post(
        reverse("admin:shipments_shipment_distribute"),
        {
            "declaration": declaration.reference,
            "rows-TOTAL_FORMS": "1",
            "rows-INITIAL_FORMS": "0",
            "rows-0-destination": "KZCIT",
            "rows-0-net_kg_1": "10",
            "rows-0-packages_1": "2",
        },
    )
    assert page.status_code == 200
    assert expected in page.content.decode()
    assert not Shipment.objects.filter(declaration=declaration).exists()


def test_distribution_summary_counts_a_childs_lots_for_the_stock_and_skips_cancelled_ones(partner):
    from declarations import services as declaration_services
    from declarations.hooks import distribution_summaries
    from shipments.choices import ShipmentStatus
    from tests.declarations.factories import stock_declaration

    stock = stock_declaration(partner)
    release = declaration_services.draw_from_stock(
        stock, partner=partner, procedure="import", lines=[(1, Decimal("1000.000"), 200)], actor="t"
    )

    def shipped(goods_item):
        return make_shipment(
            partner,
            kind="distribution",
            origin="KZALA",
            destination="KGFRU",
            legs=[("road", "KZALA", "KGFRU")],
            declaration=goods_item.declaration,
            lots=[{"product": "cherry-tomato", "net_kg": "100.000", "goods_item": goods_item}],
        )

    on_release = shipped(release.goods_items.get())
    cancelled = shipped(stock.goods_items.get(sequence=1))
    Shipment.objects.filter(pk=cancelled.pk).update(status=ShipmentStatus.CANCELLED)

    alone = distribution_summaries([stock])[stock.pk][0]
    assert alone["shipments"] == [on_release.reference]  # the child's lot, not the cancelled one
    assert alone["allocated_net_kg"] == "1000.000"  # the release; a child's lots are its own
    together = distribution_summaries([stock, release])
    # A lot on an item of the page counts for that item, not for the stock it was drawn from.
    assert together[stock.pk][0]["shipments"] == []
    assert together[release.pk][0]["shipments"] == [on_release.reference]
    assert together[release.pk][0]["allocated_net_kg"] == "100.000"
