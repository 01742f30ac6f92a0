"""Each validator accepts what the rules allow and names what is wrong otherwise."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from declarations.currencies import ISO_4217_CURRENCIES
from declarations.validators import (
    DOCUMENT_MAX_BYTES,
    normalize_commodity_code,
    normalize_container,
    validate_commodity_code,
    validate_container_list,
    validate_container_number,
    validate_country,
    validate_currency,
    validate_document_file,
    validate_party,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("code", ["070200", "0702000000", "080610", "0806101000", "081090"])
def test_commodity_code_of_6_or_10_digits_on_a_subheading_is_accepted(code):
    validate_commodity_code(code)


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("0702", "invalid_commodity_code"),
        ("07020000", "invalid_commodity_code"),
        ("07020A", "invalid_commodity_code"),
        ("07020000001", "invalid_commodity_code"),
        ("", "invalid_commodity_code"),
        ("999999", "unknown_commodity_code"),
        ("0702990000", "unknown_commodity_code"),
    ],
)
def test_commodity_code_must_be_a_known_hs_subheading(code, error):
    with pytest.raises(ValidationError) as info:
        validate_commodity_code(code)
    assert info.value.code == error


def test_commodity_code_dots_and_spaces_are_dropped():
    assert normalize_commodity_code("0702.00 0000") == "0702000000"


@pytest.mark.parametrize("number", ["CSQU3054383", "csqu 305438 3", "MSKU1234565"])
def test_container_with_correct_check_digit_is_accepted(number):
    validate_container_number(number)


@pytest.mark.parametrize("number", ["CSQU3054384", "CSQU305438", "1234", "ABCD1234567", ""])
def test_container_with_bad_check_digit_or_shape_is_refused(number):
    with pytest.raises(ValidationError) as info:
        validate_container_number(number)
    assert info.value.code == "invalid_container_number"


def test_container_is_stored_compact_and_upper_case():
    assert normalize_container("csqu 305438-3") == "CSQU3054383"


def test_container_list_refuses_duplicates():
    with pytest.raises(ValidationError):
        validate_container_list(["CSQU3054383", "csqu3054383"])


@pytest.mark.parametrize("code", ["USD", "CNY", "KZT", "EUR", "UZS", "KGS"])
def test_active_iso_4217_currency_is_accepted(code):
    validate_currency(code)


@pytest.mark.parametrize("code", ["XXX", "ABC", "usd", "RUR", "", "XAU"])
def test_unknown_or_non_money_currency_is_refused(code):
    with pytest.raises(ValidationError):
        validate_currency(code)


def test_currency_list_is_iso_4217_shaped():
    assert all(len(c) == 3 and c.isupper() for c in ISO_4217_CURRENCIES)
    assert len(ISO_4217_CURRENCIES) > 150


def test_country_must_be_in_reference_data():
    validate_country("CN")
    with pytest.raises(ValidationError):
        validate_country("QQ")


def test_party_needs_name_and_known_country():
    validate_party({"name": "X", "country": "KZ"})
    for bad in ({"country": "KZ"}, {"name": "X"}, {"name": "X", "country": "QQ"}, "X"):
        with pytest.raises(ValidationError):
            validate_party(bad)


def test_document_file_pdf_is_accepted():
    validate_document_file(SimpleUploadedFile("cert.pdf", b"%PDF-1.7\n...", "application/pdf"))


def test_document_file_with_wrong_extension_is_refused():
    with pytest.raises(ValidationError) as info:
        validate_document_file(SimpleUploadedFile("cert.exe", b"MZ...", "application/pdf"))
    assert info.value.code == "file_type"


def test_document_file_whose_content_lies_about_its_type_is_refused():
    with pytest.raises(ValidationError) as info:
        validate_document_file(SimpleUploadedFile("cert.pdf", b"<html>", "application/pdf"))
    assert info.value.code == "file_type"


def test_document_file_over_the_size_limit_is_refused():
    big = SimpleUploadedFile("cert.pdf", b"%PDF-" + b"0" * DOCUMENT_MAX_BYTES)
    with pytest.raises(ValidationError) as info:
        validate_document_file(big)
    assert info.value.code == "file_too_large"
    assert isinstance(big.file, io.BytesIO)
