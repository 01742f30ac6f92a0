"""The declaration lifecycle as data, plus the pure fold that turns customs messages into a state.

Nothing here touches the database: services.py locks, asks this module whether a move is allowed,
then writes. Customs decisions are folded from the *set* of messages received for the current
version, sorted by `occurred_at`, so the result does not depend on the order they arrived in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from tradehub.errors import Conflict

from .choices import CustomsMessageType as M
from .choices import DeclarationStatus as S
from .choices import TransitStatus


class Action(StrEnum):
    """Everything that can move a declaration from one status to another."""

    SUBMIT = "submit"
    AMEND = "amend"
    CANCEL_DRAFT = "cancel_draft"
    REQUEST_CANCELLATION = "request_cancellation"
    ACCEPT = "accept"
    REFUSE_REGISTRATION = "refuse_registration"
    CONTROL = "control"
    RELEASE = "release"
    REJECT = "reject"
    GRANT_CANCELLATION = "grant_cancellation"
    REFUSE_CANCELLATION = "refuse_cancellation"
    DISTRIBUTE_PARTIALLY = "distribute_partially"
    DISTRIBUTE_FULLY = "distribute_fully"
    ATTACH_DOCUMENT_FILE = "attach_document_file"


@dataclass(frozen=True)
class Transition:
    """An action is allowed from `sources`; it leaves the declaration in `target`.

    `target=None` means the status stays as it is (the action records something else).
    """

    sources: frozenset[str]
    target: str | None


# Statuses in which customs is still deciding (amendment and cancellation requests are allowed).
LODGED = frozenset({S.SUBMITTED, S.ACCEPTED, S.UNDER_CONTROL})
# Not (or no longer) held by customs: a draft, or a declaration customs refused to register. The
# declarant withdraws either alone.
UNREGISTERED = frozenset({S.DRAFT, S.REGISTRATION_REFUSED})
# Before release: a declaration may be amended (one refused registration is corrected by amending
# it and so lodged again). A release refusal (`rejected`) is final: a new declaration is filed.
AMENDABLE = frozenset({*UNREGISTERED, *LODGED})
# Where goods can be drawn on, split or distributed once customs let them go (see procedures.py).
DISTRIBUTION_STATUSES = frozenset({S.RELEASED, S.PARTIALLY_DISTRIBUTED, S.DISTRIBUTED})

TRANSITIONS: Mapping[Action, Transition] = {
    Action.SUBMIT: Transition(frozenset({S.DRAFT}), S.SUBMITTED),
    Action.AMEND: Transition(AMENDABLE, S.SUBMITTED),
    # Customs does not hold a draft or a declaration it refused to register: cancelled at once.
    Action.CANCEL_DRAFT: Transition(UNREGISTERED, S.CANCELLED),
    # Once lodged, cancellation is a request that customs decides.
    Action.REQUEST_CANCELLATION: Transition(LODGED, None),
    Action.ACCEPT: Transition(frozenset({S.SUBMITTED}), S.ACCEPTED),
    Action.REFUSE_REGISTRATION: Transition(frozenset({S.SUBMITTED}), S.REGISTRATION_REFUSED),
    Action.CONTROL: Transition(frozenset({S.SUBMITTED, S.ACCEPTED}), S.UNDER_CONTROL),
    Action.RELEASE: Transition(LODGED, S.RELEASED),
    Action.REJECT: Transition(LODGED, S.REJECTED),
    Action.GRANT_CANCELLATION: Transition(LODGED, S.CANCELLED),
    Action.REFUSE_CANCELLATION: Transition(LODGED, None),
    # A distributed declaration becomes partially distributed again when a shipment or a child
    # declaration gives its allocation back.
    Action.DISTRIBUTE_PARTIALLY: Transition(DISTRIBUTION_STATUSES, S.PARTIALLY_DISTRIBUTED),
    Action.DISTRIBUTE_FULLY: Transition(DISTRIBUTION_STATUSES, S.DISTRIBUTED),
    # Scans of the documents may be uploaded until release (customs may ask for them).
    Action.ATTACH_DOCUMENT_FILE: Transition(AMENDABLE, None),
}

# Statuses that only customs messages decide: a late message may correct one into another
# (see `fold_customs_messages`). Distribution statuses and drafts are never touched by customs.
CUSTOMS_DECIDED = frozenset({*LODGED, S.REGISTRATION_REFUSED, S.RELEASED, S.REJECTED, S.CANCELLED})
# Nothing follows these: a refused release is final, like a cancellation.
TERMINAL = frozenset({S.CANCELLED, S.REJECTED})


class TransitionNotAllowed(Conflict):
    """The action is not allowed from the declaration's current status."""

    def __init__(self, status: str, action: str) -> None:
        self.status = status
        self.action = action
        known = action in {a.value for a in Action}
        allowed = sorted(TRANSITIONS[Action(action)].sources) if known else []
        super().__init__(
            f"Cannot {action.replace('_', ' ')} a declaration that is {status}"
            + (f" (allowed from: {', '.join(allowed)})." if allowed else "."),
            code="transition_not_allowed",
            status=status,
        )


