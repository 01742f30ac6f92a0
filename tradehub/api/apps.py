"""API app: partner-API plumbing shared by every endpoint (idempotency, ETags, throttling, errors)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """Cross-cutting behaviour of the partner API under /api/v1/."""

    name = "tradehub.api"
    label = "api"
    verbose_name = _("Partner API")

    def ready(self) -> None:
        from .fieldcache import install_field_cache
        from .queries import install_query_checks

        install_query_checks()
        install_field_cache()
