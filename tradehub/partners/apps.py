"""Partners app: organisations, staff memberships and API keys (tenancy lives here)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnersConfig(AppConfig):
    """Partner organisations and their API keys."""

    name = "tradehub.partners"
    label = "partners"
    verbose_name = _("Partners")

    def ready(self) -> None:
        from . import signals

        signals.connect()
