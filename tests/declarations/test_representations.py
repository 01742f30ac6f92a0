"""The declarations built from plain rows (`declarations.api.representations`) are the bytes
`DeclarationSerializer` writes, over declarations that differ in every way a partner can see:
procedures, parents and children, statuses from draft to released, amended versions, documents
of each kind with and without files and dates, goods items with and without a source item,
nulls, blanks, unicode, decimal edges, rejection errors, cancellations, transits and
distribution summaries with and without shipments; in two time zones."""

import datetime as dt
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
from django.utils import timezone

from declarations import services
from declarations.api import representations
from declarations.api.serializers import DeclarationSerializer
from declarations.choices import DeclarationDocumentType
from declarations.models import Declaration, Document, GoodsItem
from declarations.selectors import declarations_with_details
from tests.declarations.factories import (
    GRAPES,
    MACHINE_PARTS,
    TOMATOES,
    create_declaration,
    payload,
    stock_declaration,
    validated,
)
from tests.declarations.test_transit import opened_transit, transit_body
from tests.shipments.factories import make_shipment
from tradehub.api.renderers import FastJSONRenderer

pytestmark = pytest.mark.django_db

RENDER = FastJSONRenderer().render


def varied_declarations(partner) -> None:
    """Declarations of the partner covering the cases the module docstring lists."""
    # Import, three goods items, the base documents; a draft.
    create_declaration(partner, goods_items=[TOMATOES, GRAPES, MACHINE_PARTS])
    # Nulls and blanks: no border crossing, transport document, declarant, documents.
    bare = create_declaration(
        partner,
        border_crossing=None,
        transport_document=None,
        containers=[],
        seals=[],
        documents=[],
        goods_items=[dict(GRAPES, invoice_value="0.00", net_kg="0.001", gross_kg="0.001")],
    )
    # Unicode, a declarant, decimal edges, every document kind.
    documents: list[dict[str, Any]] = [
        {"type": kind, "number": f"№ {index} 文件", "issued_by": "Орган 海关"}
        for index, kind in enumerate(DeclarationDocumentType.values, start=1)
    ]
    documents[0].update(issued_on="2025-01-31", valid_until="2025-12-31", goods_items=[2, 1])
    unicode = create_declaration(
        partner,
        consignor={"name": "新疆鲜果出口有限公司", "country": "cn", "address": "乌鲁木齐 ✓"},
        consignee={"name": "ТОО «Алматы Фреш»", "country": "KZ", "tax_id": ""},
        declarant={"name": "Брокер", "country": "KZ", "tax_id": "1"},
        goods_items=[
            dict(TOMATOES, description="Томаты черри 🍅", gross_kg="99999999999.999"),
            dict(GRAPES, net_kg="1.5", gross_kg="2", invoice_value="1234567890.1"),
            dict(MACHINE_PARTS, currency="EUR", storage_place="Склад 7"),
        ],
        documents=documents,
    )
    # A scan attached to one document.
    Document.objects.filter(declaration=unicode).order_by("id").filter(
        pk=Document.objects.filter(declaration=unicode).order_by("id")[1].pk
    ).update(file="declarations/2025/07/scan-фото.pdf")
    # Submitted, accepted, released; then amended (version 2) and cancelled by request.
    flow = create_declaration(partner)
    services.submit(flow, actor="t")
    flow.refresh_from_db()
    services.amend(
        flow,
        data=validated({"goods_items": [GRAPES], "seals": ["S-2"]}, partial=True, declaration=flow),
        actor="t",
    )
    flow.refresh_from_db()
    services.request_cancellation(flow, reason="Зачем? 取消", actor="t")
    # Edge values a stored row can hold that the input never writes.
    Declaration.objects.filter(pk=bare.pk).update(
        status="rejected",
        number="50510/010125/0000001",
        channel="red",
        rejection_errors=[
            {"pointer": "/goods_items/0", "code": "x", "detail": "Ошибка", "extra": 1},
            {"pointer": None, "code": 5, "detail": ""},
        ],
        consignor={"name": "N", "country": "KZ", "tax_id": None, "unknown": "dropped"},
        containers=["A", None, 7],
        submitted_at=timezone.now() - dt.timedelta(days=400, microseconds=1),
        accepted_at=dt.datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=dt.UTC),
        released_at=dt.datetime(2025, 6, 30, 19, 0, tzinfo=dt.UTC),
    )
    # A stock, a release drawn from it (goods items with a source item), a shipment carrying
    # part of the stock (a distribution summary with shipments).
    stock = stock_declaration(partner)
    services.draw_from_stock(
        stock,
        partner=partner,
        procedure="import",
        lines=[(1, Decimal("1000.000"), 200)],
        actor="t",
    )
    make_shipment(
        partner,
        kind="distribution",
        origin="KZALA",
        destination="KGFRU",
        legs=[("road", "KZALA", "KGFRU")],
        declaration=stock,
        lots=[
            {
                "product": "cherry-tomato",
                "net_kg": "1500.000",
                "goods_item": stock.goods_items.get(sequence=1),
            }
        ],
    )
    # A released transit (its transit block), and a transit draft.
    opened_transit(partner)
    services.create_declaration(
        partner=partner, data=validated(transit_body(lrn="TR-DRAFT")), actor="t"
    )
    # A declaration with no goods items at all (a bare row).
    GoodsItem.objects.filter(declaration=bare).delete()


