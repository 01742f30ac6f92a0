"""Declarations as partners see them, built from plain rows instead of `DeclarationSerializer`.

Every answer that shows a declaration (the list, the detail and the writes' answers) comes from
here: the page's declarations, goods items and documents with the goods items each covers are
read with `.values_list()` in one query each, compiled once per process (`RowsByIds`; a list
pages on the ids first), and sent in one round trip together with the distribution summaries'
two queries (`hooks.distribution_reads`, `rows_together`); the dicts are built by hand. Model instances, the prefetch machinery and
DRF's per-field representation cost about 1.8 ms per declaration (a page of 50 spent 94 ms of
CPU, docs/benchmarks.md). `DeclarationSerializer` stays the schema's source and the reference:
`tests/declarations/test_representations.py` compares both byte for byte over varied
declarations. Values are spelled as the serializer's fields spell them (`tradehub.api.
representation`); a value only a broken row could hold (a party without a name, an error
entry without its keys) is handed to the serializer field it would meet there, so even the
failure is the same.

What a page's (or a detail's) rows give is kept per process (`KEPT`, `tradehub.api.kept`, as the
shipments' pages are) with the digests PostgreSQL computed over those rows, and so is each
declaration's JSON once written: a page asked for again whose rows have the same digests (one
small statement, `digests_together`) is answered with the JSON kept, between the paginator's
links (`RenderedResponse`), neither rows read nor dicts built nor JSON written again. A detail
sends its lookup and those digests as one statement (`found_response`). The transit block
(`overdue` depends on the time) is read and written for each answer.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast

from django.db.models import DecimalField, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from tradehub.api.kept import Kept, found_rows
from tradehub.api.renderers import FastJSONRenderer, RenderedResponse
from tradehub.api.representation import (
    PARSED_KEPT,
    date_out,
    datetime_formatter,
    json_in,
)
from tradehub.prepared_queries import RowsByIds, rows_together

from .. import hooks
from ..models import Declaration, Document, GoodsItem, Transit
from ..selectors import sum_totals
from .serializers import (
    ErrorSerializer,
    GoodsItemSerializer,
    PartySerializer,
    TransitSerializer,
)

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable
    from decimal import Decimal

    # A datetime as DRF spells it in the request's zone (`datetime_formatter`).
    DatetimeOut = Callable[[dt.datetime | None], str | None]

# The declaration's own columns, in the order `_declaration` unpacks them.
DECLARATION_COLUMNS = (
    "id",
    "reference",
    "lrn",
    "status",
    "version",
    "number",
    "channel",
    "procedure",
    "parent__reference",
    "office__code",
    "border_crossing__code",
    "transport_mode",
    "transport_document_type",
    "transport_document_number",
    "containers_text",
    "seals_text",
    "consignor_text",
    "consignee_text",
    "declarant_text",
    "rejection_errors_text",
    "cancellation_requested_at",
    "cancellation_reason",
    "submitted_at",
    "accepted_at",
    "released_at",
    "created_at",
    "updated_at",
    "transit__id",
)
GOODS_ITEM_COLUMNS = (
    "id",
    "declaration_id",
    "sequence",
    "description",
    "commodity_code",
    "origin_country",
    "packages_count",
    "packages_kind",
    "gross_kg",
    "net_kg",
    "invoice_value",
    "currency",
    "source_item__sequence",
    "storage_place",
)
DOCUMENT_COLUMNS = (
    "id",
    "declaration_id",
    "type",
    "number",
    "issued_by",
    "issued_on",
    "valid_until",
    "file",
)
# The JSON columns of a declaration as their text, parsed once per distinct text (`json_in`): a
# partner's page repeats its parties, and Django's converter per value (300 a page) cost more
# than reading the rest of the row.
JSON_TEXT = {
    f"{name}_text": Cast(name, TextField())
    for name in ("containers", "seals", "consignor", "consignee", "declarant", "rejection_errors")
}
# The reads of every representation, each compiled once per process (tradehub.prepared_queries).
_DECLARATIONS = RowsByIds(
    lambda ids: (
        Declaration.objects.filter(pk__in=ids)
        .annotate(**JSON_TEXT)
        .order_by()
        .values_list(*DECLARATION_COLUMNS)
    )
)
_GOODS_ITEMS = RowsByIds(
    lambda ids: (
        GoodsItem.objects.filter(declaration_id__in=ids)
        .order_by("declaration_id", "sequence")
        .values_list(*GOODS_ITEM_COLUMNS)
    )
)
# A document's row once per goods item it covers (with that item's sequence, in their order),
# once with None when it covers none: one query instead of the documents and then their links.
_DOCUMENTS = RowsByIds(
    lambda ids: (
        Document.objects.filter(declaration_id__in=ids)
        .order_by("id", "goods_items__sequence")
        .values_list(*DOCUMENT_COLUMNS, "goods_items__sequence")
    )
)
# The keys in the order the serializers write them (one definition: theirs).
PARTY_KEYS = tuple(PartySerializer().fields)
ERROR_KEYS = tuple(ErrorSerializer().fields)


def _quantity_out(name: str) -> Callable[[Decimal], str | None]:
    """How a goods item's decimal column `name` is spelled. `GoodsItemSerializer` (a
    ModelSerializer) declares it with the column's digits and places, and a value read from the
    column is at those places and fits them: its `str` is what DRF's quantizing writes
    (`decimal_out`'s first case without its checks; 450 values a page). Should the serializer
    ever declare other digits or places, its field spells the value itself."""
    field = cast(serializers.DecimalField, GoodsItemSerializer().fields[name])
    column = cast(DecimalField, GoodsItem._meta.get_field(name))
    if (field.max_digits, field.decimal_places) == (column.max_digits, column.decimal_places):
        return str
    return field.to_representation


GROSS_KG_OUT, NET_KG_OUT, INVOICE_VALUE_OUT = map(
    _quantity_out, ("gross_kg", "net_kg", "invoice_value")
)


def page_rows(view: GenericAPIView[Declaration]) -> QuerySet[Declaration, dict[str, Any]]:
    """The view's declarations (its filters, scope and order) as the few columns its cursor
    pagination reads: the id and the ordering fields. The page query compiles per request
    (the ORM builds it from the filters): 28 columns with three joins cost 2.7 ms of CPU for
    50 rows, mostly Django decoding JSON and times; the id and `created_at` 0.6 ms, and the
    full rows come from a query compiled once (`declarations`)."""
    queryset = view.filter_queryset(view.get_queryset())
    paginator = view.paginator
    assert paginator is not None  # every partner list is paginated
    ordering = paginator.get_ordering(view.request, queryset, view)  # type: ignore[attr-defined]
    fields = dict.fromkeys(["id", *(field.lstrip("-") for field in ordering)])
    return queryset.select_related(None).prefetch_related(None).values(*fields)


def paginated_response(view: GenericAPIView[Declaration]) -> Response:
    """A list view's page of declarations (its filters, scope, order and pagination), answered
    with the JSON of the page's declarations kept or written once (`rendered`) between the
    paginator's links."""
    page = view.paginate_queryset(page_rows(view))  # type: ignore[arg-type]
    assert page is not None  # every partner list is paginated
    shown = _shown([row["id"] for row in page])  # type: ignore[index]
    envelope = view.get_paginated_response([]).data
    head = RENDER(envelope, JSON)
    if list(envelope)[-1] != "results" or not head.endswith(b"[]}"):
        return view.get_paginated_response(_dicts(shown))  # not the envelope expected

    def data() -> dict[str, Any]:
        envelope["results"] = _dicts(shown)
        return envelope

    return RenderedResponse(head[:-2] + b",".join(_rendered(shown)) + b"]}", data)


# What a detail's lookup reads of its declaration: the id and the ETag's fields.
FOUND_FIELDS = ("id", "updated_at", "version")


def found_response(
    rows: QuerySet[Declaration, dict[str, Any]],
) -> tuple[dict[str, Any], Response] | None:
    """The declaration `rows` finds (`.values(*FOUND_FIELDS)` of the caller's scope filtered to
    one declaration: None when none, `MultipleObjectsReturned` as `get` when several) and the
    answer of its detail. Asked for again unchanged, one round trip: the lookup and the digests
    of the rows the declaration was shown from, one prepared statement (`found_rows`), and the
    JSON kept; else its rows are read with their digests and it is built and kept."""
    keep = hooks.distribution_reads_are_everything()
    if keep:
        found, digests = found_rows(rows, FOUND_FIELDS, [query for query, _ in _reads([0])])
    else:
        found, digests = list(rows[:2]), None
    if not found:
        return None
    if len(found) > 1:
        raise Declaration.MultipleObjectsReturned
    row = found[0]
    ids = [row["id"]]
    if digests is None:
        shown = _shown(ids, keep)
    else:
        zone = timezone.get_current_timezone()
        entries = KEPT.as_digested(
            (zone, tuple(ids)), digests, _reads(ids), lambda read: _built(ids, zone, read)
        )
        shown = entries, _transits([entry.id for entry in entries if entry.transit])
    if not shown[0]:  # deleted since it was found
        return None
    return row, RenderedResponse(_rendered(shown)[0], lambda: _dicts(shown)[0])


def declarations(ids: Sequence[int], keep: bool = True) -> list[dict[str, Any]]:
    """The representations of the declarations with these ids, in their order, in one round
    trip on PostgreSQL whatever their number (declarations, goods items, documents with the
    goods items they cover, the distribution summaries' reads), and a query for the transits
    where there is one. An id whose row is gone by now (deleted between the page query and this
    one) is left out. Kept (`KEPT`) unless `keep` is false."""
    return _dicts(_shown(ids, keep))


def declaration(pk: int) -> dict[str, Any]:
    """The representation of one declaration as stored now (the writes' answers: just
    changed, so not kept)."""
    return declarations([pk], keep=False)[0]


class _Shown:
    """A declaration as shown but for its transit block (`data`, with `transit` None), whether
    it has one (the block says whether the transit is overdue, which depends on the time: it is
    read and written for each answer), and, for one without, its JSON as `FastJSONRenderer`
    writes it (`json`, written once, when first answered)."""

    __slots__ = ("data", "id", "json", "transit")

    def __init__(self, pk: int, data: dict[str, Any], transit: bool) -> None:
        self.id = pk
        self.data = data
        self.transit = transit
        self.json: bytes | None = None


# A page's declarations as shown and their transit blocks (by declaration id).
Shown = tuple[list[_Shown], dict[int, dict[str, Any]]]


def _shown(ids: Sequence[int], keep: bool = True) -> Shown:
    """The declarations with these ids as shown, in their order, those gone left out: the ones
    kept (`KEPT`) if their rows did not change, else built from their rows (read with their
    digests, one round trip) and kept; the transit blocks of those that have one. Without
    `keep`, built from their rows (one round trip), nothing kept."""
    if not ids:
        return [], {}
    zone = timezone.get_current_timezone()
    queries = _reads(ids)
    if keep and hooks.distribution_reads_are_everything():
        entries = KEPT.get((zone, tuple(ids)), queries, lambda rows: _built(ids, zone, rows))
    else:  # a drawing provider reads what the digests do not cover: nothing kept
        entries = _built(ids, zone, rows_together(*queries))
    return entries, _transits([entry.id for entry in entries if entry.transit])


def _reads(ids: Sequence[int]) -> list[tuple[RowsByIds, Sequence[int]]]:
    """The queries the declarations with these ids are shown from."""
    return [
        (_DECLARATIONS, ids),
        (_GOODS_ITEMS, ids),
        (_DOCUMENTS, ids),
        *hooks.distribution_reads(list(ids)),
    ]


def _rendered(shown: Shown) -> list[bytes]:
    """Each declaration's JSON as `FastJSONRenderer` writes it: written once for one without a
    transit (the renderer's bytes for a list are its items' bytes joined by commas: compact
    JSON, each item written, or handed to DRF's renderer, on its own terms)."""
    entries, transits = shown
    out = []
    for entry in entries:
        if entry.transit:
            out.append(RENDER({**entry.data, "transit": transits.get(entry.id)}, JSON))
            continue
        rendered = entry.json
        if rendered is None:
            rendered = entry.json = RENDER(entry.data, JSON)
        out.append(rendered)
    return out


def _dicts(shown: Shown) -> list[dict[str, Any]]:
    """The declarations as dicts, each the caller's own (a kept one is shared by the answers)."""
    entries, transits = shown
    out = []
    for entry in entries:
        data = _copy(entry.data)
        data["transit"] = transits.get(entry.id)
        out.append(data)
    return out


def _copy(value: Any) -> Any:
    """A copy of a representation's dicts and lists (their other values are immutable)."""
    if value.__class__ is dict:
        return {key: _copy(item) for key, item in value.items()}
    if value.__class__ is list:
        return [_copy(item) for item in value]
    return value


def _built(ids: Sequence[int], zone: Any, results: list[list[tuple[Any, ...]]]) -> list[_Shown]:
    """The declarations with these ids as shown, from the rows of `_reads` (in its order)."""
    declaration_rows, item_rows, document_rows, *summary_rows = results
    by_id = {row["id"]: row for row in _DECLARATIONS.named(declaration_rows)}
    rows = [by_id[id_] for id_ in ids if id_ in by_id]
    ids = [row["id"] for row in rows]
    items_of: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for item in item_rows:
        items_of[item[1]].append(item)
    documents_of = _documents(document_rows)
    distribution = hooks.distribution_summaries_from(
        cast(Sequence[Declaration], [_Stock(id_, items_of[id_]) for id_ in ids]), summary_rows
    )
    when = datetime_formatter(zone)
    return [
        _Shown(
            row["id"],
            _declaration(
                row,
                items_of[row["id"]],
                documents_of[row["id"]],
                distribution.get(row["id"], []),
                when,
            ),
            row["transit__id"] is not None,
        )
        for row in rows
    ]


# Declarations shown, by (display zone, ids), with the digests of the rows they were built from
# (`_reads`): with the zone and the ids, everything they show but their transit blocks. Bounded
# by the declarations held, emptied when full.
DECLARATIONS_KEPT = 1_000
KEPT: Kept[list[_Shown]] = Kept(DECLARATIONS_KEPT, len)
RENDER = FastJSONRenderer().render
JSON = FastJSONRenderer.media_type


def _declaration(
    row: dict[str, Any],
    items: list[tuple[Any, ...]],
    documents: list[dict[str, Any]],
    distribution: list[dict[str, Any]],
    when: DatetimeOut,
) -> dict[str, Any]:
    """A declaration as shown, its transit block None in its place (`_Shown`)."""
    document_type = row["transport_document_type"]
    declarant = json_in(row["declarant_text"])
    cancellation_requested_at = row["cancellation_requested_at"]
    return {
        "reference": row["reference"],
        "lrn": row["lrn"],
        "status": row["status"],
        "version": row["version"],
        "number": row["number"],
        "channel": row["channel"],
        "procedure": row["procedure"],
        "parent": row["parent__reference"],
        "office": row["office__code"],
        "border_crossing": row["border_crossing__code"],
        "transport_mode": row["transport_mode"],
        "transport_document": {"type": document_type, "number": row["transport_document_number"]}
        if document_type
        else None,
        "containers": _texts(json_in(row["containers_text"])),
        "seals": _texts(json_in(row["seals_text"])),
        "consignor": _party_of(row["consignor_text"]),
        "consignee": _party_of(row["consignee_text"]),
        "declarant": dict(declarant) if declarant else None,
        "goods_items": [_goods_item(item) for item in items],
        "documents": documents,
        "totals": sum_totals((item[8], item[9], item[6], item[11], item[10]) for item in items),
        "rejection_errors": _errors(json_in(row["rejection_errors_text"])),
        "cancellation": None
        if cancellation_requested_at is None
        else {
            "requested_at": when(cancellation_requested_at),
            "reason": row["cancellation_reason"],
        },
        "distribution": distribution,
        "transit": None,
        "submitted_at": when(row["submitted_at"]),
        "accepted_at": when(row["accepted_at"]),
        "released_at": when(row["released_at"]),
        "created_at": when(row["created_at"]),
        "updated_at": when(row["updated_at"]),
    }


def _goods_item(item: tuple[Any, ...]) -> dict[str, Any]:
    (
        _,
        _,
        sequence,
        description,
        commodity_code,
        origin_country,
        packages_count,
        packages_kind,
        gross_kg,
        net_kg,
        invoice_value,
        currency,
        source_sequence,
        storage_place,
    ) = item
    return {
        "sequence": sequence,
        "description": description,
        "commodity_code": commodity_code,
        "origin_country": origin_country,
        "packages": {"count": packages_count, "kind": packages_kind},
        "gross_kg": GROSS_KG_OUT(gross_kg),
        "net_kg": NET_KG_OUT(net_kg),
        "invoice_value": INVOICE_VALUE_OUT(invoice_value),
        "currency": currency,
        "source_item": source_sequence,
        "storage_place": storage_place,
    }


def _documents(rows: Iterable[tuple[Any, ...]]) -> dict[int, list[dict[str, Any]]]:
    """Each declaration's documents in id order, numbered 1..n, with the sequences of the goods
    items each covers (from `_DOCUMENTS`' rows)."""
    documents: dict[int, list[dict[str, Any]]] = defaultdict(list)
    last_id = None
    covered: list[int] = []
    for row in rows:
        (
            document_id,
            declaration_id,
            type_,
            number,
            issued_by,
            issued_on,
            valid_until,
            file,
            item,
        ) = row
        if document_id != last_id:  # else: the same document, another goods item it covers
            last_id = document_id
            covered = []
            listed = documents[declaration_id]
            listed.append(
                {
                    "sequence": len(listed) + 1,
                    "type": type_,
                    "number": number,
                    "issued_by": issued_by,
                    "issued_on": date_out(issued_on),
                    "valid_until": date_out(valid_until),
                    "goods_items": covered,
                    "file": file.rsplit("/", 1)[-1] if file else None,
                }
            )
        if item is not None:
            covered.append(item)
    return documents


def _transits(declaration_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The transit blocks of these declarations (the rows say which have one: no query for the
    others), by the serializer itself: few, and it reads the declaration's office and seals."""
    if not declaration_ids:
        return {}
    transits = (
        Transit.objects.filter(declaration_id__in=declaration_ids)
        .select_related("declaration__office", "destination_office")
        .order_by()
    )
    return {transit.declaration_id: dict(TransitSerializer(transit).data) for transit in transits}


class _Stock:
    """What a distribution summary provider reads of a declaration (`hooks`): its id and its
    goods items (`_Item`)."""

    __slots__ = ("goods_items", "pk")

    def __init__(self, pk: int, items: list[tuple[Any, ...]]) -> None:
        self.pk = pk
        self.goods_items = _Items([_Item(item[0], item[2], item[6], item[9]) for item in items])


class _Item:
    """What a distribution summary provider reads of a goods item: id, sequence, packages and
    net kg (a model instance per item cost 1 ms of CPU a page of 150)."""

    __slots__ = ("net_kg", "packages_count", "pk", "sequence")

    def __init__(self, pk: int, sequence: int, packages_count: int, net_kg: Decimal) -> None:
        self.pk = pk
        self.sequence = sequence
        self.packages_count = packages_count
        self.net_kg = net_kg


class _Items(list[_Item]):
    """A list that answers `.all()` like the related manager the provider expects."""

    def all(self) -> _Items:
        return self


def _text(value: Any) -> str | None:
    """A `CharField` in a serializer: `str()` of the value, None stays None."""
    return None if value is None else str(value)


def _texts(values: list[Any] | None) -> list[str | None] | None:
    """`ListField(child=CharField())`."""
    if values is None:
        return None
    return [None if value is None else str(value) for value in values]


def _party(value: Any) -> dict[str, Any] | None:
    """`PartySerializer` (read only) of a stored party: its four keys in order, those absent
    left out, each as text."""
    if value is None:
        return None
    if not isinstance(value, dict) or "name" not in value or "country" not in value:
        return dict(PartySerializer().to_representation(value))
    return {key: _text(value[key]) for key in PARTY_KEYS if key in value}


def _party_of(text: str | None) -> dict[str, Any] | None:
    """`_party` of a party's JSON text, a copy of the one made for the same text before: a
    partner's page repeats its consignors and consignees."""
    party = _party_of_text(text)
    return None if party is None else dict(party)  # its values are texts: a full copy


@lru_cache(maxsize=PARSED_KEPT)
def _party_of_text(text: str | None) -> dict[str, Any] | None:
    return _party(json_in(text))


def _errors(value: Any) -> list[dict[str, Any]] | None:
    """`ErrorSerializer(many=True)` of the stored rejection errors."""
    if value is None:
        return None
    if not isinstance(value, list) or not all(
        isinstance(error, dict) and all(key in error for key in ERROR_KEYS) for error in value
    ):
        return cast(list[dict[str, Any]], ErrorSerializer(many=True).to_representation(value))
    return [{key: _text(error[key]) for key in ERROR_KEYS} for error in value]
