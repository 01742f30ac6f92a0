"""Run every alert rule once, now, and print what was raised, reopened and resolved."""

from typing import Any

from django.core.management.base import BaseCommand

from shipments.alerts.services import scan_alerts


class Command(BaseCommand):
    help = "Evaluate every alert rule now (beat runs the same code) and print the changes."

    def handle(self, *args: Any, **options: Any) -> None:
        result = scan_alerts()
        for label, alerts in (
            ("raised", result.raised),
            ("reopened", result.reopened),
            ("resolved", result.resolved),
        ):
            for alert in alerts:
                self.stdout.write(
                    f"{label:8} {alert.reference} {alert.kind} {alert.severity} "
                    f"{alert.subject_type} {alert.subject_reference}"
                )
        self.stdout.write(
            f"{len(result.raised)} raised, {len(result.reopened)} reopened, "
            f"{len(result.resolved)} resolved."
        )
