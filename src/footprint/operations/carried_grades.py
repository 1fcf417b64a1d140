"""A device's scan linked again (re-run with newer hash sets, resumed, or put right) keeps what
people decided about its files: they decided about contents, and a content (its MD5) found in
the scan linked now takes, on each of its files there:

- the graders' votes and a supervisor's resolution, where the file awaits graders (its grade is
  settled again by the rule);
- an examiner's confirmation of a match, where the same known record matches it;
- an examiner's rejection of a match, where the same record matches it or no set does (the
  bank the rejection went into now suppresses that match); the file keeps the bank entry it was
  rejected under, so an undo takes that entry out;
- the examiner's flags (victim identified, series, new material).

A content the new scan does not hold carries nothing; the link's audit entry counts both."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session, selectinload

from footprint.hashsets.grading import FileGrade, MatchDecision
from footprint.operations.grade_rows import bank_entry_name, settle_row
from footprint.store.models import GradingVoteRow, ScanFile, SeizedDevice

MATCH = ("match_set", "match_record_id", "match_kind", "match_distance", "match_category")
DECISION = ("match_decision", "decision_reason", "decided_by", "decided_at")
FLAGS = ("victim_identified", "series", "new_material")
VOTE = ("grader", "category", "voted_at", "kind", "reason")


@dataclass(frozen=True, slots=True)
class Decided:
    """What people decided about one file of the scan linked before."""

    path: str
    votes: tuple[dict[str, Any], ...]
    match: dict[str, Any]
    decision: dict[str, Any]  # empty: no decision on its match
    bank_entry: str | None  # a rejection's entry in the negative bank
    flags: dict[str, Any]  # those set

    def decided_on(self, row: ScanFile) -> bool:
        """Whether its match decision is about the match `row` has now."""
        return (row.match_set, row.match_record_id) == (
            self.match["match_set"],
            self.match["match_record_id"],
        )


def decided_before(session: Session, device: SeizedDevice) -> dict[str, list[Decided]]:
    """The device's files that people decided something about, by content, in finding order
    (read before the rows go)."""
    voted = exists().where(GradingVoteRow.scan_file_id == ScanFile.id)
    rows = session.scalars(
        select(ScanFile)
        .where(
            ScanFile.device_id == device.id,
            ScanFile.md5.is_not(None),
            or_(voted, ScanFile.match_decision.is_not(None), *_flag_set()),
        )
        .order_by(ScanFile.finding_index)
        .options(selectinload(ScanFile.votes))
    ).all()
    decided: dict[str, list[Decided]] = {}
    for row in rows:
        decided.setdefault(str(row.md5), []).append(_decided(row))
        session.expunge(row)  # the rows are deleted in bulk next
    return decided


def _flag_set() -> list[Any]:
    return [getattr(ScanFile, flag).is_not(None) for flag in FLAGS]


def _decided(row: ScanFile) -> Decided:
    rejected = row.match_decision == MatchDecision.REJECTED
    return Decided(
        path=row.path,
        votes=tuple({name: getattr(v, name) for name in VOTE} for v in row.votes),
        match={name: getattr(row, name) for name in MATCH},
        decision={name: getattr(row, name) for name in DECISION} if row.match_decision else {},
        bank_entry=(row.bank_entry or bank_entry_name("scan", row.id)) if rejected else None,
        flags={flag: getattr(row, flag) for flag in FLAGS if getattr(row, flag) is not None},
    )


def carry(row: ScanFile, decided: list[Decided], now: datetime) -> Counter[str]:
    """Give a new file what people decided about its content before (the file at the same path
    first); says what was carried."""
    ordered = sorted(decided, key=lambda d: d.path != row.path)
    carried: Counter[str] = Counter()
    decision = next((d for d in ordered if d.decision and _applies(d, row)), None)
    if decision is not None:
        _take_decision(row, decision, now)
        carried["decisions"] += 1
    voted = next((d for d in ordered if d.votes), None)
    if voted is not None and FileGrade(row.grade_status).awaits_graders:
        row.votes.extend(GradingVoteRow(**vote) for vote in voted.votes)
        settle_row(row, now)
        carried["votes"] += 1
    flagged = next((d for d in ordered if d.flags), None)
    if flagged is not None:
        for flag, value in flagged.flags.items():
            setattr(row, flag, value)
        carried["flags"] += 1
    return carried


def _applies(decided: Decided, row: ScanFile) -> bool:
    if decided.decision["match_decision"] == MatchDecision.CONFIRMED:
        return row.grade_status == FileGrade.MATCHED and decided.decided_on(row)
    # a rejection: the same match again, or no match at all (the bank suppresses it now)
    if row.grade_status == FileGrade.MATCHED:
        return decided.decided_on(row)
    return row.match_set is None


def _take_decision(row: ScanFile, decided: Decided, now: datetime) -> None:
    for name, value in decided.decision.items():
        setattr(row, name, value)
    if decided.bank_entry is None:
        return
    for name, value in decided.match.items():  # the match it was rejected as, to undo to
        setattr(row, name, value)
    row.bank_entry = decided.bank_entry
    row.grade_status, row.category, row.graded_at = str(FileGrade.QUEUED), None, now
