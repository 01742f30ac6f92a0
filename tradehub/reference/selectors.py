"""Reads of reference data that other apps rely on: HS validation, customs-union rules, the EAEU
10-digit nomenclature and the EAEU list of phytosanitary regulated products.

Every rule that changes with the law takes the day it is asked for (the declaration date, as a
`datetime.date`); nothing here reads "today" on its own. Codes may be given with the spaces and dots
people write ("0702 00 000 5", "0702.00"); they are compacted first.

EAEU nomenclature (ЕТН ВЭД ЕАЭС), table `EaeuCommodityCode`:

- `eaeu_code_valid_on(code, day) -> bool`: the 10-digit code is in force on the day and, if it is a
  seasonal code, the day falls inside its window (0702 00 000 5, tomatoes, 1 June-30 September).
- `eaeu_code(code, day) -> EaeuCommodityCode | None`: the row behind that answer.
- `eaeu_code_known(code) -> bool`: the code exists in some edition or season (tells "no such code"
  from "not valid on that day").
- `eaeu_codes_for(prefix, day) -> list[EaeuCommodityCode]`: the 10-digit codes valid on the day
  that start with a 2-10 digit prefix, by code; for a seasonal heading that is the one code of
  the season (0702 on 15 July -> [0702000005]).
- `eaeu_suggestions(code, day) -> list[EaeuCommodityCode]`: candidates for a code that is not
  valid on the day: those under its 8-digit, else 6-, else 4-digit prefix ("0702000000" on
  15 July -> [0702000005]); empty when none exist. Use it for the 400 that lists candidates.
- `commodity_code_digits(country, day) -> int` and `tariff_requires_10_digits(country, day) ->
  bool`: declarations lodged in that country need that many digits (EAEU members: 10, from the
  union's row in customs_union_nomenclatures.csv and the effective-dated memberships; others: 6).

Phytosanitary regulated products, table `PhytosanitaryRegulatedProduct` (rows are code prefixes;
the longest prefix in force on the day wins, so an exclusion row inside a broader one works):

- `phytosanitary_rule(code, day) -> PhytosanitaryRegulatedProduct | None`: the list row that
  decides, or None when the list does not name the goods.
- `phytosanitary_certificate_required(code, day) -> bool`: True when that row requires a
  certificate. A row with `partial=True` ("из": only part of the goods under the code, e.g. fresh
  but not dried dates) counts as required; its description says which part.

VAT, table `VatRate`:

- `vat_rate(country, day) -> Decimal | None`: the standard VAT rate in percent in force on the day
  (Kazakhstan: 12 until 31 December 2025, 16 from 1 January 2026), None when none is loaded.

Route requirements of onward distribution, tables `OnwardProcedureRule`, `RouteRule`,
`TransitDocumentRule` (docs/customs-procedures.md):

- `relation_between(from_country, to_country, day)`: same country, same customs union, or third
  country (effective-dated memberships).
- `onward_route(from_country, to_country, day, mode) -> OnwardRoute | None`: the onward procedure
  (`free_circulation`, `eaeu_mutual_trade`, `reexport_under_transit`), the child procedure that
  takes stock out of customs control, the documents, the transit countries and their transit
  documents, with every rule's source.
- `onward_formalities(from_country, to_country, day) -> str`: just the procedure ("" when no rule).

Each of these is one indexed query (onward_route: three).
"""

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

from django.db import connections
from django.db.models import Max, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Length

from .choices import DocumentCondition, Relation, RouteMode
from .models import (
    CustomsUnionMembership,
    EaeuCommodityCode,
    HsCode,
    Location,
    OnwardProcedureRule,
    PhytosanitaryRegulatedProduct,
    RouteRule,
    TransitDocumentRule,
    VatRate,
)

COMMODITY_CODE = re.compile(r"^(\d{6}|\d{10})$")


def hs_subheading(commodity_code: str) -> HsCode | None:
    """The HS 2022 subheading of a 6- or 10-digit commodity code, or None when it is not valid."""
    if not COMMODITY_CODE.match(commodity_code or ""):
        return None
    return HsCode.objects.filter(code=commodity_code[:6], level=6).first()