def reference_bytes(queryset) -> list[bytes]:
    """Each declaration through the serializer: the list serializer and the detail one."""
    instances = list(declarations_with_details().filter(pk__in=queryset).order_by("-id"))
    listed = DeclarationSerializer(instances, many=True).data
    return [RENDER(listed)] + [RENDER(DeclarationSerializer(d).data) for d in instances]


def fast_bytes(queryset) -> list[bytes]:
    ids = list(queryset.order_by("-id").values_list("id", flat=True))
    return [RENDER(representations.declarations(ids))] + [
        RENDER(representations.declaration(id_)) for id_ in ids
    ]


@pytest.mark.parametrize("zone", ["UTC", "Asia/Almaty"])
def test_fast_representations_are_the_serializers_bytes(partner, zone):
    varied_declarations(partner)
    queryset = Declaration.objects.filter(partner=partner)
    assert queryset.count() == 8
    assert queryset.filter(parent__isnull=False).exists()
    assert queryset.filter(transit__isnull=False).count() == 2
    with timezone.override(zone):
        reference = reference_bytes(queryset)
        fast = fast_bytes(queryset)
    assert len(fast) == len(reference)
    for expected, got in zip(reference, fast, strict=True):
        assert got == expected
    # The cases are really there (the comparison would hold trivially over empty lists).
    assert b'"allocated_net_kg":"2500.000"' in fast[0]  # 1000 released, 1500 shipped
    assert b'"shipments":["SHP-' in fast[0]
    assert b'"source_item":1' in fast[0]
    assert b'"file":"scan-\xd1\x84\xd0\xbe\xd1\x82\xd0\xbe.pdf"' in fast[0]
    assert b'"goods_items":[]' in fast[0]


def test_a_page_is_read_in_one_round_trip(partner, django_assert_num_queries):
    """The declarations, goods items, documents and the distribution summaries' reads (child
    drawings, lots) are sent as one statement on PostgreSQL, whatever the number of
    declarations; a named parent costs one query more, and so does a transit."""
    parent = stock_declaration(partner)
    for _ in range(3):
        create_declaration(partner)
    ids = list(Declaration.objects.filter(partner=partner).values_list("id", flat=True))
    with django_assert_num_queries(1):
        assert len(representations.declarations(ids)) == len(ids)
    with django_assert_num_queries(1):
        assert representations.declaration(parent.pk)["reference"] == parent.reference


def test_a_broken_party_fails_as_the_serializer_fails(partner):
    declaration = create_declaration(partner)
    Declaration.objects.filter(pk=declaration.pk).update(consignee={"country": "KZ"})
    with pytest.raises(KeyError):
        DeclarationSerializer(declarations_with_details().get(pk=declaration.pk)).data  # noqa: B018
    with pytest.raises(KeyError):
        representations.declaration(declaration.pk)


def test_api_list_and_detail_answer_the_serializers_representation(api, partner):
    varied_declarations(partner)
    body = api.get("/api/v1/declarations/?page_size=50").json()
    listed = Declaration.objects.filter(partner=partner).order_by("-created_at", "-id")
    instances = list(declarations_with_details().filter(pk__in=listed))
    by_id = {d.pk: d for d in instances}
    expected = DeclarationSerializer([by_id[d.pk] for d in listed], many=True).data
    assert RENDER(body["results"]) == RENDER(expected)
    for declaration in listed[:3]:
        response = api.get(f"/api/v1/declarations/{declaration.reference}/")
        assert response.content == RENDER(DeclarationSerializer(by_id[declaration.pk]).data)


