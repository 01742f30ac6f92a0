"""Loading the product catalogue from the shipped produce table (`data/produce.json`)."""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction

from tradehub.reference.loaders import LoadResult as ReferenceLoadResult

from .choices import EthyleneLevel
from .models import Product

PRODUCE_TABLE = Path(__file__).resolve().parent / "data" / "produce.json"

# Columns of the table that are Product fields (everything but `code` and `parent`).
FIELDS = (
    "name",
    "hs_code",
    "temp_group",
    "cultivar",
    "ripeness",
    "default_for_hs",
    "storage_temp_min_c",
    "storage_temp_max_c",
    "storage_temp_optimal_c",
    "rh_min_pct",
    "rh_max_pct",
    "highest_freezing_point_c",
    "storage_life_days",
    "q10_0_10",
    "q10_10_20",
    "q10_20_30",
    "q10_30_40",
    "chilling_sensitive",
    "chilling_threshold_c",
    "chilling_onset",
    "killing_range_min_c",
    "killing_range_max_c",
    "ethylene_production",
    "ethylene_sensitivity",
    "compatibility_group",
    "strong_odour",
    "odour_sensitive",
    "so2_pads",
    "field_heat_loss_hours_per_hour",
    "field_heat_reference_c",
    "excursion_tolerance_c",
    "excursion_hysteresis_c",
    "notes",
    "source",
    "sources",
)


@dataclass(frozen=True)
class LoadResult:
    """What a catalogue load did."""

    created: int
    updated: int
    unchanged: int


def _level(value: str) -> str:
    """`very high` -> `very_high`, validated against the choices."""
    level = value.strip().lower().replace(" ", "_") or EthyleneLevel.NONE
    return EthyleneLevel(level).value


def parse_produce_table(path: Path = PRODUCE_TABLE) -> list[dict[str, Any]]:
    """Rows of the produce table as Product field values (plus `code` and `parent` codes).

    Defaults for what a row leaves out are the model's; a product with chilling-onset pairs is
    chilling-sensitive with its threshold at the warmest pair, unless the row says otherwise."""
    defaults = {name: Product._meta.get_field(name).get_default() for name in FIELDS}  # type: ignore[union-attr]
    rows = []
    for raw in json.loads(path.read_text(encoding="utf-8")):
        values: dict[str, Any] = {**defaults, "code": raw["code"], "parent": raw.get("parent")}
        values.update({k: v for k, v in raw.items() if k in FIELDS})
        values["ethylene_production"] = _level(values["ethylene_production"])
        values["ethylene_sensitivity"] = _level(values["ethylene_sensitivity"])
        onset = values["chilling_onset"] or []
        if onset and values["chilling_threshold_c"] is None:
            values["chilling_threshold_c"] = max(float(t) for t, _ in onset)
        if values["chilling_threshold_c"] is not None:
            values["chilling_sensitive"] = True
        sources = values["sources"] or {}
        values["source"] = "; ".join(dict.fromkeys(sources.values()))
        rows.append(values)
    return rows


def apply_table_row(product: Any, values: dict[str, Any], keep: set[str]) -> bool:
    """Set the table's values on a product except fields in `keep`; True when something changed."""
    changed = False
    for key in FIELDS:
        if key in keep or key not in values:
            continue
        if getattr(product, key) != values[key]:
            setattr(product, key, values[key])
            changed = True
    return changed


@transaction.atomic
def load_products(path: Path = PRODUCE_TABLE, update: bool = False) -> LoadResult:
    """Create missing products from the table. With `update`, bring existing ones to the table's
    figures too, except the fields staff changed in the admin (`staff_edited_fields`): those survive
    every reload. Cultivar overrides link to their parent product."""
    created = updated = unchanged = 0
    rows = parse_produce_table(path)
    by_code: dict[str, Product] = {}
    for values in rows:
        code = values["code"]
        product = Product.objects.filter(code=code).first()
        if product is None:
            product = Product(code=code)
            apply_table_row(product, values, set())
            product.full_clean(exclude=["parent"])
            product.save()
            created += 1
        elif update and apply_table_row(product, values, set(product.staff_edited_fields)):
            product.full_clean(exclude=["parent"])
            product.save()
            updated += 1
        else:
            unchanged += 1
        by_code[code] = product
    for values in rows:
        parent = by_code.get(values["parent"]) if values["parent"] else None
        product = by_code[values["code"]]
        if parent is not None and product.parent_id is None:
            Product.objects.filter(pk=product.pk).update(parent=parent)
    return LoadResult(created, updated, unchanged)


def load_product_catalogue(*, force: bool = False, progress: bool = False) -> ReferenceLoadResult:
    """The catalogue as a dataset of `load_reference_data`: missing products are created, products
    that exist keep their figures (staff edit them in the admin; `load_products --update` brings
    the fields staff did not edit to the table's figures), whether or not `--force` is given."""
    result = load_products()
    return ReferenceLoadResult(
        name=f"products ({result.created} created, {result.unchanged + result.updated} kept)",
        rows=result.created + result.updated + result.unchanged,
        skipped=result.created == 0,
    )