def customs_unions_of(country_code: str, on: dt.date) -> set[str]:
    """Codes of the customs unions a country belongs to on a given day."""
    return set(
        CustomsUnionMembership.objects.effective_on(on)
        .filter(country__code=country_code)
        .values_list("union__code", flat=True)
    )


def same_customs_union(country_a: str, country_b: str, on: dt.date) -> bool:
    """True when goods released in one country circulate freely into the other on that day."""
    if country_a == country_b:
        return True
    return bool(customs_unions_of(country_a, on) & customs_unions_of(country_b, on))


def compact_code(value: str) -> str:
    """A commodity code without the spaces and dots people write into it."""
    return re.sub(r"[\s.]", "", str(value or ""))


def _digits(code: str, lengths: tuple[int, ...]) -> str | None:
    code = compact_code(code)
    return code if code.isdigit() and len(code) in lengths else None


def eaeu_code(code: str, day: dt.date) -> EaeuCommodityCode | None:
    """The EAEU 10-digit code row valid on the day (in force and in season), or None."""
    compact = _digits(code, (10,))
    if compact is None:
        return None
    return EaeuCommodityCode.objects.valid_on(day).filter(code=compact).first()


def eaeu_code_valid_on(code: str, day: dt.date) -> bool:
    """Whether a declaration made on the day may use this 10-digit EAEU code."""
    return eaeu_code(code, day) is not None


def eaeu_code_known(code: str) -> bool:
    """Whether the 10-digit code exists in any loaded edition, whatever its dates and season."""
    compact = _digits(code, (10,))
    return compact is not None and EaeuCommodityCode.objects.filter(code=compact).exists()


def eaeu_code_in_season(code: str, day: dt.date) -> str:
    """The code to declare on the day for goods classified under `code` on another day.

    A seasonal code whose window has passed gives way to its seasonal sibling valid that day:
    the same first nine digits, the tenth digit being the season (fresh tomatoes 0702 00 000 1
    ... 9, cucumbers 0707 00 050 1 ... 9, apples 0808 10 800 5 ... 8). When the code is valid
    that day, not seasonal, or no single sibling is valid, the code is returned unchanged (the
    declaration's validation then names the candidates).
    """
    compact = _digits(code, (10,))
    if compact is None or eaeu_code(compact, day) is not None:
        return code
    seasonal = EaeuCommodityCode.objects.filter(code=compact, season_start__isnull=False)
    if not seasonal.exists():
        return code
    siblings = list(
        EaeuCommodityCode.objects.valid_on(day)
        .under(compact[:9])
        .filter(season_start__isnull=False)
        .values_list("code", flat=True)
        .distinct()
    )
    return siblings[0] if len(siblings) == 1 else code


def eaeu_codes_for(prefix: str, day: dt.date) -> list[EaeuCommodityCode]:
    """The 10-digit EAEU codes valid on the day under a 2-10 digit prefix, ordered by code."""
    compact = _digits(prefix, tuple(range(2, 11)))
    if compact is None:
        return []
    return list(
        EaeuCommodityCode.objects.valid_on(day)
        .under(compact)
        .select_related("hs_subheading")
        .order_by("code")
    )


def eaeu_suggestions(code: str, day: dt.date) -> list[EaeuCommodityCode]:
    """Codes valid on the day to offer instead of `code`: under its 8-digit prefix, else its
    6-digit subheading, else its 4-digit heading."""
    compact = compact_code(code)
    for length in (8, 6, 4):
        if len(compact) >= length:
            candidates = eaeu_codes_for(compact[:length], day)
            if candidates:
                return candidates
    return []


def commodity_code_digits(country_code: str, day: dt.date) -> int:
    """How many digits a commodity code on a declaration lodged in the country needs on the day:
    the longest any of its customs unions asks for (EAEU: 10), else 6 (the HS subheading)."""
    digits = (
        CustomsUnionMembership.objects.effective_on(day)
        .filter(country__code=country_code)
        .aggregate(digits=Max("union__commodity_code_digits"))["digits"]
    )
    return max(digits or 6, 6)


def tariff_requires_10_digits(country_code: str, day: dt.date) -> bool:
    """Whether declarations lodged in the country on the day need a 10-digit code (EAEU offices)."""
    return commodity_code_digits(country_code, day) >= 10


