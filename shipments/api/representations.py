"""Shipments as the API shows them, built from plain rows.

`ShipmentSerializer` (with its lot, leg and document serializers) stays the schema's source and
the reference; this module writes the same dicts from rows: the shipments, their documents,
legs and lots, the lots' products and open alerts, six queries compiled once per process and
sent in one round trip (`tradehub.prepared_queries.rows_together`), whatever the number of
shipments. A page of 50 shipments used to build some 900 model instances, run the prefetch
machinery and DRF's per-field representation; here each value goes through one formatter
(`tradehub.api.representation`, DRF's spellings), and a lot's shelf-life figures come from the
same functions the serializer uses (`shipments.services.shelf`), computed once per page for
each distinct set of their inputs. What a page's rows give is kept with their digests
(computed by PostgreSQL with the rows, `digested_rows_together`; the store, shared with the
declarations, is `tradehub.api.kept`): a page asked for again whose rows have the same digests
(`digests_together`, one small statement) is copied from it, only
the lots' `now`-dependent figures computed again. `tests/shipments/test_representations.py`
compares the rendered bytes with the serializer's over varied shipments, pages read again and
changed, also on the SQLite path.
"""

import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Sequence
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.db.models import QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from shipments import shelf_life
from shipments.alerts.selectors import OPEN_ALERTS_OF_SHIPMENTS, open_alerts_from
from shipments.api.serializers.common import consignee_out
from shipments.cargo import mixed_load_warnings
from shipments.models import Leg, Lot, Product, RequiredDocument, Shipment
from shipments.selectors import with_excursion_flag
from shipments.services.shelf import (
    arrival_to_outlast,
    condition_of,
    precooling_from,
    remaining_hours_of,
)
from tradehub.api.kept import Kept, found_rows
from tradehub.api.renderers import FastJSONRenderer
from tradehub.api.representation import date_out, datetime_formatter, decimal_out, json_in
from tradehub.prepared_queries import RowsByIds

Row = dict[str, Any]
# A datetime as DRF spells it in the request's zone (`datetime_formatter`).
DatetimeOut = Callable[[dt.datetime | None], str | None]

SHIPMENT_COLUMNS = (
    "id",
    "reference",
    "partner_reference",
    "kind",
    "status",
    "origin__code",
    "destination__code",
    "destination__country__code",
    "declaration__reference",
    "setpoint_c",
    "package_kind",
    "planned_departure",
    "planned_arrival",
    "estimated_arrival",
    "actual_departure",
    "actual_arrival",
    "is_overdue",
    "onward_formalities",
    "onward_route_text",
    "onward_declaration__reference",
    "consignee_text",
    "version",
    "created_at",
    "updated_at",
)
DOCUMENT_COLUMNS = (
    "shipment_id",
    "sequence",
    "type",
    "country",
    "status",
    "reference",
    "declaration_id",
    "source",
    "updated_at",
)
LEG_COLUMNS = (
    "shipment_id",
    "sequence",
    "mode",
    "planned_departure",
    "planned_arrival",
    "actual_departure",
    "actual_arrival",
    "vehicle",
    "container",
    "from_location__code",
    "to_location__code",
)
LOT_COLUMNS = (
    "id",
    "shipment_id",
    "product_id",
    "lot_code",
    "net_kg",
    "packages",
    "packed_on",
    "goods_item__sequence",
    "expires_at",
    "shelf_life_ends_at",
    "consumed_fraction",
    "chilling_damage",
    "shelf_state_text",
    "harvested_at",
    "precooled_at",
    "field_temp_c",
    "went_through_excursion",
)
# The JSON columns of a shipment row, as their text: parsed once per distinct text (`json_in`).
JSON_TEXT = {
    "onward_route_text": Cast("onward_route", TextField()),
    "consignee_text": Cast("consignee", TextField()),
}
NET_KG = Lot._meta.get_field("net_kg")
NET_KG_DIGITS, NET_KG_PLACES = NET_KG.max_digits, NET_KG.decimal_places
# The keys of OnwardRouteSerializer, in its order; a key missing from the stored route is left
# out, as the serializer skips a field that is not required.
ROUTE_TEXT = ("mode", "exit_point")


