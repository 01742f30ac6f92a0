"""Reads of reference data that other apps rely on: HS validation and customs-union rules."""

import datetime as dt
import re

from django.db.models import Q, QuerySet

from .models import CustomsUnionMembership, HsCode, Location

COMMODITY_CODE = re.compile(r"^(\d{6}|\d{10})$")

NO_FORMALITIES = "none"
EXPORT_AND_IMPORT = "export_and_import_declaration"


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


def onward_formalities(from_country: str, to_country: str, on: dt.date) -> str:
    """What a distribution leg needs after release: nothing inside the customs union, else
    export (or transit) out of it and an import declaration at destination."""
    return NO_FORMALITIES if same_customs_union(from_country, to_country, on) else EXPORT_AND_IMPORT


def search_locations(queryset: QuerySet[Location], term: str) -> QuerySet[Location]:
    """Locations whose code or name (with or without diacritics) matches the term."""
    term = term.strip()
    if not term:
        return queryset
    return queryset.filter(
        Q(code__iexact=term) | Q(name__icontains=term) | Q(name_ascii__icontains=term)
    )