def phytosanitary_rule(code: str, day: dt.date) -> PhytosanitaryRegulatedProduct | None:
    """The row of the EAEU regulated-products list in force on the day whose prefix is the
    longest match for the code, or None when the list does not name these goods."""
    compact = _digits(code, tuple(range(2, 11)))
    if compact is None:
        return None
    prefixes = [compact[:length] for length in range(2, len(compact) + 1)]
    return (
        PhytosanitaryRegulatedProduct.objects.effective_on(day)
        .filter(code_prefix__in=prefixes)
        .order_by(Length("code_prefix").desc(), "-valid_from")
        .first()
    )


def phytosanitary_certificate_required(code: str, day: dt.date) -> bool:
    """Whether goods under this code need a phytosanitary certificate on the day (EAEU list)."""
    rule = phytosanitary_rule(code, day)
    return rule is not None and rule.certificate_required


# Fresh produce, in TradeHub's one definition: goods the EAEU list of regulated products names
# under its items of fresh vegetables and fresh fruit (list_item of the loaded data). Dried,
# frozen and preserved goods of the same chapters, seeds and grain are not fresh produce.
FRESH_PRODUCE_LIST_ITEMS = frozenset({"Свежие овощи", "Свежие фрукты"})


def is_fresh_produce(code: str, day: dt.date) -> bool:
    """Whether goods under this code are fresh fruit or vegetables on the day (EAEU list)."""
    rule = phytosanitary_rule(code, day)
    return rule is not None and rule.list_item in FRESH_PRODUCE_LIST_ITEMS


def vat_rate(country_code: str, day: dt.date) -> Decimal | None:
    """The standard VAT rate (percent) of the country in force on the day, or None if not loaded."""
    return (
        VatRate.objects.effective_on(day)
        .filter(country__code=country_code)
        .order_by("-valid_from")
        .values_list("rate", flat=True)
        .first()
    )


def relation_between(from_country: str, to_country: str, on: dt.date) -> str:
    """How a destination stands to a country on a day: same country, same customs union, or a
    third country (from the effective-dated memberships)."""
    if from_country == to_country:
        return Relation.DOMESTIC
    if same_customs_union(from_country, to_country, on):
        return Relation.CUSTOMS_UNION
    return Relation.THIRD_COUNTRY


@dataclass(frozen=True)
class RequiredDocumentSpec:
    """A document a route needs: its type, the country it is for ("" = the whole route), when it
    applies (always, or only for regulated products) and the rule's source."""

    type: str
    country: str = ""
    when: str = DocumentCondition.ALWAYS
    source: str = ""


@dataclass(frozen=True)
class OnwardRoute:
    """What taking goods declared in `from_country` on to `to_country` needs on a day."""

    from_country: str
    to_country: str
    relation: str
    procedure: str
    child_procedure: str
    from_free_circulation: bool
    mode: str
    transit_countries: tuple[str, ...]
    exit_point: str
    route_known: bool
    documents: tuple[RequiredDocumentSpec, ...]
    sources: tuple[str, ...]

    def documents_for(self, regulated: bool) -> list[RequiredDocumentSpec]:
        """The documents that apply to this cargo (quarantine papers only for regulated goods)."""
        return [
            doc
            for doc in self.documents
            if doc.when == DocumentCondition.ALWAYS
            or (regulated and doc.when == DocumentCondition.REGULATED_PRODUCTS)
        ]


def route_options(
    from_country: str, to_country: str, on: dt.date, mode: str = RouteMode.ROAD
) -> list[tuple[str, ...]]:
    """The transit countries of every route between two countries by the mode on the day, the
    usual route first (Almaty to Dushanbe by road: through Uzbekistan, or through Kyrgyzstan)."""
    return [
        tuple(route.transit_countries)
        for route in RouteRule.objects.effective_on(on)
        .filter(from_country__code=from_country, to_country__code=to_country, mode=mode)
        .order_by("rank", "-valid_from")
    ]


