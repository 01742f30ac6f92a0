"""`manage.py load_products`: seed the perishable product catalogue (idempotent)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from shipments.products import load_products


class Command(BaseCommand):
    help = "Load perishable product profiles from shipments/data/produce.json (safe to run again)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--update",
            action="store_true",
            help="Bring existing products to the table too (fields staff edited in the admin are kept).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = load_products(update=options["update"])
        self.stdout.write(
            f"Products: {result.created} created, {result.updated} updated, "
            f"{result.unchanged} unchanged."
        )
