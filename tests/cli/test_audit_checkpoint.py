"""Anchoring the audit chain outside the database: a consistent rewrite of the tail (entries and
head together) passes a plain verify, but not a verify against a checkpoint taken before it."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
import typer
from hypothesis import given, settings
from sqlalchemy import select
from typer.testing import CliRunner

from footprint.cli.admin import _read_checkpoint
from footprint.cli.main import app
from footprint.security.audit_chain import ChainEntry, compute_hash
from footprint.store import Database
from footprint.store.models import AuditEntry, AuditHead
from tests.fuzz.mutations import hostile_variants

runner = CliRunner()


@pytest.fixture(autouse=True)
def use_test_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOOTPRINT_DATABASE_URL", database_url)
    monkeypatch.delenv("FOOTPRINT_USER", raising=False)


def _add_users(*names: str) -> None:
    for name in names:
        added = runner.invoke(
            app, ["users", "add", name, "--org", "E23000001", "--role", "analyst"]
        )
        assert added.exit_code == 0, added.output


def _rewrite_from(database_url: str, seq: int, record_id: str) -> None:
    """What an insider with the database would do: edit entry `seq`, then recompute every hash
    after it and the head, so that the chain is consistent again."""
    db = Database(database_url)
    with db.unit_of_work() as session:
        rows = session.scalars(select(AuditEntry).order_by(AuditEntry.seq)).all()
        prev = rows[seq - 2].entry_hash if seq > 1 else "0" * 64
        for row in rows[seq - 1 :]:
            if row.seq == seq:
                row.record_id = record_id
            entry = ChainEntry(
                row.seq, row.at, row.actor, row.organisation, row.action, row.record_type,
                row.record_id, row.detail, prev, "",
            )  # fmt: skip
            row.prev_hash, row.entry_hash = prev, compute_hash(prev, entry.content())
            prev = row.entry_hash
        head = session.get_one(AuditHead, 1)
        head.last_seq, head.last_hash = rows[-1].seq, prev
    db.dispose()


def test_a_consistent_rewrite_is_found_against_a_checkpoint(
    database_url: str, tmp_path: Path
) -> None:
    _add_users("alice", "bob", "carol")
    kept = tmp_path / "checkpoint.json"
    taken = runner.invoke(app, ["audit", "checkpoint", "--out", str(kept)])
    assert taken.exit_code == 0, taken.output
    anchor = json.loads(kept.read_text())
    assert anchor["seq"] == 3 and len(anchor["entry_hash"]) == 64 and anchor["taken_at"]
    _add_users("dave")  # the log goes on growing after the checkpoint
    extends = runner.invoke(app, ["audit", "verify", "--against", str(kept)])
    assert extends.exit_code == 0, extends.output
    assert "extends the checkpoint at entry 3" in extends.output

    _rewrite_from(database_url, 2, "mallory")
    plain = runner.invoke(app, ["audit", "verify"])
    assert plain.exit_code == 0  # the rewrite is consistent: the chain alone cannot tell
    anchored = runner.invoke(app, ["audit", "verify", "--against", str(kept)])
    assert anchored.exit_code == 5
    assert "rewritten: entry 3 is not the one the checkpoint" in anchored.output


def test_a_log_cut_back_behind_the_checkpoint_is_found(database_url: str, tmp_path: Path) -> None:
    _add_users("alice", "bob")
    stdout = runner.invoke(app, ["audit", "checkpoint"])  # standard output by default
    kept = tmp_path / "c.json"
    kept.write_text(stdout.stdout)
    db = Database(database_url)
    with db.unit_of_work() as session:  # drop the last entry and move the head back with it
        last = session.get_one(AuditEntry, 2)
        head = session.get_one(AuditHead, 1)
        head.last_seq, head.last_hash = 1, last.prev_hash
        session.delete(last)
    db.dispose()
    assert runner.invoke(app, ["audit", "verify"]).exit_code == 0
    anchored = runner.invoke(app, ["audit", "verify", "--against", str(kept)])
    assert anchored.exit_code == 5 and "no longer in the log" in anchored.output


@pytest.mark.parametrize(
    "content",
    ["", "[]", '{"format": "other"}', '{"format": "footprint-audit-checkpoint/1", "seq": -1}'],
)
def test_a_file_that_is_not_a_checkpoint_is_refused(tmp_path: Path, content: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    refused = runner.invoke(app, ["audit", "verify", "--against", str(bad)])
    assert refused.exit_code == 2 and "not a checkpoint" in refused.output


KEPT = b'{"format": "footprint-audit-checkpoint/1", "seq": 3, "entry_hash": "%s"}' % (b"ab" * 32)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    content=hostile_variants(
        b'{"format": "footprint-audit-checkpoint/1", "seq": 3, "entry_hash": "' + b"ab" * 32 + b'"}'
    )
)
def test_any_checkpoint_file_is_read_or_refused_naming_it(content: bytes) -> None:
    """Fuzzed: a checkpoint file is a checkpoint, or exit 2 naming the file, never a crash."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "kept.json"
        path.write_bytes(content)
        try:
            read = _read_checkpoint(path)
        except typer.Exit as exit_:
            assert exit_.exit_code == 2
        else:
            assert read.seq >= 0 and len(read.entry_hash) == 64