def onward_route(
    from_country: str,
    to_country: str,
    on: dt.date,
    mode: str = RouteMode.ROAD,
    via: tuple[str, ...] | list[str] | None = None,
) -> OnwardRoute | None:
    """The onward procedure, documents and transit countries from the effective-dated route
    data (None when no rule covers the pair on that day).

    The procedure comes from how the countries stand to each other (customs-union memberships);
    the transit countries from the route table for the mode - the usual route, or the one
    through the countries `via` names (None when no route that day goes that way); each transit
    country adds the transit document it requires for that mode (TIR carnet, national transit
    declaration).
    """
    relation = relation_between(from_country, to_country, on)
    rule = (
        OnwardProcedureRule.objects.effective_on(on)
        .filter(from_country__code=from_country, relation=relation)
        .order_by("-valid_from")
        .first()
    )
    if rule is None:
        return None
    routes = (
        RouteRule.objects.effective_on(on)
        .filter(from_country__code=from_country, to_country__code=to_country, mode=mode)
        .order_by("rank", "-valid_from")
    )
    if via is None:
        route = routes.first()
    else:
        route = next((r for r in routes if tuple(r.transit_countries) == tuple(via)), None)
        if route is None:
            return None
    crossed: tuple[str, ...] = tuple(route.transit_countries) if route else ()
    documents = [
        RequiredDocumentSpec(doc["type"], "", doc["when"], rule.source) for doc in rule.documents
    ]
    sources = [rule.source]
    if route is not None:
        sources.append(route.source)
    transit_rules = {
        r.country.code: r
        for r in TransitDocumentRule.objects.effective_on(on)
        .filter(country__code__in=crossed, mode=mode)
        .select_related("country")
        .order_by("valid_from")
    }
    for country in crossed:
        transit = transit_rules.get(country)
        if transit is not None:
            documents.append(RequiredDocumentSpec(transit.document, country, source=transit.source))
            sources.append(transit.source)
    return OnwardRoute(
        from_country=from_country,
        to_country=to_country,
        relation=relation,
        procedure=rule.procedure,
        child_procedure=rule.child_procedure,
        from_free_circulation=rule.from_free_circulation,
        mode=mode,
        transit_countries=crossed,
        exit_point=route.exit_point if route else "",
        route_known=route is not None,
        documents=tuple(documents),
        sources=tuple(dict.fromkeys(sources)),
    )


def onward_formalities(from_country: str, to_country: str, on: dt.date) -> str:
    """The onward procedure a destination needs from a country on a day ("" when no route rule
    covers the pair): `free_circulation`, `eaeu_mutual_trade` or `reexport_under_transit`."""
    route = onward_route(from_country, to_country, on)
    return route.procedure if route is not None else ""


# A search matching at most this many locations is answered from their ids (see below).
SEARCH_ID_LIMIT = 1000


def search_locations(queryset: QuerySet[Location], term: str) -> QuerySet[Location]:
    """Locations whose code or name (with or without diacritics) matches the term.

    Lists are ordered by code, and with `ORDER BY code LIMIT 51` PostgreSQL often prefers walking
    the code index and filtering every row over reading the few matches from the trigram indexes
    (migration 0007): it cannot estimate `UPPER(name) LIKE '%ALMA%'` (GIN indexes carry no
    statistics) and guessed 343 to 2,303 rows for 151, so `?search=alma` read 34,807 rows (28-104
    ms). The matching ids are therefore read first, unordered (the trigram indexes' bitmap OR),
    and the list filters on them; a term matching more than SEARCH_ID_LIMIT locations keeps the
    plain filter, for which walking the code index finds a page quickly.
    """
    term = term.strip()
    if not term:
        return queryset
    matches = Q(code__iexact=term) | Q(name__icontains=term) | Q(name_ascii__icontains=term)
    ids = list(Location.objects.filter(matches).values_list("pk", flat=True)[: SEARCH_ID_LIMIT + 1])
    if len(ids) > SEARCH_ID_LIMIT:
        return queryset.filter(matches)
    if connections[queryset.db].vendor != "postgresql":
        return queryset.filter(pk__in=ids)  # the embedded SQLite default has no arrays
    # One array parameter instead of a placeholder per id: compiling 151 of them cost more CPU
    # than the query.
    return queryset.filter(pk__in=RawSQL("SELECT unnest(%s::bigint[])", [ids]))
