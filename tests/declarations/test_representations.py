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
from django.db import connection
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from declarations import services
from declarations.api import representations
from declarations.api.serializers import DeclarationSerializer
from declarations.choices import DeclarationDocumentType
from declarations.models import Declaration, Document, GoodsItem, Transit
from declarations.selectors import declarations_with_details
from shipments.models import Lot, Shipment
from tests.declarations.factories import (
    GRAPES,
    MACHINE_PARTS,
    TOMATOES,
    DocumentFactory,
    GoodsItemFactory,
    create_declaration,
    payload,
    stock_declaration,
    validated,
)
from tests.declarations.test_transit import opened_transit, transit_body
from tests.shipments.factories import make_shipment
from tradehub.api.kept import Kept
from tradehub.api.renderers import FastJSONRenderer
from tradehub.reference.models import CustomsOffice, Location

pytestmark = pytest.mark.django_db

# Digests, kept answers and one round trip are PostgreSQL's; on SQLite (`DATABASE_URL=sqlite:…`)
# these tests are skipped, and the SQLite path's bytes are checked by the tests that patch the
# vendor (and by every other test of this file, run there).
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="digests and one round trip: PostgreSQL"
)

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


@postgresql_only
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


def built_pages(monkeypatch) -> list[int]:
    """Counts the pages built from rows (not found kept)."""
    built: list[int] = []
    build = representations._built

    def counting(ids, *args):
        built.append(len(ids))
        return build(ids, *args)

    monkeypatch.setattr(representations, "_built", counting)
    return built


def kept_bytes(ids) -> bytes:
    """The page as the list answers it: each declaration's JSON (kept or written) joined."""
    return b"[" + b",".join(representations._rendered(representations._shown(ids))) + b"]"


def listed_bytes(ids) -> bytes:
    instances = {d.pk: d for d in declarations_with_details().filter(pk__in=ids)}
    return RENDER(DeclarationSerializer([instances[i] for i in ids], many=True).data)


@postgresql_only
def test_a_page_read_again_is_kept_until_a_row_changes(partner, monkeypatch):
    """A page whose rows are digested as before is answered with the JSON kept; a change in
    any row it is shown from (the declaration, its parent's reference, its office and border
    crossing codes, goods items added, changed or removed, documents and the goods items they
    cover, child drawings, distribution lots and their shipments) builds it again. Transit
    blocks are read each time. Every answer is the serializer's."""
    varied_declarations(partner)
    ids = list(
        Declaration.objects.filter(partner=partner).order_by("-id").values_list("id", flat=True)
    )
    built = built_pages(monkeypatch)
    for _ in range(3):
        assert kept_bytes(ids) == listed_bytes(ids)
    assert len(built) == 1
    child = Declaration.objects.get(partner=partner, parent__isnull=False)
    stock = child.parent
    assert stock is not None and stock.border_crossing_id is not None
    office, crossing = stock.office_id, stock.border_crossing_id
    item = GoodsItem.objects.filter(declaration=stock).order_by("sequence")[0]
    document = Document.objects.filter(declaration__partner=partner).order_by("id")[0]
    lot = Lot.objects.get(goods_item=item)
    transit = Transit.objects.filter(declaration__partner=partner).order_by("id")[0]
    changes = [
        lambda: Declaration.objects.filter(pk=stock.pk).update(seals=["Пломба 2"]),
        lambda: Declaration.objects.filter(pk=stock.pk).update(reference="DEC-RENAMED"),
        lambda: CustomsOffice.objects.filter(pk=office).update(code="50999"),
        lambda: Location.objects.filter(pk=crossing).update(code="KZXXX"),
        lambda: GoodsItem.objects.filter(pk=item.pk).update(description="Иное"),
        lambda: GoodsItemFactory(declaration=stock, sequence=9),
        lambda: GoodsItem.objects.filter(declaration=stock, sequence=9).delete(),
        lambda: Document.objects.filter(pk=document.pk).update(number="№ 2"),
        lambda: document.goods_items.set([]),
        lambda: DocumentFactory(declaration=stock),
        lambda: GoodsItem.objects.filter(declaration=child).update(net_kg="999.000"),
        lambda: Declaration.objects.filter(pk=child.pk).update(status="cancelled"),
        lambda: Lot.objects.filter(pk=lot.pk).update(net_kg="1400.000"),
        lambda: Shipment.objects.filter(pk=lot.shipment_id).update(reference="SHP-RENAMED"),
        lambda: Shipment.objects.filter(pk=lot.shipment_id).update(status="cancelled"),
    ]
    for n, change in enumerate(changes, start=2):
        change()
        assert kept_bytes(ids) == listed_bytes(ids), n
        assert len(built) == n, n
        assert kept_bytes(ids) == listed_bytes(ids), n
        assert len(built) == n, n
    # The transit block is not kept: a change in the transit, or the time passing its
    # deadline (`overdue`), shows without building the page again.
    Transit.objects.filter(pk=transit.pk).update(route=["KZHOR"])
    assert kept_bytes(ids) == listed_bytes(ids)
    # (The declaration rows read the transit's id: digested by row versions, a change in the
    # transit may build the page again, which is never wrong.)
    builds = len(built)
    assert builds in (len(changes) + 1, len(changes) + 2)
    later = timezone.now() + dt.timedelta(days=30)
    with mock.patch("django.utils.timezone.now", return_value=later):
        overdue = kept_bytes(ids)
        assert overdue == listed_bytes(ids)
    assert b'"overdue":true' in overdue
    assert len(built) == builds  # the time passing builds nothing
    with timezone.override("America/St_Johns"):  # the display zone is in the key
        assert kept_bytes(ids) == listed_bytes(ids)
    assert len(built) == builds + 1


