"""The decisions staff take on one declaration from its page, as data: when each is offered (the
state machine says), what text it needs (a reason, inspection notes), what it does (a service
call) — and the next step each state expects. One confirmation page serves them all; none is
offered as a bulk action, since customs decisions cannot be undone."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from . import services
from .choices import CustomsMessageType, DeclarationStatus, RiskChannel, TransitStatus
from .models import Declaration
from .states import Action, assert_transition, can

S = DeclarationStatus
NO_TEXT, REASON, NOTES = "", "reason", "notes"


@dataclass(frozen=True)
class Decision:
    """One button on the declaration page and the confirmation behind it."""

    key: str
    label: str | Promise
    consequence: str | Promise
    offered: Callable[[Declaration], bool]
    apply: Callable[[Declaration, str, str], Any]
    text: str = NO_TEXT  # "reason" or "notes": asked on the confirmation page, then required
    text_help: str | Promise = ""
    danger: bool = False


def _transit_status(declaration: Declaration) -> str | None:
    transit = getattr(declaration, "transit", None)
    return transit.status if transit is not None else None


def _red(declaration: Declaration) -> bool:
    return declaration.status == S.UNDER_CONTROL and declaration.channel == RiskChannel.RED


def _accept(channel: str) -> Callable[[Declaration, str, str], Any]:
    def apply(declaration: Declaration, actor: str, text: str) -> Any:
        assert_transition(declaration.status, Action.ACCEPT)
        services.record_customs_decision(
            declaration, type=CustomsMessageType.ACCEPTED, channel=channel, actor=actor
        )
        if channel != RiskChannel.GREEN:
            services.record_customs_decision(
                declaration, type=CustomsMessageType.CONTROL, channel=channel, actor=actor
            )

    return apply


def _decide(
    message_type: str, action: str, code: str = "", **extra: Any
) -> Callable[[Declaration, str, str], Any]:
    """Record a customs decision; a reason becomes the structured error customs gives."""

    def apply(declaration: Declaration, actor: str, text: str) -> Any:
        assert_transition(declaration.status, action)
        errors = [{"pointer": "/", "code": code, "detail": text}] if code else []
        return services.record_customs_decision(
            declaration, type=message_type, actor=actor, errors=errors, **extra
        )

    return apply


def _inspection(passed: bool) -> Callable[[Declaration, str, str], Any]:
    def apply(declaration: Declaration, actor: str, text: str) -> Any:
        return services.record_inspection_result(declaration, passed=passed, actor=actor, note=text)

    return apply


def _transit(message_type: str) -> Callable[[Declaration, str, str], Any]:
    def apply(declaration: Declaration, actor: str, text: str) -> Any:
        return services.record_customs_decision(declaration, type=message_type, actor=actor)

    return apply


DECISIONS: tuple[Decision, ...] = (
    Decision(
        key="submit",
        label=_("Submit to customs"),
        consequence=_("The declaration is lodged with the customs gateway of its office."),
        offered=lambda d: can(d.status, Action.SUBMIT),
        apply=lambda d, actor, text: services.submit(d, actor=actor),
    ),
    Decision(
        key="accept_green",
        label=_("Register: green channel"),
        consequence=_("Customs registers it (a number is assigned) and releases without checks."),
        offered=lambda d: can(d.status, Action.ACCEPT),
        apply=_accept(RiskChannel.GREEN),
    ),
    Decision(
        key="accept_yellow",
        label=_("Register: yellow channel (documentary check)"),
        consequence=_("Customs registers it and checks the documents before release."),
        offered=lambda d: can(d.status, Action.ACCEPT),
        apply=_accept(RiskChannel.YELLOW),
    ),
    Decision(
        key="accept_red",
        label=_("Register: red channel (inspection)"),
        consequence=_("Customs registers it and inspects the goods before release."),
        offered=lambda d: can(d.status, Action.ACCEPT),
        apply=_accept(RiskChannel.RED),
    ),
    Decision(
        key="refuse_registration",
        label=_("Refuse registration"),
        consequence=_("No number is given; the declarant corrects it and lodges it again."),
        offered=lambda d: can(d.status, Action.REFUSE_REGISTRATION),
        apply=_decide(
            CustomsMessageType.REGISTRATION_REFUSED,
            Action.REFUSE_REGISTRATION,
            code="registration_refused_by_officer",
        ),
        text=REASON,
        text_help=_("What the declarant must correct; the partner reads it in the API."),
        danger=True,
    ),
    Decision(
        key="inspection_passed",
        label=_("Inspection passed: release"),
        consequence=_("The inspection found the goods as declared; customs releases them."),
        offered=_red,
        apply=_inspection(True),
        text=NOTES,
        text_help=_("What was inspected and found (inspection act)."),
    ),
    Decision(
        key="inspection_failed",
        label=_("Inspection failed: refuse release"),
        consequence=_("Final: the release is refused; a new declaration must be filed."),
        offered=_red,
        apply=_inspection(False),
        text=NOTES,
        text_help=_("The discrepancy found; the partner reads it in the API."),
        danger=True,
    ),
    Decision(
        key="release",
        label=_("Release"),
        consequence=_("Customs releases the goods under the declared procedure."),
        offered=lambda d: can(d.status, Action.RELEASE) and not _red(d),
        apply=_decide(CustomsMessageType.RELEASED, Action.RELEASE),
    ),
    Decision(
        key="reject",
        label=_("Refuse release"),
        consequence=_("Final: the release is refused; a new declaration must be filed."),
        offered=lambda d: can(d.status, Action.REJECT),
        apply=_decide(CustomsMessageType.REJECTED, Action.REJECT, code="rejected_by_officer"),
        text=REASON,
        text_help=_("Why customs refuses the release; the partner reads it in the API."),
        danger=True,
    ),
    Decision(
        key="request_cancellation",
        label=_("Cancel (on the declarant's request)"),
        consequence=_(
            "A draft or a declaration refused registration is cancelled at once; a lodged one "
            "asks customs, who decide."
        ),
        offered=lambda d: (
            can(d.status, Action.CANCEL_DRAFT)
            or (can(d.status, Action.REQUEST_CANCELLATION) and not d.cancellation_requested_at)
        ),
        apply=lambda d, actor, text: services.request_cancellation(d, reason=text, actor=actor),
        text=REASON,
        text_help=_("Why the declarant withdraws it."),
        danger=True,
    ),
    Decision(
        key="grant_cancellation",
        label=_("Grant the cancellation"),
        consequence=_("Customs cancels the declaration."),
        offered=lambda d: (
            bool(d.cancellation_requested_at) and can(d.status, Action.GRANT_CANCELLATION)
        ),
        apply=_decide(
            CustomsMessageType.CANCELLATION_DECISION, Action.GRANT_CANCELLATION, accepted=True
        ),
        danger=True,
    ),
    Decision(
        key="refuse_cancellation",
        label=_("Refuse the cancellation"),
        consequence=_("The declaration stays lodged as it is."),
        offered=lambda d: (
            bool(d.cancellation_requested_at) and can(d.status, Action.REFUSE_CANCELLATION)
        ),
        apply=_decide(
            CustomsMessageType.CANCELLATION_DECISION, Action.REFUSE_CANCELLATION, accepted=False
        ),
    ),
    Decision(
        key="transit_arrived",
        label=_("Transit: goods presented at the office of destination"),
        consequence=_("The transit arrived; the office of destination completes it next."),
        offered=lambda d: _transit_status(d) == TransitStatus.OPENED,
        apply=_transit(CustomsMessageType.TRANSIT_ARRIVED),
    ),
    Decision(
        key="transit_completed",
        label=_("Transit: completed"),
        consequence=_("The goods are in temporary storage at the destination, under control."),
        offered=lambda d: _transit_status(d) in (TransitStatus.OPENED, TransitStatus.ARRIVED),
        apply=_transit(CustomsMessageType.TRANSIT_COMPLETED),
    ),
)
BY_KEY = {decision.key: decision for decision in DECISIONS}


def offered(declaration: Declaration) -> list[Decision]:
    """The decisions its state allows now, in the order of the page."""
    return [decision for decision in DECISIONS if decision.offered(declaration)]


NEXT_STEP: dict[str, str | Promise] = {
    S.DRAFT: _("Complete it (Edit draft) and submit it to customs."),
    S.SUBMITTED: _(
        "Customs registers it (a number and a channel) or refuses registration. With a manual "
        "gateway, record customs' decision with the buttons below."
    ),
    S.ACCEPTED: _("Registered in the green channel: customs releases it next (Release)."),
    S.RELEASED: _("Released: distribute the goods to their destinations."),
    S.PARTIALLY_DISTRIBUTED: _("Partly distributed: distribute what remains."),
    S.DISTRIBUTED: _("Everything is distributed: follow its shipments."),
    S.REGISTRATION_REFUSED: _(
        "Registration refused: correct what customs named and lodge it again (Amend)."
    ),
    S.REJECTED: _("Release refused (final): a new declaration must be filed."),
    S.CANCELLED: _("Cancelled: nothing more to do."),
}
UNDER_CONTROL_STEP: dict[str, str | Promise] = {
    RiskChannel.RED: _("Red channel: inspect the goods, then record the result with notes."),
    RiskChannel.YELLOW: _("Yellow channel: check the documents, then release or refuse release."),
}


def next_step(declaration: Declaration) -> str | Promise:
    """What this declaration waits for, in plain words."""
    if declaration.cancellation_requested_at and declaration.status in (
        S.SUBMITTED,
        S.ACCEPTED,
        S.UNDER_CONTROL,
    ):
        return _("The declarant asked to cancel it: customs grants or refuses the request.")
    if declaration.status == S.UNDER_CONTROL:
        return UNDER_CONTROL_STEP.get(
            declaration.channel or "", _("Under customs control: customs decides.")
        )
    return NEXT_STEP.get(declaration.status, "")
