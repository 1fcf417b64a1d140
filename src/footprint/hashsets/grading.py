"""The grading rule: a hash's category is settled by three independent, undisputed votes; a
supervisor settles a dispute with a reason. And what an examiner may decide on a match."""

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
    CLEARED = "cleared"  # only an ignore set knows it (NSRL, a confirmed false positive)
    PROVISIONAL = GradeStatus.PROVISIONAL.value
    DISPUTED = GradeStatus.DISPUTED.value
    SETTLED = GradeStatus.SETTLED.value

    @property
    def graded(self) -> bool:
        """Whether the file's category stands (a match, or settled by votes)."""
        return self in (FileGrade.MATCHED, FileGrade.SETTLED)

    @property
    def awaits_graders(self) -> bool:
        """Whether people may vote on it: queued, or already voted on (a settled grade stays
        open to a further vote, which may dispute it)."""
        return self not in (FileGrade.UNGRADED, FileGrade.MATCHED, FileGrade.CLEARED)


class MatchDecision(StrEnum):
    """An examiner's word on the detection engine's match of a file."""

    CONFIRMED = "confirmed"
    REJECTED = "rejected"  # a false positive: the file's hash goes into the negative bank


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


@dataclass(frozen=True, slots=True)
class Resolution:
    """A supervisor's decision on a disputed file: it settles the grade whatever the votes."""

    supervisor: str
    category: UnifiedCategory
    reason: str


def settle(votes: list[GradingVote], resolution: Resolution | None = None) -> Grade:
    """Apply the rule; a grader's later vote replaces their earlier one, and a supervisor's
    resolution (the latest, if several) stands over the votes."""
    if resolution is not None:
        why = f"dispute resolved by {resolution.supervisor}: {resolution.reason}"
        return Grade(GradeStatus.SETTLED, resolution.category, why)
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
