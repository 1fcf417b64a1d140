"""The chain rules alone: every kind of tampering is found and named."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from footprint.security.audit_chain import GENESIS, ChainEntry, compute_hash, verify_chain


def build(count: int) -> list[ChainEntry]:
    entries, prev = [], GENESIS
    for seq in range(1, count + 1):
        content: dict[str, Any] = {
            "seq": seq,
            "at": f"2026-11-29T10:00:{seq:02d}+00:00",
            "actor": "alice",
            "organisation": "E23000001",
            "action": "case.read",
            "record_type": "case",
            "record_id": str(seq * 10),
            "detail": {},
        }
        entry_hash = compute_hash(prev, content)
        entries.append(ChainEntry(**content, prev_hash=prev, entry_hash=entry_hash))
        prev = entry_hash
    return entries


def kinds(entries: list[ChainEntry], head: ChainEntry | None = None) -> list[tuple[int, str]]:
    last = head or entries[-1]
    return [(p.seq, p.kind) for p in verify_chain(entries, last.seq, last.entry_hash)]


def test_intact_chain() -> None:
    chain = build(5)
    assert kinds(chain) == []
    assert verify_chain([], 0, GENESIS) == []


def test_edited_entry_is_named() -> None:
    chain = build(5)
    chain[2] = replace(chain[2], actor="mallory")
    assert kinds(chain) == [(3, "edited")]


def test_rewritten_entry_with_fresh_hash_breaks_the_next_link() -> None:
    chain = build(5)
    forged = replace(chain[2], record_id="999")
    chain[2] = replace(forged, entry_hash=compute_hash(forged.prev_hash, forged.content()))
    assert kinds(chain) == [(4, "broken_link")]


def test_deleted_entries_are_named() -> None:
    chain = build(6)
    head = chain[-1]
    del chain[2:4]
    problems = verify_chain(chain, head.seq, head.entry_hash)
    assert [(p.seq, p.kind) for p in problems] == [(3, "deleted")]
    assert problems[0].message == "entry 3-4 deleted"


def test_truncated_tail_is_found_from_the_head() -> None:
    chain = build(5)
    head = chain[-1]
    problems = verify_chain(chain[:3], head.seq, head.entry_hash)
    assert [(p.seq, p.kind, p.message) for p in problems] == [
        (4, "truncated", "entries 4-5 are missing")
    ]


def test_appended_entry_without_the_head() -> None:
    chain = build(4)
    head = chain[-1]
    extra = build(5)[-1]
    assert verify_chain([*chain, replace(extra, prev_hash="f" * 64)], head.seq, head.entry_hash)
