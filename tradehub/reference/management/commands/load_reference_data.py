"""Load the shipped reference data (HS 2022, UN/LOCODE, customs unions and offices, routes) and
the datasets apps register (the perishable product catalogue)."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from tradehub.reference.loaders import all_loaders


class Command(BaseCommand):
    help = "Load reference data; files already loaded unchanged are skipped (safe to run again)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="reload even unchanged files")

    def handle(self, *args: Any, **options: Any) -> None:
        progress = options["verbosity"] >= 1
        changed = 0
        for loader in all_loaders():
            started = time.monotonic()
            with transaction.atomic():
                result = loader(force=options["force"], progress=progress)
            changed += not result.skipped
            if options["verbosity"] >= 1:
                self.stdout.write(f"  {result} ({time.monotonic() - started:.1f} s)")
        if options["verbosity"] >= 1:
            if changed:
                self.stdout.write(
                    self.style.SUCCESS(f"Reference data loaded ({changed} datasets changed).")
                )
            else:
                self.stdout.write(
                    self.style.SUCCESS("Reference data already up to date: nothing changed.")
                )
