"""Demo partners on the corridor: an exporter, a forwarder and the simulated customs gateway."""

from typing import Any

from .choices import PartnerKind
from .models import Partner

DEMO_PARTNERS = [
    ("Xinjiang Fresh Export Co", PartnerKind.EXPORTER, False),
    ("Almaty Fresh Distribution LLP", PartnerKind.FORWARDER, False),
    ("Corridor Customs Gateway", PartnerKind.GATEWAY, True),
]


def load(stdout: Any) -> None:
    """Create the demo partners once."""
    created = 0
    for name, kind, is_gateway in DEMO_PARTNERS:
        _, was_created = Partner.objects.get_or_create(
            name=name, defaults={"kind": kind, "is_gateway": is_gateway}
        )
        created += was_created
    stdout.write(f"Demo partners: {created} created, {len(DEMO_PARTNERS) - created} already there.")
