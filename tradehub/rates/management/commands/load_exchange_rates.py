"""`manage.py load_exchange_rates [FILE ...]`: load official exchange rates (idempotent)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tradehub.rates.services import SHIPPED_RATES, RateFileError, load_rates, read_publications


class Command(BaseCommand):
    help = (
        "Load exchange rates (CSV: date,currency,units,kzt,source) into the daily rate table "
        "the trade report converts with; without FILE, the rates shipped with TradeHub."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="*", type=Path)
        parser.add_argument(
            "--max-age-days", type=int, default=None, help="Hold a rate this many days at most"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        for path in options["files"] or [SHIPPED_RATES]:
            try:
                publications = read_publications(path)
            except (OSError, RateFileError) as exc:
                raise CommandError(str(exc)) from exc
            written = load_rates(publications, options["max_age_days"])
            self.stdout.write(
                f"{path.name}: {len(publications)} publications, {written} daily rates"
            )
