"""Partners app: organisations, staff memberships and API keys (tenancy lives here)."""

from django.apps import AppConfig


class PartnersConfig(AppConfig):
    """Partner organisations and their API keys."""

    name = "tradehub.partners"
    label = "partners"
    verbose_name = "Partners"

    def ready(self) -> None:
        from . import signals

        signals.connect()
