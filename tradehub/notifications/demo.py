"""Demo alert subscriptions: the operations desk gets every alert, the exporter its own."""

from typing import Any

from tradehub.partners.models import Partner

from .services import subscribe_alert_email

OPS_EMAIL = "ops@tradehub.local"
EXPORTER = "Xinjiang Fresh Export Co"


def load(stdout: Any) -> None:
    """Subscribe the demo addresses once (idempotent)."""
    subscribe_alert_email(OPS_EMAIL)
    exporter = Partner.objects.filter(name=EXPORTER).first()
    if exporter is not None:
        subscribe_alert_email("alerts@xinjiang-fresh.example", partner=exporter)
    stdout.write(
        f"Demo alert subscriptions: {OPS_EMAIL} (all partners) and the exporter's contact."
    )