PRODUCT_FIELDS = [field.attname for field in Product._meta.concrete_fields]
# The related rows of a page, each one query compiled once per process (tradehub.prepared_queries).
DOCUMENTS = RowsByIds(
    lambda ids: (
        RequiredDocument.objects.filter(shipment_id__in=ids)
        .order_by("sequence")
        .values_list(*DOCUMENT_COLUMNS)
    )
)
LEGS = RowsByIds(
    lambda ids: (
        Leg.objects.filter(shipment_id__in=ids).order_by("sequence").values_list(*LEG_COLUMNS)
    )
)
LOTS = RowsByIds(
    lambda ids: (
        with_excursion_flag(Lot.objects.filter(shipment_id__in=ids))
        # The state as its JSON text: lots that store the same text share one parsed state
        # (shelf_life.state_from_json) and one set of shelf-life figures per request.
        .annotate(shelf_state_text=Cast("shelf_state", TextField()))
        .order_by("id")
        .values_list(*LOT_COLUMNS)
    ),
    # The excursion flag's threshold is a parameter of the compiled query.
    depends_on=lambda: settings.LOT_EXCURSION_AT_RISK_DEGREE_HOURS,
)
# The products of the shipments' lots (by shipment id, so that it runs with the others).
PRODUCTS = RowsByIds(
    lambda ids: (
        Product.objects.filter(pk__in=Lot.objects.filter(shipment_id__in=ids).values("product_id"))
        # An order of their own, so that their digest does not depend on the plan (a detail's
        # ids come from a subquery, a page's from a list).
        .order_by("id")
        .values_list(*PRODUCT_FIELDS)
    )
)
SHIPMENTS = RowsByIds(
    lambda ids: (
        Shipment.objects.filter(pk__in=ids)
        .annotate(**JSON_TEXT)
        .order_by("id")  # as the products' (put in the ids' order afterwards)
        .values_list(*SHIPMENT_COLUMNS)
    )
)


def _in_order(rows: list[Row], ids: Sequence[int]) -> list[Row]:
    by_id = {row["id"]: row for row in rows}
    return [by_id[pk] for pk in ids if pk in by_id]


def page_rows(queryset: QuerySet[Shipment], ordering: Sequence[str]) -> QuerySet[Shipment, Row]:
    """The shipments of `queryset` as the few columns a cursor page reads: the id and the
    `ordering` fields. Django builds and compiles the page query per request, and 24 columns
    with five joins and two JSON columns cost several times what the id and `created_at` do;
    the page's rows then come from `represent_shipments`' query compiled once."""
    fields = dict.fromkeys(["id", *(field.lstrip("-") for field in ordering)])
    return queryset.values(*fields)


def represent_shipments(ids: Sequence[int], now: dt.datetime) -> list[dict[str, Any]]:
    """`ShipmentSerializer(shipments, many=True).data` for the shipments with these ids, in
    their order, lots as of `now`; an id whose shipment is gone is left out. Six queries
    compiled once per process, sent together (one round trip on PostgreSQL).

    What the rows give is kept (`KEPT`, `tradehub.api.kept`) with the digests PostgreSQL computed over the rows
    it was built from; a page asked for again (a partner polling a list) first asks for the
    digests alone, and when they are the same, the page is copied from what was built, only the
    lots' figures, which depend on `now`, computed again."""
    return shown_shipments(ids, now).dicts()


class Shown:
    """Shipments as shown as of `now` (`represent_shipments`), as dicts or as JSON, each made
    when first asked for."""

    __slots__ = ("_dicts", "now", "page")

    def __init__(self, page: "_Page | None", now: dt.datetime) -> None:
        self.page = page
        self.now = now
        self._dicts: list[dict[str, Any]] | None = None

    def dicts(self) -> list[dict[str, Any]]:
        """`ShipmentSerializer(shipments, many=True).data`."""
        if self._dicts is None:
            self._dicts = [] if self.page is None else self.page.as_of(self.now)
        return self._dicts

    def json(self) -> list[bytes]:
        """Each shipment's JSON as `FastJSONRenderer` writes it (`_Page.json_as_of`)."""
        return [] if self.page is None else self.page.json_as_of(self.now)


