from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from footprint.operations.case_workflow import (
    OPEN_STATES,
    OUTCOMES,
    TRANSITIONS,
    CaseState,
    InvalidTransition,
    advance,
    allowed_next,
)

S = CaseState


def test_the_main_path_from_received_to_charged() -> None:
    path = [
        S.RESEARCHING,
        S.WARRANT_APPLIED,
        S.WARRANT_GRANTED,
        S.SEARCH_EXECUTED,
        S.ARRESTED,
        S.ON_BAIL,
        S.CHARGED,
        S.CLOSED,
    ]
    state = S.RECEIVED
    for step in path:
        state = advance(state, step)
    assert state is S.CLOSED


def test_invalid_steps_say_what_is_allowed() -> None:
    with pytest.raises(InvalidTransition) as caught:
        advance(S.RECEIVED, S.CHARGED)
    assert str(caught.value) == (
        "state: cannot go from received to charged; allowed from received: researching, transferred"
    )
    with pytest.raises(InvalidTransition, match="none \\(the case is finished\\)"):
        advance(S.CLOSED, S.RESEARCHING)


def test_every_open_case_can_be_transferred_and_finished_ones_cannot() -> None:
    assert all(S.TRANSFERRED in TRANSITIONS[s] for s in OPEN_STATES)
    assert all(S.TRANSFERRED not in TRANSITIONS[s] for s in OUTCOMES | {S.CLOSED})
    assert allowed_next(S.TRANSFERRED) == []


@given(st.lists(st.sampled_from(list(CaseState)), max_size=30))
def test_any_sequence_of_steps_stays_inside_the_machine(steps: list[CaseState]) -> None:
    """Steps in the table are accepted, every other step is refused."""
    state = S.RECEIVED
    for wanted in steps:
        if wanted in TRANSITIONS[state]:
            state = advance(state, wanted)
        else:
            with pytest.raises(InvalidTransition):
                advance(state, wanted)
    assert state in TRANSITIONS


def test_every_state_is_reachable_from_received() -> None:
    """No part of the machine is dead."""
    seen, frontier = {S.RECEIVED}, [S.RECEIVED]
    while frontier:
        for nxt in TRANSITIONS[frontier.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    assert seen == set(CaseState)
