"""Load the shipped reference files into the database: idempotent, upserting, with progress."""

import csv
import gzip
import hashlib
import io
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytz
from django.db import connection, models
from django.utils import timezone
from tqdm import tqdm

from tradehub.db import insert_ignoring_duplicates

from .choices import (
    DocumentCondition,
    OnwardProcedure,
    Relation,
    RequiredDocumentType,
    RouteMode,
)
from .models import (
    Country,
    CustomsOffice,
    CustomsUnion,
    CustomsUnionMembership,
    EaeuCommodityCode,
    HsCode,
    Location,
    OnwardProcedureRule,
    PhytosanitaryRegulatedProduct,
    ReferenceDataset,
    RouteRule,
    TransitDocumentRule,
    VatRate,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
BATCH_SIZE = 5000
# Countries that keep one official time although tz data has more zones for their territory.
OFFICIAL_ZONES = {"CN": "Asia/Shanghai"}
# Comtrade pseudo-codes that are not part of the HS nomenclature.
HS_PSEUDO_CODES = {"TOTAL", "99", "9999", "999999"}


@dataclass
class LoadResult:
    """What loading one dataset did."""

    name: str
    rows: int
    skipped: bool

    def __str__(self) -> str:
        state = "unchanged, skipped" if self.skipped else "loaded"
        return f"{self.name}: {self.rows} rows {state}"


def file_checksum(*paths: Path) -> str:
    """SHA-256 over the files' bytes, in order: what decides whether a dataset changed."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _read_csv(path: Path) -> Iterator[dict[str, str]]:
    opener: Callable[..., Any] = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8-sig", newline="") as handle:
        yield from csv.DictReader(handle)


def _upsert(
    model: type[models.Model],
    objs: list[Any],
    unique_field: str | Sequence[str],
    update_fields: list[str],
    progress: bool,
    label: str,
) -> None:
    """Insert or update rows in batches (one statement per batch on PostgreSQL and SQLite), keyed
    by one unique field or by the fields of a unique constraint.

    On PostgreSQL an empty table (a first load, or a test database after a flush) takes the COPY
    path instead, several times faster for the 116,000 UN/LOCODE rows.
    """
    unique_fields = [unique_field] if isinstance(unique_field, str) else list(unique_field)
    bar = tqdm(total=len(objs), desc=label, unit="rows", disable=not progress, leave=False)
    if connection.vendor == "postgresql" and not model.objects.exists():  # type: ignore[attr-defined]
        fields = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
        for start in range(0, len(objs), BATCH_SIZE * 10):
            batch = objs[start : start + BATCH_SIZE * 10]
            rows = [{name: getattr(obj, name) for name in fields} for obj in batch]
            insert_ignoring_duplicates(model, rows, unique_fields)
            bar.update(len(batch))
        bar.close()
        return
    for start in range(0, len(objs), BATCH_SIZE):
        batch = objs[start : start + BATCH_SIZE]
        model.objects.bulk_create(  # type: ignore[attr-defined]
            batch,
            update_conflicts=True,
            unique_fields=unique_fields,
            update_fields=[*update_fields, "updated_at"],
        )
        bar.update(len(batch))
    bar.close()


def _dataset(
    name: str, paths: list[Path], model: type[models.Model], force: bool
) -> tuple[str, bool]:
    """The checksum of a dataset's files and whether they are already loaded unchanged."""
    checksum = file_checksum(*paths)
    loaded = ReferenceDataset.objects.filter(name=name).first()
    unchanged = (
        not force
        and loaded is not None
        and loaded.checksum == checksum
        and model.objects.count() >= loaded.rows  # type: ignore[attr-defined]
    )
    return checksum, unchanged


def record_dataset(name: str, checksum: str, rows: int) -> None:
    """Remember which version of a dataset is loaded, so an unchanged reload can be skipped."""
    ReferenceDataset.objects.update_or_create(
        name=name, defaults={"checksum": checksum, "rows": rows}
    )


def same_dataset_loaded(name: str, checksum: str) -> bool:
    """Whether the dataset was last loaded from files with this checksum."""
    return ReferenceDataset.objects.filter(name=name, checksum=checksum).exists()


def load_countries(*, force: bool = False, progress: bool = False) -> LoadResult:
    """ISO 3166 countries from UN/LOCODE's country table."""
    path = DATA_DIR / "unlocode" / "country-codes.csv"
    checksum, unchanged = _dataset("countries", [path], Country, force)
    rows = list(_read_csv(path))
    if unchanged:
        return LoadResult("countries", len(rows), True)
    now = timezone.now()
    objs = [Country(code=r["CountryCode"], name=r["CountryName"], updated_at=now) for r in rows]
    _upsert(Country, objs, "code", ["name"], progress, "countries")
    record_dataset("countries", checksum, len(objs))
    return LoadResult("countries", len(objs), False)


def load_customs_unions(*, force: bool = False, progress: bool = False) -> LoadResult:
    """Customs unions, the commodity-code length their declarations need, and their
    effective-dated memberships."""
    path = DATA_DIR / "customs_unions.csv"
    nomenclatures_path = DATA_DIR / "customs_union_nomenclatures.csv"
    checksum, unchanged = _dataset(
        "customs_unions", [path, nomenclatures_path], CustomsUnionMembership, force
    )
    rows = list(_read_csv(path))
    if unchanged:
        return LoadResult("customs_unions", len(rows), True)
    countries = dict(Country.objects.values_list("code", "pk"))
    digits = {r["union"]: int(r["commodity_code_digits"]) for r in _read_csv(nomenclatures_path)}
    for row in rows:
        union, _ = CustomsUnion.objects.update_or_create(
            code=row["union"],
            defaults={
                "name": row["union_name"],
                "commodity_code_digits": digits.get(row["union"], 6),
            },
        )
        CustomsUnionMembership.objects.update_or_create(
            union=union,
            country_id=countries[row["country"]],
            valid_from=date.fromisoformat(row["valid_from"]),
            defaults={"valid_to": date.fromisoformat(row["valid_to"]) if row["valid_to"] else None},
        )
    record_dataset("customs_unions", checksum, len(rows))
    return LoadResult("customs_unions", len(rows), False)


def parse_coordinates(value: str) -> tuple[float | None, float | None]:
    """UN/LOCODE `DDMMN DDDMME` to decimal degrees; (None, None) when missing or malformed."""
    try:
        lat_text, lon_text = value.split()
        lat = int(lat_text[:2]) + int(lat_text[2:4]) / 60
        lon = int(lon_text[:3]) + int(lon_text[3:5]) / 60
        if lat_text[4] == "S":
            lat = -lat
        if lon_text[5] == "W":
            lon = -lon
    except (ValueError, IndexError):
        return None, None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None, None
    return lat, lon


def _zone_table() -> dict[str, list[tuple[float, float, str]]]:
    """Country -> [(lat, lon, zone)] from the zone.tab that pytz ships."""
    table: dict[str, list[tuple[float, float, str]]] = {}
    with pytz.open_resource("zone.tab") as handle:  # type: ignore[attr-defined]
        for raw in io.TextIOWrapper(handle, encoding="utf-8"):
            if raw.startswith("#"):
                continue
            country, coords, zone = raw.rstrip("\n").split("\t")[:3]
            sign_split = max(coords.rfind("+"), coords.rfind("-"))
            lat_text, lon_text = coords[:sign_split], coords[sign_split:]

            def degrees(text: str, width: int) -> float:
                sign = -1 if text[0] == "-" else 1
                digits = text[1:]
                value = int(digits[:width]) + int(digits[width : width + 2]) / 60
                return sign * value

            table.setdefault(country, []).append((degrees(lat_text, 2), degrees(lon_text, 3), zone))
    return table


class ZoneFinder:
    """Picks a location's IANA time zone from its country's zones in zone.tab.

    Nearest zone to the coordinates; without coordinates, the centroid of the located places in
    the same subdivision, else a zone named after the place (Tashkent), else the country's first.
    """

    def __init__(self) -> None:
        self.table = _zone_table()
        self.centroids: dict[tuple[str, str], tuple[float, float]] = {}

    def learn_centroids(self, points: Iterable[tuple[str, str, float, float]]) -> None:
        sums: dict[tuple[str, str], list[float]] = {}
        for country, subdivision, lat, lon in points:
            acc = sums.setdefault((country, subdivision), [0.0, 0.0, 0.0])
            acc[0] += lat
            acc[1] += lon
            acc[2] += 1
        self.centroids = {key: (a[0] / a[2], a[1] / a[2]) for key, a in sums.items()}

    def zone(
        self,
        country: str,
        lat: float | None,
        lon: float | None,
        name: str = "",
        subdivision: str = "",
    ) -> str:
        if country in OFFICIAL_ZONES:
            return OFFICIAL_ZONES[country]
        zones = self.table.get(country)
        if not zones:
            return "UTC"
        if len(zones) == 1:
            return zones[0][2]
        if lat is None or lon is None:
            if (country, subdivision) in self.centroids and subdivision:
                lat, lon = self.centroids[(country, subdivision)]
            else:
                place = name.split(" (")[0].replace(" ", "_").lower()
                named = [z for z in zones if z[2].rsplit("/", 1)[-1].lower() == place]
                return (named or zones)[0][2]
        return min(
            zones,
            key=lambda z: math.hypot(z[0] - lat, (z[1] - lon) * math.cos(math.radians(lat))),
        )[2]


def _location_rows(zones: ZoneFinder, countries: dict[str, int]) -> Iterable[Location]:
    now = timezone.now()
    rows: dict[str, tuple[dict[str, str], float | None, float | None]] = {}
    for row in _read_csv(DATA_DIR / "unlocode" / "code-list.csv.gz"):
        code = f"{row['Country']}{row['Location']}"
        # UNECE's own list repeats ~140 codes; the first occurrence wins.
        if len(code) == 5 and code not in rows and row["Country"] in countries:
            rows[code] = (row, *parse_coordinates(row["Coordinates"]))
    zones.learn_centroids(
        (r["Country"], r["Subdivision"], lat, lon)
        for r, lat, lon in rows.values()
        if lat is not None and lon is not None and r["Subdivision"]
    )
    for code, (row, lat, lon) in rows.items():
        yield Location(
            code=code,
            country_id=countries[row["Country"]],
            name=row["Name"][:120],
            name_ascii=(row["NameWoDiacritics"] or row["Name"])[:120],
            subdivision=row["Subdivision"][:3],
            function=row["Function"][:8],
            status=row["Status"][:2],
            iata=row["IATA"][:3],
            latitude=lat,
            longitude=lon,
            timezone=zones.zone(row["Country"], lat, lon, row["Name"], row["Subdivision"]),
            is_internal=False,
            updated_at=now,
        )
    for row in _read_csv(DATA_DIR / "locations_internal.csv"):
        lat, lon = parse_coordinates(row["coordinates"])
        yield Location(
            code=row["code"],
            country_id=countries[row["country"]],
            name=row["name"],
            name_ascii=row["name"],
            function=row["function"][:8],
            latitude=lat,
            longitude=lon,
            timezone=zones.zone(row["country"], lat, lon, row["name"]),
            is_internal=row["code"] not in rows,
            updated_at=now,
        )


LOCATION_FIELDS = [
    "country",
    "name",
    "name_ascii",
    "subdivision",
    "function",
    "status",
    "iata",
    "latitude",
    "longitude",
    "timezone",
    "is_internal",
]


def load_locations(*, force: bool = False, progress: bool = False) -> LoadResult:
    """Every UN/LOCODE location plus TradeHub's corrections and internal border-station codes."""
    paths = [DATA_DIR / "unlocode" / "code-list.csv.gz", DATA_DIR / "locations_internal.csv"]
    checksum, unchanged = _dataset("locations", paths, Location, force)
    if unchanged:
        return LoadResult("locations", Location.objects.count(), True)
    countries = dict(Country.objects.values_list("code", "pk"))
    by_code = {loc.code: loc for loc in _location_rows(ZoneFinder(), countries)}
    objs = list(by_code.values())
    _upsert(Location, objs, "code", LOCATION_FIELDS, progress, "locations")
    record_dataset("locations", checksum, len(objs))
    return LoadResult("locations", len(objs), False)


def load_customs_offices(*, force: bool = False, progress: bool = False) -> LoadResult:
    """Customs offices on the corridor, each at a known location."""
    path = DATA_DIR / "customs_offices.csv"
    checksum, unchanged = _dataset("customs_offices", [path], CustomsOffice, force)
    rows = list(_read_csv(path))
    if unchanged:
        return LoadResult("customs_offices", len(rows), True)
    locations = dict(
        Location.objects.filter(code__in=[r["location"] for r in rows]).values_list("code", "pk")
    )
    now = timezone.now()
    objs = [
        CustomsOffice(
            code=r["code"],
            name=r["name"],
            location_id=locations[r["location"]],
            roles=r["roles"].split(";"),
            updated_at=now,
        )
        for r in rows
    ]
    _upsert(CustomsOffice, objs, "code", ["name", "location", "roles"], progress, "customs offices")
    record_dataset("customs_offices", checksum, len(objs))
    return LoadResult("customs_offices", len(objs), False)


def load_hs_codes(*, force: bool = False, progress: bool = False) -> LoadResult:
    """The HS 2022 tree, chapters first so every parent exists before its children."""
    path = DATA_DIR / "hs" / "harmonized-system.csv"
    checksum, unchanged = _dataset("hs_codes", [path], HsCode, force)
    rows = [
        r
        for r in _read_csv(path)
        if r["hscode"] not in HS_PSEUDO_CODES and not r["hscode"].startswith("99")
    ]
    if unchanged:
        return LoadResult("hs_codes", len(rows), True)
    now = timezone.now()
    ids: dict[str, int] = {}
    for level in (2, 4, 6):
        objs = [
            HsCode(
                code=r["hscode"],
                description=r["description"],
                level=level,
                section=r["section"],
                parent_id=ids.get(r["parent"]),
                updated_at=now,
            )
            for r in rows
            if int(r["level"]) == level
        ]
        _upsert(
            HsCode,
            objs,
            "code",
            ["description", "level", "section", "parent"],
            progress,
            f"HS level {level}",
        )
        ids.update(HsCode.objects.filter(level=level).values_list("code", "pk"))
    record_dataset("hs_codes", checksum, len(rows))
    return LoadResult("hs_codes", len(rows), False)


class ReferenceFileError(ValueError):
    """A row of a reference file that cannot be loaded; the message names the line and column."""


def _optional_date(value: str) -> date | None:
    return date.fromisoformat(value) if value else None


def _month_day(value: str) -> int | None:
    """ "06-01" (or "0601") as MMDD 601; blank as None; anything else is an error."""
    value = value.strip()
    if not value:
        return None
    month, day = value.split("-") if "-" in value else (value[:2], value[2:])
    date(2024, int(month), int(day))  # a leap year, so 02-29 is accepted as "end of February"
    return int(month) * 100 + int(day)


EAEU_CODE_FIELDS = [
    "hs_subheading",
    "description",
    "line",
    "description_en",
    "valid_to",
    "season_start",
    "season_end",
    "source",
]


def eaeu_code_rows(path: Path, *, default_source: str = "") -> list[EaeuCommodityCode]:
    """Parse an EAEU nomenclature CSV (format in docs/reference-data.md) into unsaved rows,
    raising ReferenceFileError with the line number on the first bad row. Codes may be written
    with spaces ("0702 00 000 1"); a repeated (code, valid_from) keeps its last row."""
    subheadings = dict(HsCode.objects.filter(level=6).values_list("code", "pk"))
    now = timezone.now()
    rows: dict[tuple[str, date], EaeuCommodityCode] = {}
    for number, row in enumerate(_read_csv(path), start=2):
        try:
            code = "".join(row["code"].split())
            if len(code) != 10 or not code.isdigit():
                raise ValueError(f"code {row['code']!r} is not 10 digits")
            if not row.get("description", "").strip():
                raise ValueError("description is empty")
            start = _month_day(row.get("season_start") or "")
            end = _month_day(row.get("season_end") or "")
            if (start is None) != (end is None):
                raise ValueError("season_start and season_end go together")
            valid_from = date.fromisoformat(row["valid_from"])
            valid_to = _optional_date(row.get("valid_to") or "")
            if valid_to is not None and valid_to < valid_from:
                raise ValueError("valid_to is before valid_from")
        except (KeyError, ValueError) as exc:
            raise ReferenceFileError(f"{path.name}, line {number}: {exc}") from exc
        rows[(code, valid_from)] = EaeuCommodityCode(
            code=code,
            hs_subheading_id=subheadings.get(code[:6]),
            description=row["description"].strip(),
            line=(row.get("line") or "").strip(),
            description_en=(row.get("description_en") or "").strip(),
            valid_from=valid_from,
            valid_to=valid_to,
            season_start=start,
            season_end=end,
            source=(row.get("source") or default_source).strip()[:100],
            updated_at=now,
        )
    return list(rows.values())


def upsert_eaeu_codes(
    objs: list[EaeuCommodityCode], *, progress: bool = False, label: str = "EAEU codes"
) -> None:
    """Insert new (code, valid_from) rows and update the ones already loaded; never deletes."""
    _upsert(EaeuCommodityCode, objs, ["code", "valid_from"], EAEU_CODE_FIELDS, progress, label)


def load_eaeu_codes(*, force: bool = False, progress: bool = False) -> LoadResult:
    """The shipped EAEU 10-digit codes (chapters 07 and 08, with their seasonal windows)."""
    path = DATA_DIR / "eaeu" / "commodity_codes.csv"
    checksum, unchanged = _dataset("eaeu_codes", [path], EaeuCommodityCode, force)
    if unchanged:
        return LoadResult("eaeu_codes", EaeuCommodityCode.objects.count(), True)
    objs = eaeu_code_rows(path)
    upsert_eaeu_codes(objs, progress=progress)
    record_dataset("eaeu_codes", checksum, len(objs))
    return LoadResult("eaeu_codes", len(objs), False)


def load_phytosanitary_list(*, force: bool = False, progress: bool = False) -> LoadResult:
    """Rows of the EAEU list of regulated products of high phytosanitary risk, effective-dated."""
    path = DATA_DIR / "eaeu" / "phytosanitary_regulated.csv"
    checksum, unchanged = _dataset(
        "phytosanitary_regulated", [path], PhytosanitaryRegulatedProduct, force
    )
    rows = list(_read_csv(path))
    if unchanged:
        return LoadResult("phytosanitary_regulated", len(rows), True)
    now = timezone.now()
    objs = [
        PhytosanitaryRegulatedProduct(
            code_prefix=r["code_prefix"],
            certificate_required=r["certificate_required"] == "true",
            partial=r["partial"] == "true",
            description=r["description"],
            description_en=r["description_en"],
            list_item=r["list_item"],
            valid_from=date.fromisoformat(r["valid_from"]),
            valid_to=_optional_date(r["valid_to"]),
            updated_at=now,
        )
        for r in rows
    ]
    _upsert(
        PhytosanitaryRegulatedProduct,
        objs,
        ["code_prefix", "valid_from"],
        [
            "certificate_required",
            "partial",
            "description",
            "description_en",
            "list_item",
            "valid_to",
        ],
        progress,
        "phytosanitary list",
    )
    record_dataset("phytosanitary_regulated", checksum, len(objs))
    return LoadResult("phytosanitary_regulated", len(objs), False)


def load_vat_rates(*, force: bool = False, progress: bool = False) -> LoadResult:
    """Standard VAT rates by country, effective-dated, each with the law that sets it."""
    path = DATA_DIR / "vat_rates.csv"
    checksum, unchanged = _dataset("vat_rates", [path], VatRate, force)
    rows = list(_read_csv(path))
    if unchanged:
        return LoadResult("vat_rates", len(rows), True)
    countries = dict(Country.objects.values_list("code", "pk"))
    now = timezone.now()
    objs = [
        VatRate(
            country_id=countries[r["country"]],
            rate=Decimal(r["rate"]),
            valid_from=date.fromisoformat(r["valid_from"]),
            valid_to=_optional_date(r["valid_to"]),
            source=r["source"],
            updated_at=now,
        )
        for r in rows
    ]
    _upsert(
        VatRate, objs, ["country", "valid_from"], ["rate", "valid_to", "source"], progress, "VAT"
    )
    record_dataset("vat_rates", checksum, len(objs))
    return LoadResult("vat_rates", len(objs), False)


def _choice(value: str, choices: Any, what: str, row: int) -> str:
    if value not in choices.values:
        raise ReferenceFileError(f"row {row}: unknown {what} {value!r}")
    return value


def _dates(row: dict[str, str]) -> tuple[date, date | None]:
    return date.fromisoformat(row["valid_from"]), _optional_date(row["valid_to"])


def parse_documents(value: str, row: int) -> list[dict[str, str]]:
    """`type[:when];...` as written in onward_procedures.csv to `[{"type", "when"}]`."""
    documents = []
    for part in filter(None, (p.strip() for p in value.split(";"))):
        kind, _, when = part.partition(":")
        documents.append(
            {
                "type": _choice(kind, RequiredDocumentType, "document type", row),
                "when": _choice(when or DocumentCondition.ALWAYS, DocumentCondition, "when", row),
            }
        )
    return documents


def _replace_rows(model: type[models.Model], objs: list[Any]) -> None:
    """An effective-dated rule table is replaced as a whole: rows are few, and a row removed
    from the file must stop applying."""
    model.objects.all().delete()  # type: ignore[attr-defined]
    model.objects.bulk_create(objs)  # type: ignore[attr-defined]


def load_onward_procedures(*, force: bool = False, progress: bool = False) -> LoadResult:
    """What each destination needs from goods declared in a country (onward_procedures.csv)."""
    path = DATA_DIR / "onward_procedures.csv"
    checksum, unchanged = _dataset("onward_procedures", [path], OnwardProcedureRule, force)
    rows = list(_read_csv(path))
    if unchanged:
        return LoadResult("onward_procedures", len(rows), True)
    countries = dict(Country.objects.values_list("code", "pk"))
    objs = []
    for number, row in enumerate(rows, start=2):
        valid_from, valid_to = _dates(row)
        objs.append(
            OnwardProcedureRule(
                from_country_id=countries[row["from_country"]],
                relation=_choice(row["relation"], Relation, "relation", number),
                procedure=_choice(row["procedure"], OnwardProcedure, "procedure", number),
                child_procedure=row["child_procedure"],
                from_free_circulation=row["from_free_circulation"].strip().lower() == "true",
                documents=parse_documents(row["documents"], number),
                valid_from=valid_from,
                valid_to=valid_to,
                source=row["source"],
            )
        )
    _replace_rows(OnwardProcedureRule, objs)
    record_dataset("onward_procedures", checksum, len(objs))
    return LoadResult("onward_procedures", len(objs), False)


def _rank(value: str | None, number: int) -> int:
    """A route's rank (1: the usual route; a file without the column has only usual routes)."""
    if not (value or "").strip():
        return 1
    try:
        rank = int(value or "")
    except ValueError:
        rank = 0
    if rank < 1:
        raise ReferenceFileError(f"row {number}: rank must be a whole number from 1, not {value!r}")
    return rank


def load_routes(*, force: bool = False, progress: bool = False) -> LoadResult:
    """Transit countries between two countries per mode (routes.csv)."""
    path = DATA_DIR / "routes.csv"
    checksum, unchanged = _dataset("routes", [path], RouteRule, force)
    rows = list(_read_csv(path))
    if unchanged:
        return LoadResult("routes", len(rows), True)
    countries = dict(Country.objects.values_list("code", "pk"))
    objs = []
    for number, row in enumerate(rows, start=2):
        valid_from, valid_to = _dates(row)
        via = [c.strip() for c in row["transit_countries"].split(";") if c.strip()]
        unknown = [c for c in via if c not in countries]
        if unknown:
            raise ReferenceFileError(f"row {number}: unknown transit country {unknown[0]!r}")
        objs.append(
            RouteRule(
                from_country_id=countries[row["from_country"]],
                to_country_id=countries[row["to_country"]],
                mode=_choice(row["mode"], RouteMode, "mode", number),
                transit_countries=via,
                rank=_rank(row.get("rank"), number),
                exit_point=row["exit_point"],
                valid_from=valid_from,
                valid_to=valid_to,
                source=row["source"],
            )
        )
    _replace_rows(RouteRule, objs)
    record_dataset("routes", checksum, len(objs))
    return LoadResult("routes", len(objs), False)


def load_transit_documents(*, force: bool = False, progress: bool = False) -> LoadResult:
    """The transit document each country requires per mode (transit_documents.csv)."""
    path = DATA_DIR / "transit_documents.csv"
    checksum, unchanged = _dataset("transit_documents", [path], TransitDocumentRule, force)
    rows = list(_read_csv(path))
    if unchanged:
        return LoadResult("transit_documents", len(rows), True)
    countries = dict(Country.objects.values_list("code", "pk"))
    objs = []
    for number, row in enumerate(rows, start=2):
        valid_from, valid_to = _dates(row)
        objs.append(
            TransitDocumentRule(
                country_id=countries[row["country"]],
                mode=_choice(row["mode"], RouteMode, "mode", number),
                document=_choice(row["document"], RequiredDocumentType, "document", number),
                valid_from=valid_from,
                valid_to=valid_to,
                source=row["source"],
            )
        )
    _replace_rows(TransitDocumentRule, objs)
    record_dataset("transit_documents", checksum, len(objs))
    return LoadResult("transit_documents", len(objs), False)


LOADERS: list[Callable[..., LoadResult]] = [
    load_countries,
    load_customs_unions,
    load_locations,
    load_customs_offices,
    load_hs_codes,
    load_eaeu_codes,
    load_phytosanitary_list,
    load_vat_rates,
    load_onward_procedures,
    load_routes,
    load_transit_documents,
]

# Datasets of apps that depend on reference data (the product catalogue of `shipments`), added by
# their AppConfig.ready(): dependencies run one way, so this module cannot import them.
EXTRA_LOADERS: list[Callable[..., LoadResult]] = []


def register_loader(loader: Callable[..., LoadResult]) -> None:
    """Have `load_reference_data` run `loader(force=..., progress=...)` after the reference data."""
    if loader not in EXTRA_LOADERS:
        EXTRA_LOADERS.append(loader)


def all_loaders() -> list[Callable[..., LoadResult]]:
    """Every dataset a deployment loads, in order: reference data first, then the apps' own."""
    return [*LOADERS, *EXTRA_LOADERS]
