"""Loading official exchange rates: parse publications, fill every calendar day, upsert."""

import csv
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.db import transaction

from .models import ExchangeRate

BASE_CURRENCY = "KZT"
SHIPPED_RATES = Path(__file__).resolve().parent / "data" / "nbk_official_rates.csv"


@dataclass(frozen=True)
class Publication:
    """One published rate: `units` of `currency` cost `kzt` tenge from `published_on`."""

    published_on: dt.date
    currency: str
    units: int
    kzt: Decimal
    source: str

    @property
    def kzt_per_unit(self) -> Decimal:
        return (self.kzt / self.units).quantize(Decimal("0.000001"))


class RateFileError(ValueError):
    """A line of a rates file that cannot be read (with its line number)."""


def read_publications(path: Path) -> list[Publication]:
    """`date,currency,units,kzt,source` rows (the NBK's "N units of X = K tenge" notation)."""
    publications = []
    with path.open(newline="", encoding="utf-8") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            try:
                publication = Publication(
                    published_on=dt.date.fromisoformat(row["date"].strip()),
                    currency=row["currency"].strip().upper(),
                    units=int(row["units"]),
                    kzt=Decimal(row["kzt"].strip()),
                    source=row["source"].strip(),
                )
            except (KeyError, ValueError, InvalidOperation, AttributeError) as exc:
                raise RateFileError(f"{path.name}, line {line}: {exc}") from exc
            if len(publication.currency) != 3 or publication.units <= 0 or publication.kzt <= 0:
                raise RateFileError(f"{path.name}, line {line}: not a valid rate")
            publications.append(publication)
    return publications


def daily_rates(publications: Iterable[Publication], max_age_days: int) -> list[ExchangeRate]:
    """One row per currency and day: each publication holds until the next one, at most
    `max_age_days` after it was published (after that the rate counts as missing)."""
    by_currency: dict[str, list[Publication]] = defaultdict(list)
    for publication in publications:
        by_currency[publication.currency].append(publication)
    rows = []
    for currency, items in by_currency.items():
        items.sort(key=lambda p: p.published_on)
        for index, publication in enumerate(items):
            last = publication.published_on + dt.timedelta(days=max_age_days)
            if index + 1 < len(items):
                last = min(last, items[index + 1].published_on - dt.timedelta(days=1))
            day = publication.published_on
            while day <= last:
                rows.append(
                    ExchangeRate(
                        currency=currency,
                        day=day,
                        kzt_per_unit=publication.kzt_per_unit,
                        published_on=publication.published_on,
                        source=publication.source[:200],
                    )
                )
                day += dt.timedelta(days=1)
    return rows


@transaction.atomic
def load_rates(publications: Iterable[Publication], max_age_days: int | None = None) -> int:
    """Upsert the daily rows of these publications (idempotent: loading twice changes nothing);
    returns how many daily rows were written."""
    age = settings.RATES_MAX_AGE_DAYS if max_age_days is None else max_age_days
    rows = daily_rates(publications, age)
    ExchangeRate.objects.bulk_create(
        rows,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["currency", "day"],
        update_fields=["kzt_per_unit", "published_on", "source"],
    )
    return len(rows)