def shown_shipments(ids: Sequence[int], now: dt.datetime) -> Shown:
    """`represent_shipments`, its dicts or its JSON made when asked for."""
    if not ids:
        return Shown(None, now)
    return Shown(_page(ids, timezone.get_current_timezone()), now)


# What a detail's lookup reads of its shipment: the id, and the ETag's fields.
FOUND_FIELDS = ("id", "updated_at", "version")


def represent_found(rows: QuerySet[Shipment, Row], now: dt.datetime) -> tuple[Row, Shown] | None:
    """The shipment `rows` finds (`.values(*FOUND_FIELDS)` of the caller's scope, filtered to
    one shipment; None when none, `MultipleObjectsReturned` as `get` when several) and its
    representation as of `now` (a `Shown` of one). A detail asked for again whose rows did not change costs one
    round trip: the lookup and the digests of what the shipment it finds was shown from, one
    statement each session prepares once (`tradehub.api.kept.found_rows`). Where that cannot be (SQLite,
    a lookup of another shape), the lookup, then the digests (`digests_together`)."""
    found, digests = found_rows(rows, FOUND_FIELDS, [query for query, _ in _related(())])
    if not found:
        return None
    if len(found) > 1:
        raise Shipment.MultipleObjectsReturned
    row = found[0]
    zone = timezone.get_current_timezone()
    ids = [row["id"]]
    if digests is None:
        page = _page(ids, zone)
    else:
        page = KEPT.as_digested(
            (zone, tuple(ids)), digests, _related(ids), lambda rows: _built(ids, zone, *rows)
        )
    if not page.shipments:  # gone since it was found
        return None
    return row, Shown(page, now)


def _related(ids: Sequence[int]) -> tuple[tuple[RowsByIds, Sequence[int]], ...]:
    """The six queries a page is built from, for these ids."""
    return (
        (SHIPMENTS, ids),
        (DOCUMENTS, ids),
        (LEGS, ids),
        (LOTS, ids),
        (PRODUCTS, ids),
        (OPEN_ALERTS_OF_SHIPMENTS, ids),
    )


def _page(ids: Sequence[int], zone: Any) -> "_Page":
    """The page of these ids in this zone: the one kept if its rows did not change, else built
    from its rows (read with their digests) and kept."""
    return KEPT.get((zone, tuple(ids)), _related(ids), lambda rows: _built(ids, zone, *rows))


# What a lot's shelf-life figures are computed from, besides `now`: state, profile, packing
# day, harvest, pre-cooling, field temperature, shelf-life end, arrival, excursion flag.
FigureInputs = tuple[
    shelf_life.LotState,
    shelf_life.ProductProfile,
    dt.date,
    dt.datetime | None,
    dt.datetime | None,
    float | None,
    dt.datetime,
    dt.datetime | None,
    bool,
]
# A lot as shown but for its figures (None in their places), and which of the page's distinct
# figure inputs are its own.
LotTemplate = tuple[dict[str, Any], int]


class _Page:
    """A page's output without `now`: each shipment's dict (its lots' figures left out) and its
    lots, and the distinct figure inputs of the page's lots (lots that share them, e.g. the lots
    of a shipment before their first reading, share one computation); once asked for, each
    shipment's JSON around its lots' figures (`json_as_of`)."""

    __slots__ = ("figure_inputs", "segments", "shipments")

    def __init__(
        self,
        shipments: list[tuple[dict[str, Any], list[LotTemplate]]],
        figure_inputs: list[FigureInputs],
    ) -> None:
        self.shipments = shipments
        self.figure_inputs = figure_inputs
        # Each shipment's JSON cut where its lots' figures go (None: not cut, see `_cut`).
        self.segments: list[list[bytes] | None] | None = None

    def as_of(self, now: dt.datetime) -> list[dict[str, Any]]:
        """The shipments as of `now`, every dict and list a new one (an entry is shared by the
        requests that find it)."""
        figures = [_figures(*inputs, now) for inputs in self.figure_inputs]
        return [
            _shipment(template, lot_templates, figures)
            for template, lot_templates in self.shipments
        ]

    def json_as_of(self, now: dt.datetime) -> list[bytes]:
        """Each shipment's JSON as `FastJSONRenderer` writes `as_of(now)`'s dicts (the renderer
        writes a list as its items' bytes joined by commas, and an item as its values' bytes
        between its keys: compact JSON, each part written, or handed to DRF's renderer, on its
        own terms). The JSON around the figures is written once per page kept; for each answer
        only the figures of each distinct set of inputs are computed and written, and the
        parts joined: copying the dicts (`as_of`) and rendering them cost a page of 50 more
        than the rest of the answer (`docs/benchmarks.md`)."""
        segments = self.segments
        if segments is None:
            segments = self.segments = [_cut(*shipment) for shipment in self.shipments]
        written = [
            tuple(RENDER(value, JSON) for value in _figures(*inputs, now))
            for inputs in self.figure_inputs
        ]
        out = []
        for (template, lot_templates), cut in zip(self.shipments, segments, strict=True):
            if cut is None:
                figures = [_figures(*inputs, now) for inputs in self.figure_inputs]
                out.append(RENDER(_shipment(template, lot_templates, figures), JSON))
                continue
            parts = [cut[0]]
            for n, (_, index) in enumerate(lot_templates):
                remaining, condition, precooling = written[index]
                parts += (remaining, cut[3 * n + 1], condition, cut[3 * n + 2])
                parts += (precooling, cut[3 * n + 3])
            out.append(b"".join(parts))
        return out


