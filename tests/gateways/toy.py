"""A toy customs gateway that lives outside the core and is plugged in through settings only:
it registers and releases every declaration at once, and completes transits on arrival."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from declarations import services
from declarations.choices import CustomsMessageType, MessageSource
from declarations.gateway.base import CustomsGateway


class ToyGateway(CustomsGateway):
    """Green for everything, immediately (options: `prefix` of its message ids)."""

    def _send(self, declaration: Any, kind: str, **data: Any) -> None:
        services.receive_customs_message(
            declaration,
            message_id=f"{self.options.get('prefix', 'TOY')}-{declaration.reference}-"
            f"v{declaration.version}-{kind}",
            type=kind,
            occurred_at=timezone.now(),
            **data,
            source=MessageSource.GATEWAY,
            actor=self.name,
        )

    def declaration_submitted(self, declaration: Any) -> None:
        number = declaration.number or services.allocate_customs_number(declaration.office)
        self._send(declaration, CustomsMessageType.ACCEPTED, number=number, channel="green")
        self._send(declaration, CustomsMessageType.RELEASED)
        services.apply_customs_messages(declaration, actor=self.name)

    def cancellation_requested(self, declaration: Any) -> None:
        self._send(declaration, CustomsMessageType.CANCELLATION_DECISION, accepted=True)
        services.apply_customs_messages(declaration, actor=self.name)

    def transit_arrived(self, declaration: Any) -> None:
        self._send(declaration, CustomsMessageType.TRANSIT_COMPLETED, storage_place="Toy TSW")
        services.apply_customs_messages(declaration, actor=self.name)