@postgresql_only
def test_answers_are_the_callers_own(partner, monkeypatch):
    """Changing a dict answered changes nothing kept."""
    varied_declarations(partner)
    ids = list(Declaration.objects.filter(partner=partner).values_list("id", flat=True))
    built = built_pages(monkeypatch)
    for _ in range(2):
        for shown in representations.declarations(ids):
            for value in shown.values():
                if isinstance(value, list):
                    value.append("changed")
                    for entry in value[:-1]:
                        if isinstance(entry, dict):
                            entry["changed"] = True
                elif isinstance(value, dict):
                    value["changed"] = True
            shown["changed"] = True
        assert kept_bytes(ids) == listed_bytes(ids)
    assert len(built) == 1


@postgresql_only
def test_the_declarations_kept_are_bounded(partner, monkeypatch):
    """At most DECLARATIONS_KEPT declarations are kept, over all pages."""
    ids = [create_declaration(partner).pk for _ in range(4)]
    kept = Kept(3, len)
    monkeypatch.setattr(representations, "KEPT", kept)
    for pk in ids:
        representations.declarations([pk])
    assert len(kept.entries) == 1 and kept.held == 1
    representations.declarations(ids[:3])
    assert kept.held == 3
    representations.declarations(ids)  # more than the whole store: not kept
    assert kept.held == 3


def test_nothing_is_kept_without_digests_or_with_a_drawing_provider_it_does_not_read(
    partner, monkeypatch
):
    """On SQLite there are no digests; and a drawing provider registered besides the lots'
    reads rows the digests do not cover: each answer is built, and is the serializer's."""
    from django.db import connection

    from declarations.services import allocation

    varied_declarations(partner)
    ids = list(Declaration.objects.filter(partner=partner).values_list("id", flat=True))
    built = built_pages(monkeypatch)
    monkeypatch.setitem(allocation._providers, "elsewhere", lambda item_ids: {})
    assert kept_bytes(ids) == kept_bytes(ids) == listed_bytes(ids)
    assert len(built) == 2
    monkeypatch.delitem(allocation._providers, "elsewhere")
    monkeypatch.setattr(connection, "vendor", "sqlite")
    representations.KEPT.clear()
    assert kept_bytes(ids) == kept_bytes(ids) == listed_bytes(ids)
    assert len(built) == 4
    assert not representations.KEPT.entries


