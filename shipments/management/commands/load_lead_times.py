"""`manage.py load_lead_times`: seed the lead-time table for re-route advice (idempotent)."""

from typing import Any

from django.core.management.base import BaseCommand

from shipments.reroute import load_lead_times


class Command(BaseCommand):
    help = "Load lead times from shipments/data/lead_times.json (keeps rows staff edited)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Lead times: {load_lead_times()} created.")
