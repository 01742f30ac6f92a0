"""The simulated authority as a customs gateway: hands each step to its own Celery tasks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings

from declarations.gateway.base import CustomsGateway

if TYPE_CHECKING:
    from declarations.models import Declaration

# A short pause before each decision, as a real authority takes: a gateway integration that
# answers for customs right after submission is then seen first, and the simulation steps aside.
ASSESSMENT_DELAY_SECONDS = 3


class SimulatedGateway(CustomsGateway):
    """A rule-based authority for one set of offices; options: `system` (the label of the
    authority's system, e.g. ASTANA-1) and `release_factor` (its green release delay as a multiple
    of CUSTOMS_SIMULATED_RELEASE_SECONDS; yellow waits twice as long)."""

    def __init__(self, name: str, **options: Any) -> None:
        super().__init__(name, **options)
        self.system = str(options.get("system", "simulated"))
        self.release_factor = float(options.get("release_factor", 1))

    @property
    def release_seconds(self) -> int:
        """Seconds from registration to the release of a green declaration."""
        return int(settings.CUSTOMS_SIMULATED_RELEASE_SECONDS * self.release_factor)

    def declaration_submitted(self, declaration: Declaration) -> None:
        from .tasks import assess_task

        assess_task.apply_async(
            (declaration.pk, declaration.version, self.name), countdown=ASSESSMENT_DELAY_SECONDS
        )

    def cancellation_requested(self, declaration: Declaration) -> None:
        from .tasks import cancellation_task

        cancellation_task.delay(declaration.pk)

    def transit_arrived(self, declaration: Declaration) -> None:
        from .tasks import transit_completion_task

        # The office of destination checks seals and documents, then completes the transit.
        transit_completion_task.apply_async((declaration.pk,), countdown=ASSESSMENT_DELAY_SECONDS)
