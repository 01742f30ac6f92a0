"""Reads of reference data that other apps rely on: HS validation, customs-union rules and
the route requirements of onward distribution."""

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from .choices import DocumentCondition, Relation, RouteMode
from .models import (
    CustomsUnionMembership,
    HsCode,
    Location,
    OnwardProcedureRule,
    RouteRule,
    TransitDocumentRule,
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


def onward_route(
    from_country: str, to_country: str, on: dt.date, mode: str = RouteMode.ROAD
) -> OnwardRoute | None:
    """The onward procedure, documents and transit countries from the effective-dated route
    data (None when no rule covers the pair on that day).

    The procedure comes from how the countries stand to each other (customs-union memberships);
    the transit countries from the route table for the mode; each transit country adds the
    transit document it requires for that mode (TIR carnet, national transit declaration).
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
    route = (
        RouteRule.objects.effective_on(on)
        .filter(from_country__code=from_country, to_country__code=to_country, mode=mode)
        .order_by("-valid_from")
        .first()
    )
    via: tuple[str, ...] = tuple(route.transit_countries) if route else ()
    documents = [
        RequiredDocumentSpec(doc["type"], "", doc["when"], rule.source) for doc in rule.documents
    ]
    sources = [rule.source]
    if route is not None:
        sources.append(route.source)
    transit_rules = {
        r.country.code: r
        for r in TransitDocumentRule.objects.effective_on(on)
        .filter(country__code__in=via, mode=mode)
        .select_related("country")
        .order_by("valid_from")
    }
    for country in via:
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
        transit_countries=via,
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


def search_locations(queryset: QuerySet[Location], term: str) -> QuerySet[Location]:
    """Locations whose code or name (with or without diacritics) matches the term."""
    term = term.strip()
    if not term:
        return queryset
    return queryset.filter(
        Q(code__iexact=term) | Q(name__icontains=term) | Q(name_ascii__icontains=term)
    )
