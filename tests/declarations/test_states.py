"""The lifecycle table: every action from every status is either allowed (with its target) or refused,
and the customs-message fold gives one answer whatever order the messages arrive in."""

import datetime as dt
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from declarations.choices import DeclarationStatus as S
from declarations.states import (
    Action,
    Message,
    TransitionNotAllowed,
    allowed_actions,
    assert_transition,
    can,
    fold_customs_messages,
)

LODGED = {S.SUBMITTED, S.ACCEPTED, S.UNDER_CONTROL}

# The expected table, written out independently of states.py: action -> {source: target}.
DISTRIBUTION = (S.RELEASED, S.PARTIALLY_DISTRIBUTED, S.DISTRIBUTED)
EXPECTED = {
    Action.SUBMIT: {S.DRAFT: S.SUBMITTED},
    # A refusal to register is corrected and lodged again; a refusal to release is final.
    Action.AMEND: {s: S.SUBMITTED for s in (S.DRAFT, *LODGED, S.REGISTRATION_REFUSED)},
    Action.CANCEL_DRAFT: {S.DRAFT: S.CANCELLED, S.REGISTRATION_REFUSED: S.CANCELLED},
    Action.REQUEST_CANCELLATION: {s: s for s in LODGED},
    Action.ACCEPT: {S.SUBMITTED: S.ACCEPTED},
    Action.REFUSE_REGISTRATION: {S.SUBMITTED: S.REGISTRATION_REFUSED},
    Action.CONTROL: {S.SUBMITTED: S.UNDER_CONTROL, S.ACCEPTED: S.UNDER_CONTROL},
    Action.RELEASE: {s: S.RELEASED for s in LODGED},
    Action.REJECT: {s: S.REJECTED for s in LODGED},
    Action.GRANT_CANCELLATION: {s: S.CANCELLED for s in LODGED},
    Action.REFUSE_CANCELLATION: {s: s for s in LODGED},
    # Giving an allocation back moves a distributed declaration to partially distributed.
    Action.DISTRIBUTE_PARTIALLY: {s: S.PARTIALLY_DISTRIBUTED for s in DISTRIBUTION},
    Action.DISTRIBUTE_FULLY: {s: S.DISTRIBUTED for s in DISTRIBUTION},
    Action.ATTACH_DOCUMENT_FILE: {s: s for s in (S.DRAFT, *LODGED, S.REGISTRATION_REFUSED)},
}
CASES = [(status, action) for action in Action for status in S.values]


@pytest.mark.parametrize(("status", "action"), CASES)
def test_each_action_from_each_status_is_allowed_or_refused_as_the_table_says(status, action):
    expected = EXPECTED[action].get(status)
    if expected is None:
        assert not can(status, action)
        with pytest.raises(TransitionNotAllowed) as info:
            assert_transition(status, action)
        assert status in str(info.value)
    else:
        assert can(status, action)
        assert assert_transition(status, action) == expected


def test_nothing_leaves_a_refused_release_or_a_cancellation():
    assert allowed_actions(S.REJECTED) == []
    assert allowed_actions(S.CANCELLED) == []
    # Goods that left stay distributed; only given-back allocations reopen the split.
    assert allowed_actions(S.DISTRIBUTED) == ["distribute_partially", "distribute_fully"]


def test_amend_is_refused_from_release_on():
    for status in (S.RELEASED, S.PARTIALLY_DISTRIBUTED, S.DISTRIBUTED, S.CANCELLED):
        assert not can(status, Action.AMEND)


T0 = dt.datetime(2025, 7, 15, 8, 0, tzinfo=dt.UTC)


def msg(message_id, type, minutes, **kw):
    return Message(message_id, type, T0 + dt.timedelta(minutes=minutes), **kw)


ACCEPTED = msg("m1", "accepted", 1, number="50510/150725/0000001", channel="red")
CONTROL = msg("m2", "control", 2, channel="red")
RELEASED = msg("m3", "released", 3)
REJECTED = msg("m4", "rejected", 4, errors=({"pointer": "/", "code": "x", "detail": "late"},))


