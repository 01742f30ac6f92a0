"""Customs gateways, one per office: how declarations reach customs and decisions come back.

`settings.CUSTOMS_GATEWAYS` names the gateways a deployment has (a class by dotted path and its
options); `settings.CUSTOMS_GATEWAY_ROUTES` says which one serves an office — by office code,
else by the office's country, else `*`. `settings.CUSTOMS_GATEWAY` may name one gateway for every
office (e.g. `manual`); its default, `routes`, uses the routes. Adding a gateway is a package of
its own plus settings: no core file changes (tests/gateways/toy.py and tests/gateways/test_toy_gateway.py prove it).
Every gateway talks to the core only through the public inbound services of
`declarations.services` (receive/apply customs messages, customs numbers, risk assessment).
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from .base import CustomsGateway
from .manual import ManualGateway

if TYPE_CHECKING:
    from tradehub.reference.models import CustomsOffice

    from ..models import Declaration

# The value of CUSTOMS_GATEWAY that routes by office (`simulated` is its former name).
ROUTED = frozenset({"routes", "simulated"})


@lru_cache(maxsize=64)
def _build(name: str, path: str, options: tuple[tuple[str, Any], ...]) -> CustomsGateway:
    gateway_class = import_string(path)
    if not (isinstance(gateway_class, type) and issubclass(gateway_class, CustomsGateway)):
        raise ImproperlyConfigured(f"CUSTOMS_GATEWAYS[{name!r}] is not a CustomsGateway: {path}")
    return gateway_class(name, **dict(options))


def gateway_named(name: str) -> CustomsGateway | None:
    """The configured gateway called `name` (None when no such gateway is configured)."""
    config = settings.CUSTOMS_GATEWAYS.get(name)
    if config is None:
        return None
    options = tuple(sorted((config.get("options") or {}).items()))
    return _build(name, config["class"], options)


def gateway_name_for(office: CustomsOffice) -> str:
    """Which gateway serves an office: the global override, else its code, its country, `*`."""
    forced = settings.CUSTOMS_GATEWAY
    if forced not in ROUTED:
        return str(forced)
    routes = settings.CUSTOMS_GATEWAY_ROUTES
    country = office.location.country.code if office.location_id else ""
    return str(routes.get(office.code) or routes.get(country) or routes.get("*") or "manual")


def gateway_for_office(office: CustomsOffice) -> CustomsGateway:
    """The gateway an office's declarations (and transits arriving there) go through."""
    name = gateway_name_for(office)
    gateway = gateway_named(name)
    if gateway is None:
        raise ImproperlyConfigured(
            f"Office {office.code} routes to gateway {name!r}, which CUSTOMS_GATEWAYS does not "
            f"define (known: {sorted(settings.CUSTOMS_GATEWAYS)})."
        )
    return gateway


def get_gateway(declaration: Declaration) -> CustomsGateway:
    """The gateway of the declaration's office of declaration."""
    return gateway_for_office(declaration.office)


def gateway_names_of_class(gateway_class: type[CustomsGateway]) -> list[str]:
    """Names of the configured gateways that are instances of `gateway_class`."""
    return [
        name for name in settings.CUSTOMS_GATEWAYS if isinstance(gateway_named(name), gateway_class)
    ]


def offices_served_by(name: str) -> list[str]:
    """Codes of the customs offices the gateway `name` serves (for its periodic sweeps)."""
    from tradehub.reference.models import CustomsOffice

    offices = CustomsOffice.objects.select_related("location__country")
    return [office.code for office in offices if gateway_name_for(office) == name]


__all__ = [
    "CustomsGateway",
    "ManualGateway",
    "gateway_for_office",
    "gateway_name_for",
    "gateway_named",
    "gateway_names_of_class",
    "get_gateway",
    "offices_served_by",
]
