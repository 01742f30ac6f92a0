"""Drop raw temperature readings past the retention age (hourly rollups are kept); beat runs it
daily. Also creates the monthly partitions ahead, as beat does."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from shipments.services.telemetry import ensure_reading_partitions, prune_readings


class Command(BaseCommand):
    help = (
        "Drop raw readings recorded before the start of the month TELEMETRY_RAW_RETENTION_MONTHS "
        "months ago (whole monthly partitions on PostgreSQL); hourly rollups are kept."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--months",
            type=int,
            default=None,
            help="Months of raw readings to keep (default: TELEMETRY_RAW_RETENTION_MONTHS; 0 = all).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        for name in ensure_reading_partitions():
            self.stdout.write(f"created {name}")
        result = prune_readings(months=options["months"])
        if result["cutoff"] is None:
            self.stdout.write("Retention is off (0 months): nothing dropped.")
            return
        for name in result["dropped"]:
            self.stdout.write(f"dropped {name}")
        self.stdout.write(
            f"Raw readings before {result['cutoff']:%Y-%m-%d} dropped: "
            f"{len(result['dropped'])} partitions, {result['deleted']} rows; hourly rollups kept."
        )
