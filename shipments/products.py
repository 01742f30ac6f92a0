"""Loading the product catalogue from the shipped storage table."""

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.text import slugify

from tradehub.reference.loaders import LoadResult as ReferenceLoadResult

from .choices import EthyleneLevel
from .models import Product

STORAGE_CSV = Path(__file__).resolve().parent / "data" / "storage.csv"

# Stable public codes for names the table spells differently ("dragon fruit (pitaya)").
CODE_OVERRIDES = {"dragon fruit (pitaya)": "dragon-fruit"}


@dataclass(frozen=True)
class LoadResult:
    """What a catalogue load did."""

    created: int
    updated: int
    unchanged: int


def _float(value: str) -> float | None:
    value = value.strip()
    return float(value) if value else None


def _level(value: str) -> str:
    """`very high` -> `very_high`, validated against the choices."""
    level = value.strip().lower().replace(" ", "_") or EthyleneLevel.NONE
    return EthyleneLevel(level).value


def product_code(name: str) -> str:
    """The public slug of a product name from the table."""
    name = name.strip().lower()
    return CODE_OVERRIDES.get(name, slugify(name))


def parse_storage_csv(path: Path = STORAGE_CSV) -> list[dict[str, Any]]:
    """Rows of the storage table as Product field values."""
    rows = []
    with path.open(newline="", encoding="utf-8") as handle:
        for raw in csv.DictReader(handle):
            name = raw["product"].strip()
            chilling = raw["chilling_sensitive"].strip().lower() == "yes"
            rows.append(
                {
                    "code": product_code(name),
                    "name": name[:1].upper() + name[1:],
                    "hs_code": raw["hs6"].strip(),
                    "temp_group": raw["temp_group"].strip().upper(),
                    "storage_temp_min_c": _float(raw["storage_temp_min_c"]),
                    "storage_temp_max_c": _float(raw["storage_temp_max_c"]),
                    "storage_temp_optimal_c": _float(raw["storage_temp_optimal_c"]),
                    "rh_min_pct": _float(raw["rh_min_pct"]),
                    "rh_max_pct": _float(raw["rh_max_pct"]),
                    "highest_freezing_point_c": _float(raw["highest_freezing_point_c"]),
                    "storage_life_days": int(float(raw["storage_life_days_at_optimal"])),
                    "chilling_sensitive": chilling,
                    "chilling_threshold_c": _float(raw["chilling_threshold_c"])
                    if chilling
                    else None,
                    "ethylene_production": _level(raw["ethylene_production"]),
                    "ethylene_sensitivity": _level(raw["ethylene_sensitivity"]),
                    "notes": raw["notes"].strip(),
                    "source": raw["source"].strip(),
                }
            )
    return rows


@transaction.atomic
def load_products(path: Path = STORAGE_CSV, update: bool = False) -> LoadResult:
    """Create missing products from the table; overwrite existing ones only when `update` is set,
    so that figures staff edited in the admin survive a reload."""
    created = updated = unchanged = 0
    for values in parse_storage_csv(path):
        code = values.pop("code")
        product = Product.objects.filter(code=code).first()
        if product is None:
            product = Product(code=code, **values)
            product.full_clean()
            product.save()
            created += 1
        elif update and any(getattr(product, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(product, key, value)
            product.full_clean()
            product.save()
            updated += 1
        else:
            unchanged += 1
    return LoadResult(created, updated, unchanged)


def load_product_catalogue(*, force: bool = False, progress: bool = False) -> ReferenceLoadResult:
    """The catalogue as a dataset of `load_reference_data`: missing products are created, products
    that exist keep their figures (staff edit them in the admin; `load_products --update`
    overwrites them on purpose), whether or not `--force` is given."""
    result = load_products()
    return ReferenceLoadResult(
        name=f"products ({result.created} created, {result.unchanged + result.updated} kept)",
        rows=result.created + result.updated + result.unchanged,
        skipped=result.created == 0,
    )
