"""The manual gateway: nothing happens by itself; staff record customs decisions in the admin."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import CustomsGateway

if TYPE_CHECKING:
    from ..models import Declaration


class ManualGateway(CustomsGateway):
    """Customs decisions are typed in by staff (admin actions) or posted by a gateway partner."""

    name = "manual"

    def declaration_submitted(self, declaration: Declaration) -> None:
        """Nothing to do: the declaration waits in the admin's `submitted` list."""

    def cancellation_requested(self, declaration: Declaration) -> None:
        """Nothing to do: staff decide the request in the admin."""

    def transit_arrived(self, declaration: Declaration) -> None:
        """Nothing to do: staff complete the transit in the admin (or a gateway posts it)."""
