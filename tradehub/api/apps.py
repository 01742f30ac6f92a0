"""API app: partner-API plumbing shared by every endpoint (idempotency, ETags, throttling, errors)."""

from django.apps import AppConfig


class ApiConfig(AppConfig):
    """Cross-cutting behaviour of the partner API under /api/v1/."""

    name = "tradehub.api"
    label = "api"
    verbose_name = "Partner API"

    def ready(self) -> None:
        from .queries import install_query_checks
        from .serializers import install_request_checks

        install_request_checks()
        install_query_checks()
