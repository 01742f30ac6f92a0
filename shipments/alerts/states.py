"""Alert state machine as data (pure, no ORM)."""

from tradehub.errors import Conflict

from .choices import AlertState as S

TRANSITIONS: dict[str, frozenset[str]] = {
    "acknowledge": frozenset({S.OPEN}),
    "resolve": frozenset({S.OPEN, S.ACKNOWLEDGED}),
    "reopen": frozenset({S.RESOLVED}),
}
TARGETS = {"acknowledge": S.ACKNOWLEDGED, "resolve": S.RESOLVED, "reopen": S.OPEN}


class AlertTransitionNotAllowed(Conflict):
    """The alert's state does not allow the action (the API answers 409)."""

    def __init__(self, state: str, action: str) -> None:
        self.state = state
        self.action = action
        super().__init__(f"Cannot {action} an alert that is {state}.", state=state)


def assert_transition(state: str, action: str) -> str:
    """The state after `action`, or AlertTransitionNotAllowed."""
    if state not in TRANSITIONS[action]:
        raise AlertTransitionNotAllowed(state, action)
    return TARGETS[action]
