"""Load an EAEU nomenclature file an operator supplies (CSV; format in docs/reference-data.md)."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from tradehub.reference.loaders import (
    ReferenceFileError,
    eaeu_code_rows,
    file_checksum,
    record_dataset,
    same_dataset_loaded,
    upsert_eaeu_codes,
)
from tradehub.reference.models import EaeuCommodityCode

DATASET = "eaeu_nomenclature_file"


class Command(BaseCommand):
    help = (
        "Upsert EAEU 10-digit commodity codes from a CSV file (a full nomenclature or an amendment). "
        "Rows are keyed by (code, valid_from): loading the same file twice changes nothing; nothing "
        "is deleted (close a code by giving its valid_to)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="CSV file, UTF-8, with a header row")
        parser.add_argument(
            "--source",
            default="",
            help="Source note stored on rows whose `source` column is empty "
            "(e.g. 'EEC Council Decision 80, as amended on 2026-07-01')",
        )
        parser.add_argument("--force", action="store_true", help="load even an unchanged file")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")
        checksum = file_checksum(path)
        if not options["force"] and same_dataset_loaded(DATASET, checksum):
            self.stdout.write(
                self.style.SUCCESS(f"{path.name} is already loaded: nothing changed.")
            )
            return
        try:
            objs = eaeu_code_rows(path, default_source=options["source"] or path.name)
        except ReferenceFileError as exc:
            raise CommandError(f"Nothing loaded: {exc}") from exc
        before = EaeuCommodityCode.objects.count()
        with transaction.atomic():
            upsert_eaeu_codes(objs, progress=options["verbosity"] >= 1, label=path.name)
            record_dataset(DATASET, checksum, len(objs))
        added = EaeuCommodityCode.objects.count() - before
        self.stdout.write(
            self.style.SUCCESS(
                f"{path.name}: {len(objs)} rows, {added} new, {len(objs) - added} updated."
            )
        )