def _shipment(
    template: dict[str, Any], lot_templates: list[LotTemplate], figures: Sequence[Any]
) -> dict[str, Any]:
    """A shipment as shown, its lots with these figures (by figure index), every dict and list
    a new one."""
    shipment = template.copy()
    route = template["onward_route"]
    if route is not None:
        route = route.copy()
        if route.get("transit_countries") is not None:
            route["transit_countries"] = list(route["transit_countries"])
        shipment["onward_route"] = route
    if template["consignee"] is not None:
        shipment["consignee"] = template["consignee"].copy()
    shipment["required_documents"] = [d.copy() for d in template["required_documents"]]
    shipment["warnings"] = list(template["warnings"])
    shipment["legs"] = [leg.copy() for leg in template["legs"]]
    lots = []
    for lot_template, index in lot_templates:
        remaining, condition, precooling = figures[index]
        lot = lot_template.copy()
        lot["remaining_shelf_life_hours"] = remaining
        lot["condition"] = condition
        lot["open_alerts"] = [alert.copy() for alert in lot_template["open_alerts"]]
        lot["precooling"] = precooling if isinstance(precooling, str) else precooling.copy()
        lots.append(lot)
    shipment["lots"] = lots
    return shipment


RENDER = FastJSONRenderer().render
JSON = FastJSONRenderer.media_type
# Stands for a lot's figures while a shipment's JSON is written once (`_cut`): no value shown
# holds it (a process's own random text).
_FIGURE = f"\x00shipment-figure-{uuid.uuid4().hex}\x00"


def _cut(template: dict[str, Any], lot_templates: list[LotTemplate]) -> list[bytes] | None:
    """The shipment's JSON cut at its lots' figures (three per lot: remaining hours, condition,
    pre-cooling, in the order written): written with `_FIGURE` in their places and split at
    its spelling. None where the pieces are not those (then its dicts are rendered each time)."""
    figures = [(_FIGURE, _FIGURE, _FIGURE)] * (len(lot_templates) and 1)
    marked = _shipment(template, [(lot, 0) for lot, _ in lot_templates], figures)
    cut = RENDER(marked, JSON).split(RENDER(_FIGURE, JSON))
    return cut if len(cut) == 3 * len(lot_templates) + 1 else None


# Pages built from their rows, by (display zone, ids), with the digests of the six queries'
# rows they were built from: with the zone and the ids, everything the output is made of but
# `now` (equal digests, equal rows). Bounded by the shipments held, emptied when full.
SHIPMENTS_KEPT = 1_000
KEPT: Kept[_Page] = Kept(SHIPMENTS_KEPT, lambda page: len(page.shipments))


