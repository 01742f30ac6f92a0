"""What the simulated authority does, step by step; only core public services are used.

On submission it asks the core's risk assessment (`declarations.services.assess_risk`) and then:

0. refuses to register (no number) when mandatory information is missing;
1. registers (number from the office's yearly series) and refuses release when goods need a
   licence it cannot see (final);
2. otherwise registers with the channel: green is released after `release_seconds`, yellow
   (documentary check) after twice that, red waits for staff to record an inspection result.

It steps aside when a gateway integration or staff already sent a message for the version (they
decide then). A requested cancellation of a declaration not yet released is granted. As office of
destination it completes a transit a few seconds after its goods were presented. Every message
id is deterministic (`SIM-<reference>-v<version>-<kind>`), so running a step twice sends nothing
twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from declarations import services
from declarations.choices import (
    CustomsMessageType,
    DeclarationEventType,
    DeclarationStatus,
    MessageSource,
    RiskChannel,
    TransitStatus,
)
from declarations.models import Declaration

from .models import SimulatedCase

ACTOR = "simulated customs"
LODGED = (DeclarationStatus.SUBMITTED, DeclarationStatus.ACCEPTED, DeclarationStatus.UNDER_CONTROL)


def release_delay(channel: str, release_seconds: int) -> dt.timedelta | None:
    """How long after registration the authority releases (None: never by itself)."""
    if channel == RiskChannel.GREEN:
        return dt.timedelta(seconds=release_seconds)
    if channel == RiskChannel.YELLOW:
        return dt.timedelta(seconds=2 * release_seconds)
    return None


def _lock(declaration_id: int) -> Declaration | None:
    return (
        Declaration.objects.select_for_update(of=("self",))
        .select_related("office__location__country")
        .filter(pk=declaration_id)
        .first()
    )


def _decided_by_others(declaration: Declaration) -> bool:
    """A gateway integration or staff sent messages for this version: they decide, not us."""
    return (
        declaration.customs_messages.filter(declaration_version=declaration.version)
        .exclude(source=MessageSource.SIMULATED)
        .exists()
    )


def _send(declaration: Declaration, suffix: str, data: dict[str, Any]) -> None:
    services.receive_customs_message(
        declaration,
        message_id=f"SIM-{declaration.reference}-v{declaration.version}-{suffix}",
        **data,
        source=MessageSource.SIMULATED,
        actor=ACTOR,
    )


def assess(
    declaration_id: int, version: int | None, *, gateway: str, release_seconds: int
) -> tuple[Declaration | None, dt.timedelta | None]:
    """Decide on a submitted declaration; returns it and the delay until its release (if any)."""
    with transaction.atomic():
        declaration = _lock(declaration_id)
        if declaration is None or declaration.status != DeclarationStatus.SUBMITTED:
            return declaration, None
        if version is not None and declaration.version != version:
            return declaration, None  # an amendment superseded it; its own task decides
        if (
            SimulatedCase.objects.filter(
                declaration=declaration, version=declaration.version
            ).exists()
            or declaration.customs_messages.filter(declaration_version=declaration.version).exists()
        ):
            return declaration, None  # assessed already, or others decide this one
        now = timezone.now()
        risk = services.assess_risk(declaration)
        case = SimulatedCase(
            declaration=declaration, version=declaration.version, gateway=gateway, assessed_at=now
        )
        if risk.registration_errors:
            case.save()
            _send(
                declaration,
                "registration-refused",
                {
                    "type": CustomsMessageType.REGISTRATION_REFUSED,
                    "occurred_at": now,
                    "errors": risk.registration_errors,
                },
            )
            return services.apply_customs_messages(declaration, actor=ACTOR), None
        number = declaration.number or services.allocate_customs_number(declaration.office, now)
        if risk.release_errors:
            # Registered first (it has a number), then release is refused: final.
            case.save()
            _send(
                declaration,
                "accepted",
                {"type": CustomsMessageType.ACCEPTED, "occurred_at": now, "number": number},
            )
            _send(
                declaration,
                "rejected",
                {
                    "type": CustomsMessageType.REJECTED,
                    "occurred_at": now,
                    "errors": risk.release_errors,
                },
            )
            return services.apply_customs_messages(declaration, actor=ACTOR), None
        services.record_event(
            declaration,
            DeclarationEventType.RISK_ASSESSED,
            ACTOR,
            channel=risk.channel,
            reasons=list(risk.reasons),
            gateway=gateway,
        )
        _send(
            declaration,
            "accepted",
            {
                "type": CustomsMessageType.ACCEPTED,
                "occurred_at": now,
                "number": number,
                "channel": risk.channel,
            },
        )
        if risk.channel != RiskChannel.GREEN:
            _send(
                declaration,
                "control",
                {"type": CustomsMessageType.CONTROL, "occurred_at": now, "channel": risk.channel},
            )
        delay = release_delay(risk.channel, release_seconds)
        case.channel = risk.channel
        case.release_due_at = now + delay if delay is not None else None
        case.save()
        return services.apply_customs_messages(declaration, actor=ACTOR), delay


def release(declaration_id: int, version: int | None = None) -> Declaration | None:
    """Release a green or yellow declaration whose time has come (idempotent)."""
    with transaction.atomic():
        declaration = _lock(declaration_id)
        if declaration is None or (version is not None and declaration.version != version):
            return declaration
        case = (
            SimulatedCase.objects.select_for_update()
            .filter(declaration=declaration, version=declaration.version)
            .first()
        )
        now = timezone.now()
        if (
            case is None
            or case.released_at is not None
            or case.release_due_at is None
            or case.release_due_at > now
        ):
            return declaration
        case.released_at = now
        case.save(update_fields=["released_at"])
        if declaration.status not in (
            DeclarationStatus.ACCEPTED,
            DeclarationStatus.UNDER_CONTROL,
        ) or _decided_by_others(declaration):
            return declaration  # staff or a gateway integration decided meanwhile
        _send(
            declaration,
            "released",
            {
                "type": CustomsMessageType.RELEASED,
                "occurred_at": now,
                "number": declaration.number or "",
            },
        )
        return services.apply_customs_messages(declaration, actor=ACTOR)


def decide_cancellation(declaration_id: int) -> Declaration | None:
    """Grant a pending cancellation request of a declaration customs has not released."""
    with transaction.atomic():
        declaration = _lock(declaration_id)
        if declaration is None or declaration.cancellation_requested_at is None:
            return declaration
        if declaration.status not in LODGED:
            return declaration
        _send(
            declaration,
            "cancellation",
            {
                "type": CustomsMessageType.CANCELLATION_DECISION,
                "occurred_at": timezone.now(),
                "accepted": True,
            },
        )
        return services.apply_customs_messages(declaration, actor=ACTOR)


def complete_transit(declaration_id: int) -> Declaration | None:
    """As office of destination, complete a transit whose goods were presented (idempotent)."""
    with transaction.atomic():
        declaration = _lock(declaration_id)
        transit = getattr(declaration, "transit", None) if declaration else None
        if declaration is None or transit is None or transit.status != TransitStatus.ARRIVED:
            return declaration
        _send(
            declaration,
            "transit-completed",
            {
                "type": CustomsMessageType.TRANSIT_COMPLETED,
                "occurred_at": timezone.now(),
                "storage_place": f"Temporary storage warehouse of {transit.destination_office}",
            },
        )
        return services.apply_customs_messages(declaration, actor=ACTOR)
