"""The audit chain's rules, with no I/O: how an entry is hashed and how a chain is verified.

Each entry's hash covers its own fields and the previous entry's hash, so editing an entry breaks
its own hash, deleting one leaves a gap in the sequence and a broken link, and inserting one
breaks the link of the entry after it. The head (last sequence number and hash, kept apart from
the entries) also reveals entries cut off the end.
"""

from __future__ import annotations

import hashlib
import json
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
    kind: str  # edited | deleted | broken_link | truncated
    message: str


def verify_chain(
    entries: Iterable[ChainEntry], head_seq: int, head_hash: str
) -> list[ChainProblem]:
    """Every problem found, naming the entry; an empty list means the chain is intact. The
    entries are read once, in order (a stream: the log may hold millions)."""
    problems: list[ChainProblem] = []
    expected_prev, expected_seq = GENESIS, 1
    last: ChainEntry | None = None
    for entry in entries:
        last = entry
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
    return problems