def test_in_order_messages_end_released_with_number_and_channel():
    result = fold_customs_messages([ACCEPTED, CONTROL, RELEASED])
    assert result.state.status == S.RELEASED
    assert result.state.number == "50510/150725/0000001"
    assert result.state.channel == "red"
    assert result.state.accepted_at == ACCEPTED.occurred_at
    assert result.state.released_at == RELEASED.occurred_at


@pytest.mark.parametrize("order", list(itertools.permutations([ACCEPTED, CONTROL, RELEASED])))
def test_any_arrival_order_gives_the_in_order_result(order):
    assert (
        fold_customs_messages(order).state
        == fold_customs_messages([ACCEPTED, CONTROL, RELEASED]).state
    )


def test_a_decision_after_release_is_ignored_not_applied():
    result = fold_customs_messages([ACCEPTED, RELEASED, REJECTED])
    assert result.state.status == S.RELEASED
    assert [s.effective for s in result.steps] == [True, True, False]
    assert "already released" in result.steps[-1].reason


def test_a_message_that_would_move_backwards_is_ignored():
    late_accept = msg("m9", "accepted", 5, number="N-1")
    result = fold_customs_messages([CONTROL, late_accept])
    assert result.state.status == S.UNDER_CONTROL
    assert result.state.number == "N-1"  # the fact is kept even though the move is not
    assert result.steps[-1].effective is False


def test_refused_cancellation_keeps_status_granted_cancels():
    refused = msg("c1", "cancellation_decision", 2, accepted=False)
    granted = msg("c2", "cancellation_decision", 3, accepted=True)
    assert fold_customs_messages([ACCEPTED, refused]).state.status == S.ACCEPTED
    assert fold_customs_messages([ACCEPTED, refused]).state.cancellation_refused
    assert fold_customs_messages([ACCEPTED, refused, granted]).state.status == S.CANCELLED


def test_rejection_keeps_the_errors():
    state = fold_customs_messages([ACCEPTED, REJECTED]).state
    assert state.status == S.REJECTED
    assert state.errors[0]["detail"] == "late"


REFUSED = msg(
    "r1",
    "registration_refused",
    1,
    number="50510/150725/0000009",
    errors=({"pointer": "/consignee/tax_id", "code": "missing", "detail": "BIN"},),
)


def test_a_refused_registration_has_no_number_and_keeps_its_errors():
    state = fold_customs_messages([REFUSED]).state
    assert state.status == S.REGISTRATION_REFUSED
    assert state.number == ""
    assert state.errors[0]["pointer"] == "/consignee/tax_id"


def test_registration_cannot_be_refused_once_a_number_is_given():
    later = msg("r2", "registration_refused", 5)
    result = fold_customs_messages([ACCEPTED, later])
    assert result.state.status == S.ACCEPTED
    assert result.state.number == ACCEPTED.number
    assert result.steps[-1].effective is False


def test_nothing_registers_a_declaration_whose_registration_was_refused():
    late_accept = msg("m9", "accepted", 5, number="N-1", channel="green")
    result = fold_customs_messages([REFUSED, late_accept, RELEASED])
    assert result.state.status == S.REGISTRATION_REFUSED
    assert [s.effective for s in result.steps] == [True, False, False]


messages = st.lists(
    st.builds(
        Message,
        message_id=st.text("abc123", min_size=1, max_size=6),
        type=st.sampled_from(
            [
                "accepted",
                "registration_refused",
                "control",
                "released",
                "rejected",
                "cancellation_decision",
            ]
        ),
        occurred_at=st.integers(0, 20).map(lambda m: T0 + dt.timedelta(minutes=m)),
        channel=st.sampled_from(["", "green", "yellow", "red"]),
        accepted=st.sampled_from([None, True, False]),
    ),
    max_size=8,
    unique_by=lambda m: m.message_id,
)


@given(messages, st.randoms())
def test_fold_is_independent_of_arrival_order(batch, random):
    shuffled = list(batch)
    random.shuffle(shuffled)
    assert fold_customs_messages(shuffled).state == fold_customs_messages(batch).state
