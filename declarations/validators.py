"""Field validators shared by models, admin forms and API serializers; each names what is wrong."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from stdnum import iso6346
from stdnum.exceptions import ValidationError as StdnumValidationError

from .currencies import ISO_4217_CURRENCIES

COMMODITY_CODE_RE = re.compile(r"^(\d{6}|\d{10})$")

DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
DOCUMENT_EXTENSIONS = ("pdf", "png", "jpg", "jpeg")
# The file must be what its name says: checked on its first bytes, not trusted from the name.
_MAGIC = {
    "pdf": (b"%PDF-",),
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
}


def normalize_commodity_code(value: str) -> str:
    """Drop the dots and spaces people write into HS codes ("0702.00" -> "070200")."""
    return re.sub(r"[\s.]", "", str(value))


def validate_commodity_code(value: str) -> None:
    """6 or 10 digits whose first 6 are an HS 2022 subheading in the loaded nomenclature."""
    from tradehub.reference.selectors import hs_subheading

    code = normalize_commodity_code(value)
    if not COMMODITY_CODE_RE.match(code):
        raise ValidationError(
            "Commodity code must be 6 or 10 digits (HS subheading, optionally national).",
            code="invalid_commodity_code",
        )
    if hs_subheading(code) is None:
        raise ValidationError(
            f"{code[:6]} is not an HS 2022 subheading.", code="unknown_commodity_code"
        )


def normalize_container(value: str) -> str:
    """Upper-case and without the spaces and dashes often printed in container numbers."""
    return iso6346.compact(re.sub(r"[\s\-/]", "", str(value)))


def validate_container_number(value: str) -> None:
    """An ISO 6346 container number with a correct check digit (python-stdnum)."""
    try:
        iso6346.validate(normalize_container(value))
    except StdnumValidationError as exc:
        raise ValidationError(
            f"{value!r} is not a valid ISO 6346 container number ({getattr(exc, 'message', exc)}).",
            code="invalid_container_number",
        ) from exc


def validate_container_list(value: Any) -> None:
    """A list of valid, distinct ISO 6346 container numbers (for model fields and admin forms)."""
    if not isinstance(value, list):
        raise ValidationError("Containers must be a list.", code="invalid")
    seen: set[str] = set()
    for item in value:
        validate_container_number(item)
        compact = normalize_container(item)
        if compact in seen:
            raise ValidationError(f"Container {compact} is listed twice.", code="duplicate")
        seen.add(compact)


def validate_string_list(value: Any) -> None:
    """A list of non-empty strings (seals)."""
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValidationError("Must be a list of non-empty strings.", code="invalid")


def validate_currency(value: str) -> None:
    """An active ISO 4217 currency code such as USD, CNY or KZT."""
    if value not in ISO_4217_CURRENCIES:
        raise ValidationError(
            f"{value!r} is not an active ISO 4217 currency code.", code="invalid_currency"
        )


def validate_country(value: str) -> None:
    """An ISO 3166-1 alpha-2 country code known to the reference data."""
    from tradehub.reference.models import Country

    if not Country.objects.filter(code=value).exists():
        raise ValidationError(f"{value!r} is not a known country code.", code="unknown_country")


def validate_party(value: Any) -> None:
    """A party object: `name` and `country` required, `tax_id` and `address` optional strings."""
    if not isinstance(value, dict):
        raise ValidationError("Must be an object with name and country.", code="invalid")
    if not isinstance(value.get("name"), str) or not value["name"].strip():
        raise ValidationError("A party needs a name.", code="required")
    country = value.get("country")
    if not isinstance(country, str):
        raise ValidationError("A party needs a country (ISO 3166 alpha-2).", code="required")
    validate_country(country)


def validate_document_file(file: UploadedFile | Any) -> None:
    """A PDF, PNG or JPEG of at most 10 MB whose content matches its extension."""
    size = getattr(file, "size", 0) or 0
    if size > DOCUMENT_MAX_BYTES:
        raise ValidationError(
            f"The file is {size} bytes; the limit is {DOCUMENT_MAX_BYTES} bytes.",
            code="file_too_large",
        )
    name = str(getattr(file, "name", "")).lower()
    extension = name.rsplit(".", 1)[-1] if "." in name else ""
    if extension not in DOCUMENT_EXTENSIONS:
        raise ValidationError(
            f"Only {', '.join(DOCUMENT_EXTENSIONS)} files are accepted.", code="file_type"
        )
    position = file.tell() if hasattr(file, "tell") else 0
    file.seek(0)
    head = file.read(16)
    file.seek(position)
    if not any(head.startswith(magic) for magic in _MAGIC[extension]):
        raise ValidationError(
            f"The file content is not a {extension.upper()} file.", code="file_type"
        )