def _built(
    ids: Sequence[int],
    zone: Any,
    shipment_rows: list[tuple[Any, ...]],
    document_rows: list[tuple[Any, ...]],
    leg_rows: list[tuple[Any, ...]],
    lot_rows: list[tuple[Any, ...]],
    product_rows: list[tuple[Any, ...]],
    alert_rows: list[tuple[Any, ...]],
) -> _Page:
    """The page from its rows (the six queries' results, in `represent_shipments`' order)."""
    rows = _in_order(SHIPMENTS.named(shipment_rows), ids)
    when = datetime_formatter(zone)
    documents = _by_shipment(document_rows)
    legs = _by_shipment(leg_rows)
    # The products as plain objects with the columns as attributes: the shelf-life profile and
    # the mixed-load rules only read columns, and a model instance per product (Django's
    # `__init__` and its init signals) is dearer (three products: 47 -> 31 µs with profiles).
    products = {row["id"]: SimpleNamespace(**row) for row in PRODUCTS.named(product_rows)}
    profiles = {pk: shelf_life.ProductProfile.from_obj(product) for pk, product in products.items()}
    alerts = open_alerts_from(alert_rows)
    arrivals = {
        row["id"]: arrival_to_outlast(
            row["status"], row["estimated_arrival"], row["planned_arrival"]
        )
        for row in rows
    }
    memo: dict[tuple[frozenset[int], str], list[str]] = {}
    figure_index: dict[tuple[Any, ...], int] = {}
    figure_inputs: list[FigureInputs] = []

    def warnings_of(its_lots: Sequence[tuple[Any, ...]], setpoint_c: Any) -> list[str]:
        # The warnings depend only on the set of products and the set-point: shipments of a
        # page that share them share one computation (the set-point by its spelling: -0.0 and
        # 0.0 are equal keys but read "-0" and "0" in a warning).
        key = (frozenset(lot[2] for lot in its_lots), repr(setpoint_c))
        found = memo.get(key)
        if found is None:
            found = memo[key] = mixed_load_warnings(
                [products[lot[2]] for lot in its_lots], setpoint_c
            )
        return list(found)

    def figures_of(lot: tuple[Any, ...], arrival: dt.datetime | None) -> int:
        (_, _, product_id, _, _, _, packed_on, _, _, ends_at, _, _, shelf_state) = lot[:13]
        harvested_at, precooled_at, field_temp_c, excursion = lot[13:]
        # The figures depend only on these values (and `now`, the same for the whole page).
        key = (
            shelf_state,
            product_id,
            packed_on,
            harvested_at,
            precooled_at,
            field_temp_c,
            ends_at,
            arrival,
            excursion,
        )
        index = figure_index.get(key)
        if index is None:
            index = figure_index[key] = len(figure_inputs)
            figure_inputs.append(
                (
                    shelf_life.state_from_json(shelf_state),
                    profiles[product_id],
                    packed_on,
                    harvested_at,
                    precooled_at,
                    field_temp_c,
                    ends_at,
                    arrival,
                    bool(excursion),
                )
            )
        return index

    lots: dict[int, list[tuple[Any, ...]]] = {}
    for lot in lot_rows:
        lots.setdefault(lot[1], []).append(lot)
    shipments = []
    for row in rows:
        pk = row["id"]
        its_lots = lots.get(pk, ())
        arrival = arrivals[pk]
        template = {
            "reference": row["reference"],
            "partner_reference": row["partner_reference"],
            "kind": row["kind"],
            "status": row["status"],
            "origin": row["origin__code"],
            "destination": row["destination__code"],
            "destination_country": row["destination__country__code"],
            "declaration": row["declaration__reference"],
            "setpoint_c": _float(row["setpoint_c"]),
            "package_kind": row["package_kind"],
            "planned_departure": when(row["planned_departure"]),
            "planned_arrival": when(row["planned_arrival"]),
            "estimated_arrival": when(row["estimated_arrival"]),
            "actual_departure": when(row["actual_departure"]),
            "actual_arrival": when(row["actual_arrival"]),
            "is_overdue": bool(row["is_overdue"]),
            "onward_formalities": row["onward_formalities"],
            "onward_route": _route(json_in(row["onward_route_text"])),
            "onward_declaration": row["onward_declaration__reference"],
            "required_documents": [_document(d, when) for d in documents.get(pk, ())],
            "consignee": consignee_out(json_in(row["consignee_text"])),
            "warnings": warnings_of(its_lots, row["setpoint_c"]),
            "legs": [_leg(leg, when) for leg in legs.get(pk, ())],
            "lots": None,
            "version": row["version"],
            "created_at": when(row["created_at"]),
            "updated_at": when(row["updated_at"]),
        }
        lot_templates = [
            (_lot(lot, products[lot[2]], alerts, when), figures_of(lot, arrival))
            for lot in its_lots
        ]
        shipments.append((template, lot_templates))
    return _Page(shipments, figure_inputs)


