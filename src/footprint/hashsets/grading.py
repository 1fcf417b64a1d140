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


class FileGrade(StrEnum):
    """Where a referral's file stands: matched by the detection engine, or queued for graders
    whose votes then settle it by the rule below (stored as ReferralFileRow.grade_status)."""

    UNGRADED = "ungraded"  # not yet matched against the hash sets
    QUEUED = "queued"  # no set knows it: waits for graders' votes
    MATCHED = "matched"  # a known set's category
    PROVISIONAL = GradeStatus.PROVISIONAL.value
    DISPUTED = GradeStatus.DISPUTED.value
    SETTLED = GradeStatus.SETTLED.value

    @property
    def graded(self) -> bool:
        """Whether the file's category stands (a match, or settled by votes)."""
        return self in (FileGrade.MATCHED, FileGrade.SETTLED)

    @property
    def awaits_graders(self) -> bool:
        return self not in (FileGrade.UNGRADED, FileGrade.MATCHED)


def graded_as(status: str, category: str | None) -> str:
    """A file's category where it stands, else "not yet graded (<status>)": how packages and
    referral records count evidence."""
    if FileGrade(status).graded and category:
        return category
    return f"not yet graded ({status})"


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
