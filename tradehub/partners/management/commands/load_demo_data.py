"""Load the demo data set: every app's `demo.load()` in INSTALLED_APPS order, idempotently."""

from importlib import import_module
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand
from django.utils.module_loading import module_has_submodule


class Command(BaseCommand):
    help = "Load demo partners, declarations and shipments (safe to run again: reuses what exists)."

    def handle(self, *args: Any, **options: Any) -> None:
        for config in apps.get_app_configs():
            if config.module is None or not module_has_submodule(config.module, "demo"):
                continue
            demo = import_module(f"{config.name}.demo")
            demo.load(self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