def _by_shipment(rows: Iterable[tuple[Any, ...]]) -> dict[int, list[tuple[Any, ...]]]:
    """Rows whose first value is the shipment id, grouped by it (in query order)."""
    grouped: dict[int, list[tuple[Any, ...]]] = {}
    for row in rows:
        grouped.setdefault(row[0], []).append(row)
    return grouped


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _route(route: Any) -> dict[str, Any] | None:
    """OnwardRouteSerializer's representation of the stored route."""
    if route is None:
        return None
    if not isinstance(route, dict):
        return {}
    out: dict[str, Any] = {}
    if "mode" in route:
        out["mode"] = _text(route["mode"])
    if "transit_countries" in route:
        countries = route["transit_countries"]
        out["transit_countries"] = (
            None if countries is None else [_text(country) for country in countries]
        )
    if "exit_point" in route:
        out["exit_point"] = _text(route["exit_point"])
    return out


def _document(row: tuple[Any, ...], when: DatetimeOut) -> dict[str, Any]:
    _, sequence, kind, country, status, reference, declaration_id, source, updated_at = row
    return {
        "sequence": sequence,
        "type": kind,
        "country": country or None,
        "status": status,
        "reference": reference,
        "managed": declaration_id is not None,
        "source": source,
        "updated_at": when(updated_at),
    }


def _leg(row: tuple[Any, ...], when: DatetimeOut) -> dict[str, Any]:
    (_, sequence, mode, departure, arrival, departed, arrived, vehicle, container, start, end) = row
    return {
        "sequence": sequence,
        "mode": mode,
        "planned_departure": when(departure),
        "planned_arrival": when(arrival),
        "actual_departure": when(departed),
        "actual_arrival": when(arrived),
        "vehicle": vehicle,
        "container": container,
        "from": start,
        "to": end,
    }


# What a lot shows of the shelf-life model: remaining hours (rounded), condition, pre-cooling.
LotFigures = tuple[float, str, dict[str, Any]]


def _lot(
    row: tuple[Any, ...],
    product: SimpleNamespace,
    alerts: dict[int, list[dict[str, Any]]],
    when: DatetimeOut,
) -> dict[str, Any]:
    """A lot as shown, its figures (remaining hours, condition, pre-cooling: they depend on
    `now`) left None in their places."""
    (pk, _, _, lot_code, net_kg, packages, packed_on, goods_item, expires_at, ends_at) = row[:10]
    consumed, chilling = row[10:12]
    return {
        "lot_code": lot_code,
        "product": product.code,
        "net_kg": decimal_out(net_kg, NET_KG_DIGITS, NET_KG_PLACES),
        "packages": packages,
        "packed_on": date_out(packed_on),
        "goods_item": goods_item,
        "expires_at": when(expires_at),
        "shelf_life_ends_at": when(ends_at),
        "remaining_shelf_life_hours": None,
        "consumed_fraction": _float(consumed),
        "chilling_damage": round(chilling, 2),
        "condition": None,
        "open_alerts": list(alerts.get(pk, ())),
        "precooling": None,
    }


def _figures(
    state: shelf_life.LotState,
    profile: shelf_life.ProductProfile,
    packed_on: dt.date,
    harvested_at: dt.datetime | None,
    precooled_at: dt.datetime | None,
    field_temp_c: float | None,
    ends_at: dt.datetime,
    arrival: dt.datetime | None,
    excursion: bool,
    now: dt.datetime,
) -> LotFigures:
    """A lot's shelf-life figures, by the functions the serializer calls."""
    remaining = remaining_hours_of(state, profile, packed_on, now)
    condition = condition_of(
        state, profile, packed_on, now, arrival, ends_at, lambda: excursion, remaining
    )
    precooling = precooling_from(state, profile, harvested_at, precooled_at, field_temp_c, now)
    return round(remaining, 2), condition, precooling
