"""The audit chain's rules, with no I/O: how an entry is hashed and how a chain is verified.

Each entry's hash covers its own fields and the previous entry's hash, so editing an entry breaks
its own hash, deleting one leaves a gap in the sequence and a broken link, and inserting one
breaks the link of the entry after it. The head (last sequence number and hash, kept apart from
the entries) also reveals entries cut off the end.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class ChainEntry:
    seq: int
    at: str  # ISO 8601, UTC
    actor: str
    organisation: str
    action: str
    record_type: str
    record_id: str
    detail: dict[str, Any]
    prev_hash: str
    entry_hash: str

    def content(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at,
            "actor": self.actor,
            "organisation": self.organisation,
            "action": self.action,
            "record_type": self.record_type,
            "record_id": self.record_id,
            "detail": self.detail,
        }


def compute_hash(prev_hash: str, content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev_hash + "\n" + canonical).encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class ChainProblem:
    seq: int
    kind: str  # edited | deleted | broken_link | truncated | rewritten
    message: str


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """The chain's head as it was, kept by operators outside the database. A chain that still
    holds an entry `seq` with this hash, and verifies, extends it: nothing up to `seq` changed
    (each hash covers every entry before it). A consistent rewrite of entries and head from
    any entry at or before `seq` gives that entry another hash."""

    seq: int
    entry_hash: str
    entry_at: str  # when that entry was written (ISO 8601, UTC)
    taken_at: str

    FORMAT = "footprint-audit-checkpoint/1"

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": self.FORMAT,
            "seq": self.seq,
            "entry_hash": self.entry_hash,
            "entry_at": self.entry_at,
            "taken_at": self.taken_at,
        }

    @classmethod
    def from_dict(cls, data: object) -> Checkpoint:
        """A checkpoint read back; ValueError naming the field for anything else."""
        if not isinstance(data, dict) or data.get("format") != cls.FORMAT:
            raise ValueError(f"format: not a {cls.FORMAT} file")
        seq, entry_hash = data.get("seq"), data.get("entry_hash")
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
            raise ValueError("seq: expected a whole number >= 0")
        if not isinstance(entry_hash, str) or not re.fullmatch(r"[0-9a-f]{64}", entry_hash):
            raise ValueError("entry_hash: expected 64 hexadecimal characters")
        return cls(seq, entry_hash, str(data.get("entry_at", "")), str(data.get("taken_at", "")))


def _anchor_problem(anchor: Checkpoint, found: ChainEntry | None) -> ChainProblem | None:
    if anchor.seq == 0:
        return None
    if found is None:
        return ChainProblem(
            anchor.seq,
            "rewritten",
            f"the checkpoint's entry {anchor.seq} is no longer in the log: it was cut back",
        )
    if found.entry_hash != anchor.entry_hash:
        return ChainProblem(
            anchor.seq,
            "rewritten",
            f"entry {anchor.seq} is not the one the checkpoint of {anchor.taken_at} saw: the "
            "log was rewritten at or before it",
        )
    return None


def verify_chain(
    entries: Iterable[ChainEntry],
    head_seq: int,
    head_hash: str,
    anchor: Checkpoint | None = None,
) -> list[ChainProblem]:
    """Every problem found, naming the entry; an empty list means the chain is intact (and,
    given an `anchor`, extends that checkpoint). The entries are read once, in order (a
    stream: the log may hold millions)."""
    problems: list[ChainProblem] = []
    expected_prev, expected_seq = GENESIS, 1
    last: ChainEntry | None = None
    anchored: ChainEntry | None = None
    for entry in entries:
        last = entry
        if anchor is not None and entry.seq == anchor.seq:
            anchored = entry
        if entry.seq > expected_seq:
            gap = (
                f"{expected_seq}-{entry.seq - 1}" if entry.seq > expected_seq + 1 else expected_seq
            )
            problems.append(ChainProblem(expected_seq, "deleted", f"entry {gap} deleted"))
        elif entry.prev_hash != expected_prev:
            problems.append(
                ChainProblem(
                    entry.seq,
                    "broken_link",
                    f"entry {entry.seq} does not follow entry {entry.seq - 1}: an entry was "
                    "inserted, or the one before it rewritten",
                )
            )
        if compute_hash(entry.prev_hash, entry.content()) != entry.entry_hash:
            problems.append(ChainProblem(entry.seq, "edited", f"entry {entry.seq} was altered"))
        expected_prev, expected_seq = entry.entry_hash, entry.seq + 1
    last_seq = last.seq if last else 0
    if head_seq > last_seq:
        problems.append(
            ChainProblem(
                last_seq + 1, "truncated", f"entries {last_seq + 1}-{head_seq} are missing"
            )
        )
    elif last and head_hash != last.entry_hash:
        problems.append(
            ChainProblem(last_seq, "edited", "the chain's head does not match its last entry")
        )
    unanchored = _anchor_problem(anchor, anchored) if anchor is not None else None
    return [*problems, unanchored] if unanchored else problems