def can(status: str, action: str) -> bool:
    """Whether `action` is allowed from `status`."""
    return status in TRANSITIONS[Action(action)].sources


def assert_transition(status: str, action: str) -> str:
    """The status after `action`, or TransitionNotAllowed; unchanged status for recording actions."""
    transition = TRANSITIONS[Action(action)]
    if status not in transition.sources:
        raise TransitionNotAllowed(status, action)
    return transition.target or status


def allowed_actions(status: str) -> list[str]:
    """Every action allowed from `status` (for admin buttons and error messages)."""
    return [action.value for action, t in TRANSITIONS.items() if status in t.sources]


# --- customs messages ---------------------------------------------------------------------------

# How far along the customs decision a status is. A message never moves a declaration to a
# lower rank, and nothing moves it out of a final decision (rank 3): that is what makes the
# fold independent of the order messages arrive in, once they are sorted by occurred_at.
RANK: Mapping[str, int] = {
    S.SUBMITTED: 0,
    S.ACCEPTED: 1,
    S.UNDER_CONTROL: 2,
    S.REGISTRATION_REFUSED: 3,
    S.RELEASED: 3,
    S.REJECTED: 3,
    S.CANCELLED: 3,
}

# Tie-break for messages stamped with the same instant: the natural order of a procedure.
MESSAGE_ORDER: Mapping[str, int] = {
    M.REGISTRATION_REFUSED: 0,
    M.ACCEPTED: 1,
    M.CONTROL: 2,
    M.REJECTED: 3,
    M.CANCELLATION_DECISION: 4,
    M.RELEASED: 5,
    M.TRANSIT_ARRIVED: 6,
    M.TRANSIT_COMPLETED: 7,
}


@dataclass(frozen=True)
class Message:
    """A customs message as the fold sees it (no ORM)."""

    message_id: str
    type: str
    occurred_at: dt.datetime
    number: str = ""
    channel: str = ""
    errors: tuple[Mapping[str, Any], ...] = ()
    accepted: bool | None = None
    delivery_deadline: dt.datetime | None = None

    def sort_key(self) -> tuple[dt.datetime, int, str]:
        return (self.occurred_at, MESSAGE_ORDER.get(self.type, 9), self.message_id)


@dataclass(frozen=True)
class CustomsState:
    """What customs has decided so far for one version of a declaration."""

    status: str = S.SUBMITTED
    number: str = ""
    channel: str = ""
    errors: tuple[Mapping[str, Any], ...] = ()
    accepted_at: dt.datetime | None = None
    released_at: dt.datetime | None = None
    decided_at: dt.datetime | None = None
    cancellation_refused: bool = False
    # A transit's facts: the deadline customs set on release, arrival and completion at the
    # office of destination.
    delivery_deadline: dt.datetime | None = None
    transit_arrived_at: dt.datetime | None = None
    transit_completed_at: dt.datetime | None = None


@dataclass(frozen=True)
class Step:
    """What one message did during the fold: `effective` is False when it was ignored."""

    message_id: str
    before: str
    after: str
    effective: bool
    reason: str = ""


@dataclass(frozen=True)
class FoldResult:
    """The final customs state and one step per message, in the order they were applied."""

    state: CustomsState
    steps: list[Step] = field(default_factory=list)


def _target(message: Message) -> str | None:
    """The status a message asks for (None: it changes no status)."""
    if message.type == M.ACCEPTED:
        return S.ACCEPTED
    if message.type == M.REGISTRATION_REFUSED:
        return S.REGISTRATION_REFUSED
    if message.type == M.CONTROL:
        return S.UNDER_CONTROL
    if message.type == M.RELEASED:
        return S.RELEASED
    if message.type == M.REJECTED:
        return S.REJECTED
    if message.type == M.CANCELLATION_DECISION:
        return S.CANCELLED if message.accepted else None
    return None


