"""HS validation and customs-union rules come from reference data, effective-dated."""

import datetime as dt

import pytest

from tradehub.reference.models import Country, CustomsUnion, CustomsUnionMembership
from tradehub.reference.selectors import (
    hs_subheading,
    onward_formalities,
    onward_route,
    same_customs_union,
)

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 29)


@pytest.mark.parametrize("code", ["070200", "0702000000", "0806100000", "081050"])
def test_valid_commodity_codes_resolve_to_a_subheading(code):
    subheading = hs_subheading(code)
    assert subheading is not None
    assert subheading.code == code[:6]


@pytest.mark.parametrize("code", ["0702", "07020", "070299", "0702001", "abcdef", "", "999999"])
def test_invalid_commodity_codes_are_refused(code):
    assert hs_subheading(code) is None


@pytest.mark.parametrize(
    ("destination", "formalities"),
    [
        ("KZ", "free_circulation"),
        ("KG", "eaeu_mutual_trade"),
        ("RU", "eaeu_mutual_trade"),
        ("UZ", "reexport_under_transit"),
        ("TJ", "reexport_under_transit"),
        ("TM", "reexport_under_transit"),
        ("CN", "reexport_under_transit"),
    ],
)
def test_onward_formalities_from_almaty(destination, formalities):
    assert onward_formalities("KZ", destination, TODAY) == formalities


def test_membership_is_effective_dated():
    assert not same_customs_union("KZ", "KG", dt.date(2015, 8, 11))
    assert same_customs_union("KZ", "KG", dt.date(2015, 8, 12))


def test_a_membership_that_ends_stops_counting():
    eaeu = CustomsUnion.objects.get(code="EAEU")
    CustomsUnionMembership.objects.filter(union=eaeu, country__code="AM").update(
        valid_to=dt.date(2030, 1, 1)
    )
    assert same_customs_union("KZ", "AM", dt.date(2029, 12, 31))
    assert not same_customs_union("KZ", "AM", dt.date(2030, 1, 2))


def test_a_new_member_changes_formalities_without_code_changes():
    eaeu = CustomsUnion.objects.get(code="EAEU")
    CustomsUnionMembership.objects.create(
        union=eaeu, country=Country.objects.get(code="UZ"), valid_from=dt.date(2027, 1, 1)
    )
    assert onward_formalities("KZ", "UZ", TODAY) == "reexport_under_transit"
    assert onward_formalities("KZ", "UZ", dt.date(2027, 1, 1)) == "eaeu_mutual_trade"


def route_of(from_country, to_country, on, mode="road"):
    route = onward_route(from_country, to_country, on, mode)
    assert route is not None
    return route


def documents(route):
    return [(d.type, d.country) for d in route.documents_for(regulated=True)]


def test_dushanbe_is_reached_through_uzbekistan_with_a_tir_carnet_there():
    route = route_of("KZ", "TJ", TODAY, "road")
    assert route.procedure == "reexport_under_transit" and route.child_procedure == "reexport"
    assert route.transit_countries == ("UZ",)
    assert ("tir_carnet", "UZ") in documents(route)
    assert ("reexport_declaration", "") in documents(route)
    assert ("phytosanitary_reexport_certificate", "") in documents(route)
    rail = route_of("KZ", "TJ", TODAY, "rail")
    assert ("national_transit_declaration", "UZ") in documents(rail)


def test_ashgabat_by_road_goes_via_uzbekistan_by_rail_via_bolashak():
    road = route_of("KZ", "TM", TODAY, "road")
    rail = route_of("KZ", "TM", TODAY, "rail")
    assert road.transit_countries == ("UZ",)
    assert rail.transit_countries == ()
    assert "Bolashak" in rail.exit_point
    # Before the Bolashak - Serhetyaka line opened (11 May 2013), trains ran through Uzbekistan.
    from tradehub.reference.models import RouteRule

    before = RouteRule.objects.effective_on(dt.date(2013, 5, 10)).get(
        from_country__code="KZ", to_country__code="TM", mode="rail"
    )
    assert before.transit_countries == ["UZ"]


def test_kazakh_snt_applies_to_eaeu_exports_from_april_2023():
    march = route_of("KZ", "KG", dt.date(2023, 3, 31))
    april = route_of("KZ", "KG", dt.date(2023, 4, 1))
    assert "snt" not in [t for t, _ in documents(march)]
    assert "snt" in [t for t, _ in documents(april)]
    assert {"indirect_tax_application", "quarantine_certificate"} <= {
        t for t, _ in documents(april)
    }


def test_quarantine_papers_only_for_regulated_products():
    route = route_of("KZ", "KG", TODAY)
    frozen = [d.type for d in route.documents_for(regulated=False)]
    assert "quarantine_certificate" not in frozen and "snt" in frozen


def test_no_rule_for_a_country_without_route_data():
    assert onward_route("US", "KZ", TODAY) is None
    assert onward_formalities("US", "KZ", TODAY) == ""


def test_every_rule_names_a_procedure_that_exists_and_a_source():
    from declarations.procedures import PROCEDURES
    from tradehub.reference.models import OnwardProcedureRule, RouteRule, TransitDocumentRule

    assert OnwardProcedureRule.objects.exists()
    for rule in OnwardProcedureRule.objects.all():
        assert rule.child_procedure in PROCEDURES
        assert rule.source
    assert all(r.source for r in RouteRule.objects.all())
    assert all(r.source for r in TransitDocumentRule.objects.all())


@pytest.mark.parametrize("term", ["alma", "ALMATY", "kzala", "ala", "a", "tash", "xyzq", "Алматы"])
def test_location_search_finds_what_the_plain_filter_finds(term, monkeypatch):
    from django.db import connections
    from django.db.models import Q

    from tradehub.reference import selectors
    from tradehub.reference.models import Location

    matches = Q(code__iexact=term) | Q(name__icontains=term) | Q(name_ascii__icontains=term)
    plain = list(Location.objects.filter(matches).order_by("code").values_list("code", flat=True))
    found = selectors.search_locations(Location.objects.all(), term).order_by("code")
    assert list(found.values_list("code", flat=True)) == plain
    # The same with a smaller id limit: the many-matches path answers the same.
    monkeypatch.setattr(selectors, "SEARCH_ID_LIMIT", 3)
    found = selectors.search_locations(Location.objects.all(), term).order_by("code")
    assert list(found.values_list("code", flat=True)) == plain
    # And as on the embedded SQLite default, which has no arrays: a plain id list, same answer.
    monkeypatch.setattr(selectors, "SEARCH_ID_LIMIT", 1000)
    monkeypatch.setattr(connections["default"], "vendor", "sqlite")
    found = selectors.search_locations(Location.objects.all(), term).order_by("code")
    if plain:  # (an empty id list compiles to no query at all)
        assert "unnest" not in str(found.query)
    assert list(found.values_list("code", flat=True)) == plain


def test_location_search_pages_read_the_matches_not_the_code_index():
    """`?search=alma` (151 of 116,000 locations): the page query reads the matching ids, not a
    walk of the code index filtering a third of the table (84-104 ms)."""
    from django.db import connection

    from tradehub.reference.api.views import LocationViewSet
    from tradehub.reference.models import Location
    from tradehub.reference.selectors import search_locations

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL plans")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE reference_location")
    assert Location.objects.count() > 100_000
    page = search_locations(LocationViewSet.queryset, "alma").order_by("code")[:51]
    plan = page.explain()
    assert "reference_location_code_key" not in plan, plan
