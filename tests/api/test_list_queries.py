"""Partner lists cost a fixed number of queries per page, whatever the number of objects on it
(issue #15): declarations with goods items, documents and distribution summaries, shipments with
lots and legs, alerts."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from declarations.hooks import distribution_summary
from shipments.models import Alert
from tests.declarations.factories import GRAPES, MACHINE_PARTS, TOMATOES, create_declaration
from tests.shipments.factories import make_shipment

pytestmark = pytest.mark.django_db

LOTS = [
    {"product": "cherry-tomato", "net_kg": "6000.000", "packages": 1200},
    {"product": "kiwifruit", "net_kg": "2000.000", "packages": 400},
]
LEGS = [("rail", "CNURM", "KZALA"), ("road", "KZALA", "KZSCO")]


def queries_of(api, url: str) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as ctx:
        response = api.get(url)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries), response.json()


def add_declarations(partner, count: int) -> None:
    for _ in range(count):
        create_declaration(partner, goods_items=[TOMATOES, GRAPES, MACHINE_PARTS])


def add_shipments(partner, count: int) -> None:
    for _ in range(count):
        make_shipment(partner, lots=LOTS, legs=LEGS, destination="KZSCO")


def add_alerts(partner, count: int) -> None:
    shipment = make_shipment(partner)
    Alert.objects.bulk_create(
        Alert(
            partner=partner,
            kind="expiring_soon",
            severity="warning",
            subject_type="shipment",
            subject_reference=shipment.reference,
            shipment=shipment,
            dedup_key=f"test:{shipment.pk}:{i}",
            message="Expiring.",
        )
        for i in range(count)
    )


@pytest.mark.parametrize(
    ("path", "add"),
    [
        ("/api/v1/declarations/", add_declarations),
        ("/api/v1/shipments/", add_shipments),
        ("/api/v1/alerts/", add_alerts),
    ],
)
def test_a_page_of_50_costs_the_queries_of_a_page_of_1(api, partner, path, add):
    add(partner, 1)
    api.get(path)  # warm the key cache and lookups the first request loads once
    one, body = queries_of(api, path + "?page_size=1")
    assert len(body["results"]) == 1
    add(partner, 49)
    fifty, body = queries_of(api, path + "?page_size=50")
    assert len(body["results"]) == 50
    assert fifty == one


def test_the_list_shows_each_declarations_own_distribution(api, partner):
    add_declarations(partner, 3)
    from declarations.models import Declaration

    declaration = Declaration.objects.filter(partner=partner).order_by("id").first()
    assert declaration is not None
    item = declaration.goods_items.get(sequence=1)
    make_shipment(
        partner,
        kind="distribution",
        origin="KZALA",
        destination="KGFRU",
        legs=[("road", "KZALA", "KGFRU")],
        declaration=declaration,
        lots=[{"product": "cherry-tomato", "net_kg": "1500.000", "goods_item": item}],
    )
    _, body = queries_of(api, "/api/v1/declarations/?page_size=50")
    by_reference = {row["reference"]: row["distribution"] for row in body["results"]}
    for listed in Declaration.objects.filter(partner=partner):
        assert by_reference[listed.reference] == distribution_summary(listed)
    first = by_reference[declaration.reference]
    assert first[0]["allocated_net_kg"] == f"{Decimal('1500'):.3f}"
    assert len(first[0]["shipments"]) == 1
    assert all(row["allocated_net_kg"] == "0.000" for row in first[1:])


def test_the_summary_sums_the_lots_as_the_allocation_check_does(api, partner):
    """The summary sums its lots' drawings from the lots it lists (not through `lot_drawings`):
    the same quantities as `drawn_quantities` with every provider, over several lots on an item,
    two shipments and a cancelled one (which frees its allocation)."""
    from declarations.models import Declaration
    from declarations.services.allocation import drawn_quantities
    from shipments.models import Shipment

    add_declarations(partner, 2)
    declaration = Declaration.objects.filter(partner=partner).order_by("id").first()
    assert declaration is not None
    first, second = declaration.goods_items.order_by("sequence")[:2]
    route = {"origin": "KZALA", "destination": "KGFRU", "legs": [("road", "KZALA", "KGFRU")]}
    for lots, status in [
        ([("100.500", first), ("0.250", first), ("7.000", second)], None),
        ([("12.125", first)], None),
        ([("900.000", first)], "cancelled"),
    ]:
        shipment = make_shipment(
            partner,
            kind="distribution",
            declaration=declaration,
            lots=[
                {"product": "cherry-tomato", "net_kg": kg, "goods_item": item} for kg, item in lots
            ],
            **route,  # type: ignore[arg-type]
        )
        if status:
            Shipment.objects.filter(pk=shipment.pk).update(status=status)
    _, body = queries_of(api, "/api/v1/declarations/?page_size=50")
    summary = {row["reference"]: row["distribution"] for row in body["results"]}[
        declaration.reference
    ]
    drawn = drawn_quantities(list(declaration.goods_items.all()))
    for row in summary:
        item = declaration.goods_items.get(sequence=row["goods_item"])
        taken = drawn.get(item.pk)
        assert row["allocated_net_kg"] == (f"{taken.net_kg:.3f}" if taken else "0.000")
        assert row["allocated_packages"] == (taken.packages if taken else 0)
    assert summary[0]["allocated_net_kg"] == "112.875"
    assert summary[1]["allocated_net_kg"] == "7.000"
    assert len(summary[0]["shipments"]) == 2
