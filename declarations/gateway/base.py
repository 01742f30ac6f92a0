"""The interface every customs gateway implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..models import Declaration


class CustomsGateway(ABC):
    """Hands declarations to customs; decisions come back as customs messages.

    Methods are called inside the service's transaction, so anything they enqueue must be
    commit-aware (our Celery task class defers enqueueing to on_commit).
    """

    name: str = ""

    @abstractmethod
    def declaration_submitted(self, declaration: Declaration) -> None:
        """A declaration (or a new version of it) was lodged."""

    @abstractmethod
    def cancellation_requested(self, declaration: Declaration) -> None:
        """The declarant asked customs to cancel a lodged declaration."""

    @abstractmethod
    def transit_arrived(self, declaration: Declaration) -> None:
        """The goods of a transit were presented at this office of destination (a gateway that
        completes transits by itself schedules it here)."""
