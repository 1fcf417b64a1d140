"""The case workflow as an explicit state machine (pure): which step may follow which.

received -> researching -> warrant applied -> warrant granted -> search executed ->
arrested | voluntary interview -> on bail | released under investigation ->
charged | cautioned | no further action; a case may be transferred to another force from any
open state, and is closed after an outcome. An invalid step is refused with the steps allowed.
"""

from __future__ import annotations

from enum import StrEnum

from footprint.errors import Conflict


class CaseState(StrEnum):
    RECEIVED = "received"
    RESEARCHING = "researching"
    WARRANT_APPLIED = "warrant-applied"
    WARRANT_GRANTED = "warrant-granted"
    SEARCH_EXECUTED = "search-executed"
    ARRESTED = "arrested"
    VOLUNTARY_INTERVIEW = "voluntary-interview"
    ON_BAIL = "on-bail"
    RELEASED_UNDER_INVESTIGATION = "released-under-investigation"
    CHARGED = "charged"
    CAUTIONED = "cautioned"
    NO_FURTHER_ACTION = "no-further-action"
    TRANSFERRED = "transferred"
    CLOSED = "closed"


S = CaseState
OUTCOMES = frozenset({S.CHARGED, S.CAUTIONED, S.NO_FURTHER_ACTION})
_INVESTIGATION = frozenset(
    {S.ARRESTED, S.VOLUNTARY_INTERVIEW, S.ON_BAIL, S.RELEASED_UNDER_INVESTIGATION}
)

TRANSITIONS: dict[CaseState, frozenset[CaseState]] = {
    S.RECEIVED: frozenset({S.RESEARCHING}),
    S.RESEARCHING: frozenset({S.WARRANT_APPLIED, S.VOLUNTARY_INTERVIEW, S.NO_FURTHER_ACTION}),
    S.WARRANT_APPLIED: frozenset({S.WARRANT_GRANTED, S.RESEARCHING}),  # refused: back to research
    S.WARRANT_GRANTED: frozenset({S.SEARCH_EXECUTED}),
    S.SEARCH_EXECUTED: frozenset({S.ARRESTED, S.VOLUNTARY_INTERVIEW, S.NO_FURTHER_ACTION}),
    S.ARRESTED: frozenset({S.ON_BAIL, S.RELEASED_UNDER_INVESTIGATION} | OUTCOMES),
    S.VOLUNTARY_INTERVIEW: frozenset({S.RELEASED_UNDER_INVESTIGATION} | OUTCOMES),
    S.ON_BAIL: frozenset({S.RELEASED_UNDER_INVESTIGATION} | OUTCOMES),
    S.RELEASED_UNDER_INVESTIGATION: frozenset({S.ON_BAIL} | OUTCOMES),
    S.CHARGED: frozenset({S.CLOSED}),
    S.CAUTIONED: frozenset({S.CLOSED}),
    S.NO_FURTHER_ACTION: frozenset({S.CLOSED}),
    S.TRANSFERRED: frozenset(),
    S.CLOSED: frozenset(),
}
# a case still open may be handed to another force
OPEN_STATES = frozenset(s for s in CaseState if s not in OUTCOMES | {S.TRANSFERRED, S.CLOSED})
for _state in OPEN_STATES:
    TRANSITIONS[_state] = TRANSITIONS[_state] | {S.TRANSFERRED}


class InvalidTransition(Conflict):
    """The message names the step refused and every step allowed from here."""

    def __init__(self, current: CaseState, wanted: CaseState) -> None:
        allowed = allowed_next(current)
        listed = ", ".join(allowed) if allowed else "none (the case is finished)"
        super().__init__(
            f"state: cannot go from {current} to {wanted}; allowed from {current}: {listed}"
        )
        self.current, self.wanted, self.allowed = current, wanted, allowed


def allowed_next(current: CaseState) -> list[CaseState]:
    """Allowed steps in workflow order."""
    order = list(CaseState)
    return sorted(TRANSITIONS[current], key=order.index)


def advance(current: CaseState, wanted: CaseState) -> CaseState:
    if wanted not in TRANSITIONS[current]:
        raise InvalidTransition(current, wanted)
    return wanted


def is_under_investigation(state: CaseState) -> bool:
    """Arrested or interviewed and not yet concluded: what bail and RUI reviews watch."""
    return state in _INVESTIGATION
