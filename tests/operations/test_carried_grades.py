"""A device's scan linked again (re-run with newer sets, say) keeps what people decided about
its contents: votes and resolutions, match confirmations and rejections, the examiner's flags,
on every file of the same content in the new scan; the link's audit entry counts them."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from footprint.cli.main import app
from footprint.hashsets import KnownHashStore
from footprint.hashsets.negative_bank import NEGATIVE_BANK
from footprint.operations.device_scans import link_device_scan
from footprint.operations.graded_files import cast_votes, decide_match, undo_decision
from footprint.operations.new_material import flag_files
from footprint.operations.outcome_record import Outcome, record_outcome
from footprint.security.actor import Actor
from footprint.security.roles import Role
from footprint.store import Database
from footprint.store.models import AuditEntry, ScanFile, SeizedDevice
from footprint.triage.report import build_summary
from tests.operations.cases_setup import MET, investigator, open_cases

EXAMINER = Actor("exam-met", MET, frozenset({Role.FORENSIC_EXAMINER}))
GRADERS = [Actor(f"grader-{n}", MET, frozenset({Role.FORENSIC_EXAMINER})) for n in range(3)]
runner = CliRunner()
U, M, F, GONE, NEW = ("1" * 32, "2" * 32, "3" * 32, "4" * 32, "5" * 32)


def unknown(path: str, md5: str, **more: Any) -> dict[str, Any]:
    finding = {"path": path, "media_type": "image/jpeg", "signals": {"md5": md5}}
    return finding | {"matches": [], "flags": [], "error": None} | more


def matched(path: str, md5: str, record: str, category: str) -> dict[str, Any]:
    match = {"set": "known", "record_id": record, "kind": "md5", "distance": 0}
    return unknown(path, md5, matches=[match | {"category": category}])


def scan(folder: Path, name: str, findings: list[dict[str, Any]]) -> Path:
    out = folder / name
    out.mkdir()
    (out / "scan.json").write_text(json.dumps({"complete": True}))
    lines = out / "findings.jsonl"
    lines.write_text("".join(json.dumps(f) + "\n" for f in findings))
    (out / "summary.json").write_text(json.dumps(build_summary(lines, [], 1.0, 0)))
    return out


FIRST = [
    unknown("/u.jpg", U),
    unknown("/copy/u.jpg", U),
    matched("/m.jpg", M, "r-m", "A"),
    matched("/f.jpg", F, "r-f", "C"),
    unknown("/gone.jpg", GONE),
]
# the same device scanned again: the rejected match is now suppressed by the negative bank,
# one copy of U has moved, /gone.jpg is no longer found and /new.jpg is
AGAIN = [
    unknown("/u.jpg", U),
    unknown("/moved/u.jpg", U),
    matched("/m.jpg", M, "r-m", "A"),
    unknown("/f.jpg", F, suppressed_matches=[{"set": NEGATIVE_BANK, "record_id": "x"}]),
    unknown("/new.jpg", NEW),
]


def ref(session: Any, path: str) -> str:
    return f"scan:{session.scalars(select(ScanFile).where(ScanFile.path == path)).one().id}"


@pytest.fixture
def decided(database: Database, tmp_path: Path) -> tuple[int, KnownHashStore]:
    """A device whose first scan people worked on: U settled B by three graders and flagged,
    M's match confirmed, F's match rejected and voted on since, GONE voted on."""
    (case_id,) = open_cases(database, tmp_path, [MET])
    first = scan(tmp_path, "first", FIRST)
    outcome = Outcome(on=date(2026, 11, 3), device="EX-7", description="laptop", scan=first)
    record_outcome(database, investigator(MET), case_id, outcome)
    store = KnownHashStore(tmp_path / "hs.sqlite")
    with database.unit_of_work() as session:
        u, copy, m, f, gone = (ref(session, p) for p in ("/u.jpg", "/copy/u.jpg", "/m.jpg",
                                                         "/f.jpg", "/gone.jpg"))  # fmt: skip
        device_id = session.scalars(select(SeizedDevice.id)).one()
    for grader in GRADERS:
        cast_votes(database, grader, [u, copy], "B")
    flag_files(database, EXAMINER, [u], {"victim_identified": True}, "known victim")
    decide_match(database, store, EXAMINER, m, "confirmed")
    decide_match(database, store, EXAMINER, f, "rejected", "a cartoon")
    cast_votes(database, GRADERS[0], [f, gone], "non-pertinent")
    return device_id, store


def test_a_scan_linked_again_keeps_what_people_decided_about_its_contents(
    database: Database, tmp_path: Path, decided: tuple[int, KnownHashStore]
) -> None:
    device_id, store = decided
    with database.unit_of_work() as session:
        old_f = session.scalars(select(ScanFile).where(ScanFile.path == "/f.jpg")).one().id
    link_device_scan(database, EXAMINER, device_id, scan(tmp_path, "again", AGAIN))
    with database.unit_of_work() as session:
        rows = {r.path: r for r in session.scalars(select(ScanFile))}
        assert set(rows) == {"/u.jpg", "/moved/u.jpg", "/m.jpg", "/f.jpg", "/new.jpg"}
        for path in ("/u.jpg", "/moved/u.jpg"):  # every file of the content, moved or not
            assert (rows[path].grade_status, rows[path].category) == ("settled", "B")
            assert sorted(v.grader for v in rows[path].votes) == [g.username for g in GRADERS]
            assert rows[path].victim_identified is True
        assert rows["/m.jpg"].match_decision == "confirmed"
        f = rows["/f.jpg"]
        assert (f.match_decision, f.decision_reason, f.decided_by) == (
            "rejected",
            "a cartoon",
            "exam-met",
        )
        assert (f.match_set, f.match_record_id, f.match_category) == ("known", "r-f", "C")
        assert (f.grade_status, [v.category for v in f.votes]) == ("provisional", ["non-pertinent"])
        assert f.bank_entry == f"scan-file-{old_f}"  # the entry it was rejected under
        new = rows["/new.jpg"]
        assert (new.grade_status, new.votes, new.victim_identified) == ("queued", [], None)
        device = session.get_one(SeizedDevice, device_id)
        assert (device.scan_counts or {})["B"] == 2 and (device.scan_counts or {})["C"] == 0
        (link,) = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "case.device-scan").offset(1)
        )
        assert link.detail["carried"] == {
            "decisions": 2,
            "votes": 3,
            "flags": 2,
            "contents_not_found": 1,
        }
        f_ref = f"scan:{f.id}"
    assert store.record_ids_of(store.get_set(NEGATIVE_BANK).id, f"scan-file-{old_f}")
    undone = undo_decision(database, store, EXAMINER, f_ref)  # takes out the carried entry
    assert (undone.status, undone.category) == ("matched", "C")
    assert store.record_ids_of(store.get_set(NEGATIVE_BANK).id, f"scan-file-{old_f}") == []
    store.close()


def test_a_decision_on_another_match_is_not_carried(
    database: Database, tmp_path: Path, decided: tuple[int, KnownHashStore]
) -> None:
    device_id, store = decided
    store.close()
    # a newer set knows M under another record, and F is matched by a set the bank does not
    # cover: neither decision was about these matches
    again = [matched("/m.jpg", M, "r-other", "A"), matched("/f.jpg", F, "r-new", "B")]
    link_device_scan(database, EXAMINER, device_id, scan(tmp_path, "again", again))
    with database.unit_of_work() as session:
        rows = {r.path: r for r in session.scalars(select(ScanFile))}
        assert rows["/m.jpg"].match_decision is None
        assert (rows["/f.jpg"].match_decision, rows["/f.jpg"].grade_status) == (None, "matched")
        assert rows["/f.jpg"].votes == []  # it awaits nobody: its match stands


def test_the_command_line_says_what_a_link_again_kept(
    database_url: str,
    tmp_path: Path,
    decided: tuple[int, KnownHashStore],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`footprint case link-scan` tells the examiner what the audit entry counts."""
    device_id, store = decided
    store.close()
    monkeypatch.setenv("FOOTPRINT_DATABASE_URL", database_url)
    added = runner.invoke(
        app, ["users", "add", "exam-met", "--org", MET, "--role", "forensic-examiner"]
    )
    assert added.exit_code == 0, added.output
    monkeypatch.setenv("FOOTPRINT_USER", "exam-met")
    again = scan(tmp_path, "again", AGAIN)
    result = runner.invoke(app, ["case", "link-scan", str(device_id), str(again)])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())  # as the terminal wraps it
    assert "files to act on: 5" in said
    assert (
        "kept from the scan linked before (by content): 2 decisions, 3 votes, 2 flags; "
        "1 decided content not in this scan (kept in the audit log only)"
    ) in said