def test_the_list_and_detail_answers_are_the_renderers_bytes_of_their_data(
    api, other_api, partner, other_partner
):
    """The list's answer (links and kept JSON) is what the renderer writes for its `.data`, the
    paginator's envelope with the serializer's declarations; read again (kept) the same; with
    an indent asked for, DRF's renderer writes `.data`. A partner never sees another's
    declarations, kept or not; a gateway reads both."""
    varied_declarations(partner)
    create_declaration(other_partner)
    listed = list(
        Declaration.objects.filter(partner=partner)
        .order_by("-created_at", "-id")
        .values_list("id", flat=True)
    )
    first = api.get("/api/v1/declarations/?page_size=3")
    again = api.get("/api/v1/declarations/?page_size=3")
    assert first.content == again.content == RENDER(first.data)
    assert RENDER(first.data["results"]) == listed_bytes(listed[:3])
    assert first.data["next"] and first.data["previous"] is None
    rest = api.get(first.data["next"])
    assert RENDER(rest.data["results"]) == listed_bytes(listed[3:6])
    assert rest.content == RENDER(rest.data)
    indented = api.get(
        "/api/v1/declarations/?page_size=3", HTTP_ACCEPT="application/json; indent=2"
    )
    assert indented.content == JSONRenderer().render(
        first.data, "application/json; indent=2", {"indent": 2}
    )
    others = other_api.get("/api/v1/declarations/?page_size=50").json()["results"]
    assert len(others) == 1
    assert {d["reference"] for d in others}.isdisjoint(
        Declaration.objects.filter(partner=partner).values_list("reference", flat=True)
    )
    for pk in listed[:3]:
        reference = Declaration.objects.get(pk=pk).reference
        for _ in range(2):
            detail = api.get(f"/api/v1/declarations/{reference}/")
            assert detail.content == serializer_bytes(reference) == RENDER(detail.data)
            assert detail["ETag"]
        assert other_api.get(f"/api/v1/declarations/{reference}/").status_code == 404


@postgresql_only
def test_a_detail_found_again_costs_one_round_trip(api, client_for, partner, monkeypatch):
    """The detail's lookup goes with the digests of what the declaration was shown from: asked
    for again unchanged, one query and nothing built; changed (its goods items, a distribution
    lot, the declaration), the rows are read and built again; another partner's declaration or
    an unknown reference is a 404, also after it was kept; a gateway reads it. The same on
    SQLite (nothing kept) and with a drawing provider the digests do not cover. Each answer is
    the serializer's, with the ETag of the row found."""
    from django.db import connection
    from django.db.models import F
    from django.test.utils import CaptureQueriesContext

    from declarations.services import allocation
    from tests.factories import PartnerFactory

    varied_declarations(partner)
    child = Declaration.objects.get(partner=partner, parent__isnull=False)
    stock = child.parent
    assert stock is not None
    transit = Declaration.objects.filter(partner=partner, transit__isnull=False).first()
    assert transit is not None
    built = built_pages(monkeypatch)
    url = f"/api/v1/declarations/{stock.reference}/"
    first = api.get(url)
    assert first.content == serializer_bytes(stock.reference) and built == [1]
    with CaptureQueriesContext(connection) as queries:
        again = api.get(url)
    assert again.content == first.content and again["ETag"] == first["ETag"]
    assert built == [1]
    assert len(queries.captured_queries) == 1  # the lookup and the digests, one statement
    for n, change in enumerate(
        [
            lambda: GoodsItem.objects.filter(declaration=stock).update(description="Иное"),
            lambda: Lot.objects.filter(goods_item__declaration=stock).update(packages=7),
            lambda: GoodsItem.objects.filter(declaration=child).update(net_kg="1.000"),
        ],
        start=2,
    ):
        change()
        assert api.get(url).content == serializer_bytes(stock.reference) and len(built) == n
        assert api.get(url).content == serializer_bytes(stock.reference) and len(built) == n
    Declaration.objects.filter(pk=stock.pk).update(version=F("version") + 1)
    bumped = api.get(url)
    assert bumped.content == serializer_bytes(stock.reference)
    assert bumped["ETag"] != first["ETag"]
    # A transit's block is read for each answer: the time passing its deadline shows.
    transit_url = f"/api/v1/declarations/{transit.reference}/"
    assert api.get(transit_url).content == serializer_bytes(transit.reference)
    later = timezone.now() + dt.timedelta(days=30)
    with mock.patch("django.utils.timezone.now", return_value=later):
        overdue = api.get(transit_url).content
        assert overdue == serializer_bytes(transit.reference)
    other = create_declaration(PartnerFactory())
    other_url = f"/api/v1/declarations/{other.reference}/"
    owner = client_for(other.partner)
    assert owner.get(other_url).content == owner.get(other_url).content  # kept
    assert api.get(other_url).status_code == 404
    assert api.get("/api/v1/declarations/DEC-NONE/").status_code == 404
    monkeypatch.setitem(allocation._providers, "elsewhere", lambda item_ids: {})
    count = len(built)
    assert api.get(url).content == api.get(url).content == serializer_bytes(stock.reference)
    assert len(built) == count + 2
    monkeypatch.delitem(allocation._providers, "elsewhere")
    monkeypatch.setattr(connection, "vendor", "sqlite")
    assert api.get(url).content == serializer_bytes(stock.reference)
    assert api.get(other_url).status_code == 404
