"""The grading rule: a hash's category is settled by three independent, undisputed votes."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from footprint.hashsets.model import GradingVote, UnifiedCategory

VOTES_TO_SETTLE = 3


class GradeStatus(StrEnum):
    UNGRADED = "ungraded"
    PROVISIONAL = "provisional"
    DISPUTED = "disputed"
    SETTLED = "settled"


@dataclass(frozen=True, slots=True)
class Grade:
    status: GradeStatus
    category: UnifiedCategory | None
    reason: str


def settle(votes: list[GradingVote]) -> Grade:
    """Apply the rule; a grader's later vote replaces their earlier one."""
    latest: dict[str, UnifiedCategory] = {}
    for vote in votes:
        latest[vote.grader] = vote.category
    if not latest:
        return Grade(GradeStatus.UNGRADED, None, "no votes")
    categories = set(latest.values())
    if len(categories) > 1:
        listed = ", ".join(sorted(categories))
        return Grade(GradeStatus.DISPUTED, None, f"graders disagree: {listed}")
    (category,) = categories
    if len(latest) >= VOTES_TO_SETTLE:
        return Grade(GradeStatus.SETTLED, category, f"{len(latest)} independent votes agree")
    return Grade(
        GradeStatus.PROVISIONAL,
        category,
        f"{len(latest)} of {VOTES_TO_SETTLE} independent votes",
    )
