"""Domain errors raised by the shipments services (kinds from `tradehub.errors`; the API maps them
to 400 / 409 problem responses in `tradehub.api.exceptions`, the admin shows their message)."""

from __future__ import annotations

from typing import Any

from tradehub.errors import Conflict, DomainError, Invalid


class ShipmentError(DomainError):
    """Base of the shipments app's domain errors."""


class ShipmentConflict(ShipmentError, Conflict):
    """The shipment (or the declaration it draws on) is not in a state that allows this; `code`
    says which rule (`shipment_not_booked`, `documents_missing`, `invalid_status`, ...)."""


class ShipmentInvalid(ShipmentError, Invalid):
    """The shipment's input breaks a rule; `errors` are `{pointer, code, detail}`."""


class EventConflict(ShipmentConflict):
    """Event ids re-sent with other content: `conflicts` name each one and the stored version."""

    def __init__(self, conflicts: list[dict[str, Any]]) -> None:
        self.conflicts = conflicts
        super().__init__(
            f"{len(conflicts)} event id(s) were already recorded with other content. "
            "Nothing was stored; send a new event_id for a new event.",
            code="event_conflict",
            errors=[
                {
                    "pointer": f"/{c['index']}",
                    "code": "event_conflict",
                    "detail": f"Event {c['event_id']!r} "
                    + (
                        "was already recorded with other content (see `conflicts`)."
                        if c["stored"] is not None
                        else f"differs from the one at /{c['same_as_index']} in this batch."
                    ),
                }
                for c in conflicts
            ],
            conflicts=conflicts,
        )
