"""The EAEU tariff and the plant-quarantine list applied to a declaration, on its declaration
date (the day it is lodged, in the office's time zone; for a draft, today).

- At an office in the EAEU (from the effective-dated memberships and the union's nomenclature
  width) every goods item needs a 10-digit EAEU code valid that day: a 6-digit code, a code not
  in force or out of season, or a code the loaded nomenclature does not know under a heading it
  covers, answers 400 with a pointer and the codes valid that day (fresh tomatoes in July:
  0702000005). Headings the loaded nomenclature does not cover (an operator may load the full one)
  are checked for their 10 digits only.
- A goods item that is a regulated product on that day (the EAEU list) needs a phytosanitary
  certificate covering it, issued on or before the declaration date and not expired by then.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from tradehub.reference.models import EaeuCommodityCode
from tradehub.reference.selectors import (
    eaeu_code,
    eaeu_code_known,
    eaeu_codes_for,
    eaeu_suggestions,
    phytosanitary_certificate_required,
    tariff_requires_10_digits,
)

from ..choices import DeclarationDocumentType
from ..models import Declaration, Document, GoodsItem

# How many candidate codes an error names (a heading such as 0810 has dozens).
MAX_CANDIDATES = 12


def declaration_day(declaration: Declaration, at: dt.datetime | None = None) -> dt.date:
    """The declaration date: the day (in the office's time zone) it is lodged, else today."""
    from .customs import office_zone

    return timezone.localtime(at or timezone.now(), office_zone(declaration.office)).date()


def _listing(codes: list[EaeuCommodityCode]) -> str:
    shown = ", ".join(
        f"{row.code} ({row.description_en or row.description})" for row in codes[:MAX_CANDIDATES]
    )
    more = len(codes) - MAX_CANDIDATES
    return shown + (f" and {more} more" if more > 0 else "")


def _codes(codes: list[EaeuCommodityCode]) -> list[str]:
    """The candidate codes an error names, machine-readable beside its text."""
    return [row.code for row in codes[:MAX_CANDIDATES]]


def _covered(code: str) -> bool:
    """Whether the loaded nomenclature has codes under the code's 4-digit heading."""
    return EaeuCommodityCode.objects.filter(code__startswith=code[:4]).exists()


def commodity_code_error(code: str, country: str, day: dt.date) -> dict[str, Any] | None:
    """Why a commodity code cannot be declared in `country` on `day` (None: it can)."""
    if not tariff_requires_10_digits(country, day):
        return None
    if len(code) != 10:
        candidates = eaeu_codes_for(code[:6], day) or eaeu_suggestions(code, day)
        offer = f": valid that day under {code[:6]}: {_listing(candidates)}" if candidates else ""
        return {
            "code": "eaeu_code_required",
            "detail": f"A declaration lodged in {country} needs the 10-digit EAEU commodity code "
            f"(declaration date {day.isoformat()}){offer}.",
            "candidates": _codes(candidates),
        }
    if eaeu_code(code, day) is not None or not _covered(code):
        return None
    candidates = eaeu_suggestions(code, day)
    offer = f" Valid that day: {_listing(candidates)}." if candidates else ""
    if eaeu_code_known(code):
        return {
            "code": "eaeu_code_not_valid_on_date",
            "detail": f"{code} is not valid on {day.isoformat()} (out of season or not in force)."
            + offer,
            "candidates": _codes(candidates),
        }
    return {
        "code": "unknown_eaeu_code",
        "detail": f"{code} is not an EAEU commodity code." + offer,
        "candidates": _codes(candidates),
    }


def commodity_code_errors(declaration: Declaration, day: dt.date) -> list[dict[str, Any]]:
    """One error per goods item whose code cannot be declared at the office on that day."""
    country = declaration.office.location.country.code
    errors = []
    for index, item in enumerate(declaration.goods_items.order_by("sequence")):
        error = commodity_code_error(item.commodity_code, country, day)
        if error is not None:
            errors.append({"pointer": f"/goods_items/{index}/commodity_code", **error})
    return errors


def _certificate_problems(
    documents: list[Document], day: dt.date
) -> tuple[list[Document], list[dict[str, str]]]:
    """The phytosanitary certificates valid on the day, and errors for those that are not."""
    valid, errors = [], []
    for index, document in enumerate(documents):
        if document.type != DeclarationDocumentType.PHYTOSANITARY_CERTIFICATE:
            continue
        if document.issued_on is not None and document.issued_on > day:
            errors.append(
                {
                    "pointer": f"/documents/{index}/issued_on",
                    "code": "certificate_issued_after_declaration_date",
                    "detail": f"Phytosanitary certificate {document.number} is dated "
                    f"{document.issued_on.isoformat()}, after the declaration date "
                    f"{day.isoformat()}.",
                }
            )
        elif document.valid_until is not None and document.valid_until < day:
            errors.append(
                {
                    "pointer": f"/documents/{index}/valid_until",
                    "code": "certificate_expired",
                    "detail": f"Phytosanitary certificate {document.number} expired on "
                    f"{document.valid_until.isoformat()}, before the declaration date "
                    f"{day.isoformat()}.",
                }
            )
        else:
            valid.append(document)
    return valid, errors


def phytosanitary_errors(
    items: list[GoodsItem], documents: list[Document], day: dt.date
) -> list[dict[str, Any]]:
    """Regulated products (EAEU list, on the day) need a phytosanitary certificate that covers
    them (one linked to no goods item covers all) and is valid on the declaration date."""
    certificates, errors = _certificate_problems(documents, day)
    covers_all = any(not doc.goods_items.all() for doc in certificates)
    covered = {item.pk for doc in certificates for item in doc.goods_items.all()}
    uncovered = []
    for index, item in enumerate(items):
        if not phytosanitary_certificate_required(item.commodity_code, day):
            continue
        if covers_all or item.pk in covered:
            continue
        uncovered.append(item.sequence)
        errors.append(
            {
                "pointer": f"/goods_items/{index}",
                "code": "phytosanitary_certificate_required",
                "detail": f"Goods item {item.sequence} ({item.description}, "
                f"{item.commodity_code}) is a regulated product (EAEU list) and needs a "
                "phytosanitary certificate covering it, valid on the declaration date "
                f"{day.isoformat()}.",
            }
        )
    if uncovered:
        # Also point where the fix goes: the documents list needs the certificate.
        sequences = ", ".join(map(str, uncovered))
        errors.append(
            {
                "pointer": "/documents",
                "code": "phytosanitary_certificate_required",
                "detail": "Add a phytosanitary_certificate document covering goods item(s) "
                f"{sequences}.",
            }
        )
    return errors
