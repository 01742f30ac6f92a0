"""Customs gateways: how declarations reach customs and how decisions come back.

`settings.CUSTOMS_GATEWAY` picks one: `simulated` (a rule-based authority, see simulated.py and
docs/customs-gateway.md) or `manual` (staff record every decision in the admin). Decisions from
either, and from gateway integrations posting to the API, are customs messages applied by
`services.apply_customs_messages`.
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .base import CustomsGateway
from .manual import ManualGateway
from .simulated import SimulatedGateway

GATEWAYS: dict[str, type[CustomsGateway]] = {
    SimulatedGateway.name: SimulatedGateway,
    ManualGateway.name: ManualGateway,
}


def get_gateway() -> CustomsGateway:
    """The gateway the deployment is configured for."""
    try:
        return GATEWAYS[settings.CUSTOMS_GATEWAY]()
    except KeyError:
        raise ImproperlyConfigured(
            f"CUSTOMS_GATEWAY={settings.CUSTOMS_GATEWAY!r}; expected one of {sorted(GATEWAYS)}."
        ) from None


__all__ = ["GATEWAYS", "CustomsGateway", "ManualGateway", "SimulatedGateway", "get_gateway"]