def serializer_bytes(reference: str) -> bytes:
    return RENDER(DeclarationSerializer(declarations_with_details().get(reference=reference)).data)


def test_write_answers_and_the_children_list_are_the_serializers_representation(api, partner):
    created = api.post("/api/v1/declarations/", payload(lrn="W-1"), format="json")
    assert created.status_code == 201, created.content
    reference = created.json()["reference"]
    assert created.content == serializer_bytes(reference)
    patched = api.patch(
        f"/api/v1/declarations/{reference}/",
        {"seals": ["Пломба 1"], "goods_items": [GRAPES]},
        format="json",
    )
    assert patched.status_code == 200, patched.content
    assert patched.content == serializer_bytes(reference)
    submitted = api.post(f"/api/v1/declarations/{reference}/submit/")
    assert submitted.status_code == 202, submitted.content
    assert submitted.content == serializer_bytes(reference)
    cancelled = api.post(
        f"/api/v1/declarations/{reference}/cancel/", {"reason": "取消"}, format="json"
    )
    assert cancelled.status_code == 202, cancelled.content
    assert cancelled.content == serializer_bytes(reference)

    stock = stock_declaration(partner)
    drawn = api.post(
        f"/api/v1/declarations/{stock.reference}/children/",
        {
            "procedure": "import",
            "transport_mode": "road",
            "lines": [{"goods_item": 1, "net_kg": "100.000", "packages": 20}],
        },
        format="json",
    )
    assert drawn.status_code == 201, drawn.content
    child = drawn.json()["reference"]
    assert drawn.content == serializer_bytes(child)
    children = api.get(f"/api/v1/declarations/{stock.reference}/children/").json()["results"]
    assert RENDER(children) == RENDER(
        [DeclarationSerializer(declarations_with_details().get(reference=child)).data]
    )


@pytest.mark.parametrize("places", [2, 3])
def test_quantities_are_spelled_as_format_spells_them(places):
    """`fixed` (totals, distribution summaries) is `f"{value:.{places}f}"`, also for values not
    at those places (rounded half-even), zeros, negative zero and exponents."""
    from declarations.selectors import fixed

    for text in [
        "0", "0.000", "-0.000", "0.00", "1500.000", "-1.005", "2.675", "0.0005", "0.0015",
        "12.5", "99999999999.999", "1E+3", "1.2E+5", "1.2E-7", "123", "-0.01", "7.10",
    ]:  # fmt: skip
        value = Decimal(text)
        assert fixed(value, places) == f"{value:.{places}f}", text


def test_the_same_bytes_where_the_database_has_no_arrays(partner, monkeypatch):
    """On SQLite (`make run`) every prepared read runs the ORM's own query (`RowsByIds`): the
    documents with their goods items, the lots of the summaries and the rest give the same
    bytes."""
    from django.db import connection

    varied_declarations(partner)
    queryset = Declaration.objects.filter(partner=partner)
    reference = reference_bytes(queryset)
    monkeypatch.setattr(connection, "vendor", "sqlite")
    assert fast_bytes(queryset) == reference


def test_goods_item_quantities_are_their_columns_text_where_the_serializer_agrees():
    """A goods item's quantity is spelled by `str` because `GoodsItemSerializer` declares the
    column's digits and places (and then the column's text is DRF's spelling); a field that
    declared others would spell the value itself."""
    from rest_framework import serializers

    assert representations.GROSS_KG_OUT is str
    assert representations.NET_KG_OUT is str
    assert representations.INVOICE_VALUE_OUT is str
    for text in ["0.001", "99999999999.999", "1500.500", "NaN"]:
        field = serializers.DecimalField(max_digits=14, decimal_places=3)
        assert str(Decimal(text)) == field.to_representation(Decimal(text))
    narrower = serializers.DecimalField(max_digits=10, decimal_places=1)
    fields = {"gross_kg": narrower}
    with mock.patch.object(
        representations.GoodsItemSerializer, "fields", new_callable=mock.PropertyMock
    ) as patched:
        patched.return_value = fields
        spell = representations._quantity_out("gross_kg")
    assert spell == narrower.to_representation
    assert spell(Decimal("1500.250")) == "1500.2"


def test_a_party_is_a_fresh_copy_each_time(partner):
    """Parties are formatted once per distinct text; each representation gets its own dict."""
    declaration = create_declaration(partner)
    first = representations.declaration(declaration.pk)
    first["consignor"]["name"] = "changed"
    assert representations.declaration(declaration.pk)["consignor"]["name"] != "changed"
