"""Reference data loads completely, idempotently, and gets names and zones right."""

import pytest
from django.core.management import call_command

from tradehub.reference.loaders import ZoneFinder, parse_coordinates
from tradehub.reference.models import (
    Country,
    CustomsOffice,
    CustomsUnionMembership,
    EaeuCommodityCode,
    HsCode,
    Location,
    PhytosanitaryRegulatedProduct,
    ReferenceDataset,
    VatRate,
)

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            Country,
            CustomsUnionMembership,
            Location,
            CustomsOffice,
            HsCode,
            EaeuCommodityCode,
            PhytosanitaryRegulatedProduct,
            VatRate,
        )
    }


def test_full_unlocode_and_hs_2022_are_loaded():
    assert Location.objects.count() > 115_000
    assert HsCode.objects.filter(level=6).count() == 5612
    assert HsCode.objects.filter(level=2).count() == 96
    assert not HsCode.objects.filter(code__startswith="99").exists()
    parent = HsCode.objects.get(code="070200").parent
    assert parent is not None
    assert parent.code == "0702"


def test_second_load_changes_nothing_and_says_so(capsys):
    before = _counts()
    call_command("load_reference_data")
    out = capsys.readouterr().out
    assert "nothing changed" in out
    assert _counts() == before


def test_forced_reload_upserts_without_duplicating_rows():
    before = _counts()
    Location.objects.filter(code="KZALA").update(name="Wrong")
    EaeuCommodityCode.objects.filter(code="0702000005").update(season_start=101)
    call_command("load_reference_data", "--force", verbosity=0)
    assert _counts() == before
    assert Location.objects.get(code="KZALA").name == "Almaty"
    assert EaeuCommodityCode.objects.get(code="0702000005").season_start == 601


def test_reload_after_rows_vanish_restores_them():
    HsCode.objects.filter(level=6, code__startswith="08").delete()
    call_command("load_reference_data", verbosity=0)
    assert HsCode.objects.filter(code="081050").exists()
    assert ReferenceDataset.objects.get(name="hs_codes").rows == HsCode.objects.count()


def test_border_stations_have_codes_and_corrected_names():
    dostyk = Location.objects.get(code="KZDOS")
    assert dostyk.name == "Dostyk"
    assert "border_crossing" in dostyk.functions
    altynkol = Location.objects.get(code="KZ9AK")
    assert altynkol.is_internal
    assert altynkol.country.code == "KZ"


def test_full_codes_keep_the_country():
    assert Location.objects.get(code="AZALA").name == "Alat"
    assert Location.objects.get(code="KZALA").name == "Almaty"


@pytest.mark.parametrize(
    ("code", "zone"),
    [
        ("KZALA", "Asia/Almaty"),
        ("CNURM", "Asia/Shanghai"),
        ("KGFRU", "Asia/Bishkek"),
        ("UZTAS", "Asia/Tashkent"),
        ("AZALA", "Asia/Baku"),
        ("RUVVO", "Asia/Vladivostok"),
    ],
)
def test_locations_get_their_time_zone(code, zone):
    assert Location.objects.get(code=code).timezone == zone


def test_customs_offices_point_at_known_locations():
    office = CustomsOffice.objects.get(code="50510")
    assert office.location.code == "KZALA"
    assert "declaration" in office.roles


def test_coordinates_parse_to_signed_degrees():
    assert parse_coordinates("4315N 07657E") == pytest.approx((43.25, 76.95))
    assert parse_coordinates("3352S 15112W") == pytest.approx((-33.8667, -151.2), abs=1e-3)
    assert parse_coordinates("") == (None, None)
    assert parse_coordinates("garbage here") == (None, None)


def test_zone_finder_prefers_the_nearest_zone_of_the_country():
    finder = ZoneFinder()
    assert finder.zone("RU", 55.75, 37.6) == "Europe/Moscow"
    assert finder.zone("KZ", 43.65, 51.15) == "Asia/Aqtau"
    assert finder.zone("XX", None, None) == "UTC"
