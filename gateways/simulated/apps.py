"""The simulated customs authority as a Django app (its own model, tasks and beat entries)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Beat entries of this gateway: its safety nets for tasks lost with a broker or worker restart.
BEAT_SCHEDULE = {
    "simulated-gateway-release-due": {
        "task": "gateways.simulated.tasks.release_due_task",
        "schedule": 60.0,
    },
    "simulated-gateway-assess-submitted": {
        "task": "gateways.simulated.tasks.assess_submitted_task",
        "schedule": 60.0,
    },
    "simulated-gateway-complete-arrived-transits": {
        "task": "gateways.simulated.tasks.complete_arrived_transits_task",
        "schedule": 60.0,
    },
}


class SimulatedGatewayConfig(AppConfig):
    """Adds its beat entries to the platform's schedule when Django starts (worker and beat)."""

    name = "gateways.simulated"
    label = "simulated_gateway"
    verbose_name = _("Simulated customs authority")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tradehub.celery import app

        app.conf.beat_schedule = {**app.conf.beat_schedule, **BEAT_SCHEDULE}