TRANSIT_FACTS = frozenset({M.TRANSIT_ARRIVED, M.TRANSIT_COMPLETED})


def apply_transit_fact(state: CustomsState, message: Message) -> tuple[CustomsState, Step]:
    """Arrival and completion of a transit: facts of a released (opened) transit that change no
    declaration status; the first arrival and the first completion count, and a completion
    implies the arrival."""
    before = state.status
    if before != S.RELEASED:
        return state, Step(message.message_id, before, before, False, "transit not opened")
    arrived = state.transit_arrived_at or message.occurred_at
    if message.type == M.TRANSIT_ARRIVED:
        new = replace(state, transit_arrived_at=arrived)
    else:
        new = replace(
            state,
            transit_arrived_at=arrived,
            transit_completed_at=state.transit_completed_at or message.occurred_at,
        )
    return new, Step(message.message_id, before, before, new != state)


def apply_message(state: CustomsState, message: Message) -> tuple[CustomsState, Step]:
    """Apply one message to a customs state; moves backwards or out of a final decision are ignored."""
    if message.type in TRANSIT_FACTS:
        return apply_transit_fact(state, message)
    before = state.status
    if message.type == M.REGISTRATION_REFUSED and before != S.SUBMITTED:
        # Registration is refused instead of registering, never after it: once customs gave a
        # number the declaration stays registered (a later refusal of release is `rejected`).
        return state, Step(message.message_id, before, before, False, f"already {before}")
    # Number and channel are facts customs states; keep the first one given, fill gaps later.
    # A refusal to register carries none (an unregistered declaration has no number).
    number = state.number or (message.number if message.type != M.REGISTRATION_REFUSED else "")
    channel = state.channel
    if message.channel and (message.type in (M.ACCEPTED, M.CONTROL) or not channel):
        channel = message.channel
    if RANK[before] >= 3:
        reason = f"declaration already {before}"
        return replace(state, number=number), Step(
            message.message_id, before, before, False, reason
        )
    target = _target(message)
    if target is None:  # a refused cancellation: status stays, the request is closed
        new = replace(state, number=number, channel=channel, cancellation_refused=True)
        return new, Step(message.message_id, before, before, True, "cancellation refused")
    if RANK[target] <= RANK[before]:
        reason = f"would move {before} back to {target}"
        return replace(state, number=number, channel=channel), Step(
            message.message_id, before, before, False, reason
        )
    new = replace(state, status=target, number=number, channel=channel)
    if target == S.ACCEPTED or (target == S.UNDER_CONTROL and state.accepted_at is None):
        new = replace(new, accepted_at=message.occurred_at)
    elif target == S.RELEASED:
        new = replace(
            new,
            released_at=message.occurred_at,
            decided_at=message.occurred_at,
            delivery_deadline=message.delivery_deadline,
        )
    elif target in (S.REJECTED, S.REGISTRATION_REFUSED):
        new = replace(new, errors=tuple(message.errors), decided_at=message.occurred_at)
    elif target == S.CANCELLED:
        new = replace(new, decided_at=message.occurred_at)
    return new, Step(message.message_id, before, target, True)


def fold_customs_messages(messages: Iterable[Message]) -> FoldResult:
    """Fold every message of one declaration version, sorted by occurred_at, from `submitted`.

    Delivered twice, late or out of order, the same set of messages gives the same result.
    """
    state = CustomsState()
    steps: list[Step] = []
    for message in sorted(messages, key=Message.sort_key):
        state, step = apply_message(state, message)
        steps.append(step)
    return FoldResult(state, steps)


# --- transits -----------------------------------------------------------------------------------

TRANSIT_ORDER: Mapping[str, int] = {
    TransitStatus.DECLARED: 0,
    TransitStatus.OPENED: 1,
    TransitStatus.ARRIVED: 2,
    TransitStatus.COMPLETED: 3,
}


def transit_status(
    opened_at: dt.datetime | None,
    arrived_at: dt.datetime | None,
    completed_at: dt.datetime | None,
) -> str:
    """opened (released for transit) -> arrived (presented at destination) -> completed."""
    if completed_at is not None:
        return TransitStatus.COMPLETED
    if arrived_at is not None:
        return TransitStatus.ARRIVED
    if opened_at is not None:
        return TransitStatus.OPENED
    return TransitStatus.DECLARED
