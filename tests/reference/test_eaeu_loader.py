"""An operator's EAEU nomenclature file: validated whole, upserted by (code, valid_from), idempotent."""

import datetime as dt
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tradehub.reference.models import EaeuCommodityCode
from tradehub.reference.selectors import eaeu_code_valid_on, eaeu_codes_for

pytestmark = pytest.mark.django_db

HEADER = "code,description,line,description_en,valid_from,valid_to,season_start,season_end,source\n"


def _write(tmp_path: Path, body: str, name: str = "tnved.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_operator_file_adds_codes_updates_known_ones_and_is_idempotent(tmp_path, capsys):
    path = _write(
        tmp_path,
        "1001 99 000 0,Пшеница прочая,- - прочая,,2022-01-01,,,,\n"
        '0702000005,"Томаты — с 1 июня по 30 сентября (уточнено)",,,2022-01-01,,06-01,09-30,\n',
    )
    before = EaeuCommodityCode.objects.count()
    call_command("load_eaeu_nomenclature", str(path), "--source", "EEC Council Decision 80")
    assert "2 rows, 1 new, 1 updated" in capsys.readouterr().out
    assert EaeuCommodityCode.objects.count() == before + 1
    wheat = EaeuCommodityCode.objects.get(code="1001990000")
    assert wheat.source == "EEC Council Decision 80"
    assert wheat.hs_subheading is not None
    assert wheat.hs_subheading.code == "100199"
    assert EaeuCommodityCode.objects.get(code="0702000005").description.endswith("(уточнено)")

    call_command("load_eaeu_nomenclature", str(path))
    assert "already loaded: nothing changed" in capsys.readouterr().out
    call_command("load_eaeu_nomenclature", str(path), "--force")
    assert EaeuCommodityCode.objects.count() == before + 1


def test_an_amendment_closes_a_code_and_opens_its_successor(tmp_path):
    path = _write(
        tmp_path,
        "0702000005,Томаты — с 1 июня по 30 сентября,,,2022-01-01,2026-12-31,06-01,09-30,\n"
        "0702000005,Томаты — с 1 июня по 15 сентября,,,2027-01-01,,06-01,09-15,\n",
    )
    call_command("load_eaeu_nomenclature", str(path), verbosity=0)
    assert eaeu_code_valid_on("0702000005", dt.date(2026, 9, 20))
    assert not eaeu_code_valid_on("0702000005", dt.date(2027, 9, 20))
    assert eaeu_codes_for("0702", dt.date(2027, 9, 20)) == []
    assert EaeuCommodityCode.objects.filter(code="0702000005").count() == 2


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("070200000,Томаты,,,2022-01-01,,,,\n", "line 3: code '070200000' is not 10 digits"),
        ("0702000005,,,,2022-01-01,,,,\n", "line 3: description is empty"),
        ("0702000005,Томаты,,,2022-13-01,,,,\n", "line 3"),
        ("0702000005,Томаты,,,2022-01-01,2021-01-01,,,\n", "valid_to is before valid_from"),
        ("0702000005,Томаты,,,2022-01-01,,06-01,,\n", "season_start and season_end go together"),
        ("0702000005,Томаты,,,2022-01-01,,02-30,03-31,\n", "line 3"),
    ],
)
def test_a_bad_row_loads_nothing_and_names_its_line(tmp_path, row, message):
    path = _write(tmp_path, "1001990000,Пшеница прочая,,,2022-01-01,,,,\n" + row)
    before = EaeuCommodityCode.objects.count()
    with pytest.raises(CommandError, match=message):
        call_command("load_eaeu_nomenclature", str(path), verbosity=0)
    assert EaeuCommodityCode.objects.count() == before


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="is not a file"):
        call_command("load_eaeu_nomenclature", str(tmp_path / "nope.csv"))
