"""Operations and referral intake on the real store (SQLite, and PostgreSQL in CI's second pass)."""

from __future__ import annotations

import json
from datetime import UTC, date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from footprint.operations import intake
from footprint.operations.intake import import_referrals
from footprint.operations.referral_format import parse_referral
from footprint.operations.service import OperationError, create_operation, list_operations
from footprint.security.actor import AccessDenied, Actor
from footprint.security.roles import Role
from footprint.store import Database
from footprint.store.models import AuditEntry, Referral, ReferralIdentifier
from tests.operations.samples import referral

MET, CUMBRIA, KENT = "E23000001", "E23000002", "E23000032"


def force(org: str) -> Actor:
    return Actor("analyst", org, frozenset({Role.ANALYST}))


@pytest.fixture
def operation(database: Database) -> str:
    with database.unit_of_work() as session:
        create_operation(session, Actor.system(), "Op Test", date(2026, 10, 1), [MET, CUMBRIA])
    return "Op Test"


def count(database: Database, model: type) -> int:
    with database.unit_of_work() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_operations_are_created_by_the_coordinator_and_scoped(
    database: Database, operation: str
) -> None:
    with database.unit_of_work() as session:
        assert [o.name for o in list_operations(session, Actor.system())] == [operation]
        assert [o.forces for o in list_operations(session, force(MET))] == [(MET, CUMBRIA)]
        assert list_operations(session, force(KENT)) == []  # not taking part
        everyone = create_operation(session, Actor.system(), "Op All", date(2026, 11, 1))
        assert len(everyone.forces) == 45
    with pytest.raises(AccessDenied), database.unit_of_work() as session:
        create_operation(session, force(MET), "Op Rogue", date(2026, 1, 1))
    for bad, message in [
        ({"name": "Op Test"}, "exists"),
        ({"name": "Op X", "force_codes": ["E99"]}, "unknown code"),
        ({"name": "Op Y", "ends_on": date(2025, 1, 1)}, "before starts_on"),
    ]:
        with pytest.raises(OperationError, match=message), database.unit_of_work() as session:
            create_operation(session, Actor.system(), starts_on=date(2026, 1, 1), **bad)  # type: ignore[arg-type]


def test_json_intake_reports_bad_records_and_is_idempotent(
    database: Database, operation: str, tmp_path: Path
) -> None:
    docs = [referral(n) for n in range(1, 8)]
    docs[2]["report_id"] = None
    docs[4]["reported_person"]["ip_events"][0]["at"] = "yesterday"
    path = tmp_path / "tips.json"
    path.write_text(json.dumps({"referrals": docs}))
    report = import_referrals(database, Actor.system(), operation, path)
    assert (report.format, report.imported, report.already_present) == ("json-object", 5, 0)
    assert [(s.record, s.field) for s in report.skipped] == [
        (3, "report_id"),
        (5, "reported_person.ip_events[0].at"),
    ]
    assert count(database, Referral) == 5
    assert count(database, ReferralIdentifier) == 5 * 4
    audit_before = count(database, AuditEntry)

    again = import_referrals(database, Actor.system(), operation, path)
    assert (again.imported, again.already_present) == (0, 5)
    assert count(database, Referral) == 5
    assert count(database, AuditEntry) == audit_before  # nothing written, nothing to audit


def test_json_lines_array_and_p2p_csv(database: Database, operation: str, tmp_path: Path) -> None:
    lines = tmp_path / "tips.jsonl"
    lines.write_text("\n".join(json.dumps(referral(n)) for n in range(10, 13)) + "\n{broken\n")
    report = import_referrals(database, Actor.system(), operation, lines)
    assert (report.format, report.imported) == ("json-lines", 3)
    assert [(s.record, s.field) for s in report.skipped] == [(4, "line")]
    array = tmp_path / "tips-array.json"
    array.write_text(json.dumps([referral(20), referral(10)]))  # 10 is already in
    report = import_referrals(database, Actor.system(), operation, array)
    assert (report.format, report.imported, report.already_present) == ("json-array", 1, 1)
    p2p = tmp_path / "p2p.csv"
    p2p.write_text(
        "ip,port,timestamp,client_id,md5\n"
        f"198.51.100.4,6881,2026-09-30T22:15:00Z,-UT3550-A,{'aa' * 16}\n"
        f"198.51.100.4,6881,2026-09-30T22:15:00,-UT3550-A,{'aa' * 16}\n"
    )
    report = import_referrals(database, Actor.system(), operation, p2p)
    assert (report.format, report.imported) == ("p2p-csv", 1)
    assert [(s.record, s.field) for s in report.skipped] == [(3, "timestamp")]


@pytest.mark.parametrize("worker", [False, True], ids=["in-process", "worker"])
def test_broken_json_keeps_what_came_before_and_rerun_completes(
    database: Database,
    operation: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    worker: bool,
) -> None:
    monkeypatch.setattr(intake, "BATCH", 500)
    docs = [json.dumps(referral(n)) for n in range(1, 1201)]
    text = "[" + ", ".join(docs) + "]"
    cut = int(len(text) * 0.7)
    complete = sum(1 for end in _ends(docs) if end <= cut)  # referrals wholly before the cut
    path = tmp_path / "cut.json"
    path.write_text(text[:cut])
    report = import_referrals(database, Actor.system(), operation, path, worker=worker)
    assert report.error is not None and "rerun" in report.error
    assert report.imported == count(database, Referral) == complete
    path.write_text(text)
    rerun = import_referrals(database, Actor.system(), operation, path, worker=worker)
    assert (rerun.imported, rerun.already_present) == (1200 - complete, complete)


def _ends(docs: list[str]) -> list[int]:
    """Where each document ends in "[" + ", ".join(docs) + "]"."""
    ends, position = [], 1
    for doc in docs:
        position += len(doc)
        ends.append(position)
        position += 2
    return ends


def test_a_worker_process_parses_exactly_as_in_process(
    database: Database, operation: str, tmp_path: Path
) -> None:
    docs = [json.dumps(referral(n)) for n in range(1, 41)]
    docs[7] = "{not json"
    docs[20] = json.dumps(referral(21) | {"incident_at": "2026-13-01T00:00:00Z"})
    path = tmp_path / "tips.jsonl"
    path.write_text("\n".join(docs) + "\n")
    by_worker = import_referrals(database, Actor.system(), operation, path, worker=True)
    assert (by_worker.imported, by_worker.error) == (38, None)
    assert [(s.record, s.field) for s in by_worker.skipped] == [(8, "line"), (21, "incident_at")]
    with database.unit_of_work() as session:
        stored = {
            r.report_id: (
                r.incident_at.replace(tzinfo=UTC) if r.incident_at else None,
                sorted((i.kind, i.value) for i in r.identifiers),
                sorted((sorted(f.signal_values().items()), f.file_name or "") for f in r.files),
            )
            for r in session.scalars(select(Referral))
        }
    expected = {}
    for n, doc in enumerate(docs, start=1):
        if n not in (8, 21):
            p = parse_referral(json.loads(doc))
            expected[p.report_id] = (
                p.incident_at,
                sorted((i.kind, i.value) for i in p.identifiers),
                sorted((sorted(f.signals.items()), f.file_name or "") for f in p.files),
            )
    assert stored == expected


def test_only_the_coordinator_takes_in_referrals(
    database: Database, operation: str, tmp_path: Path
) -> None:
    path = tmp_path / "t.json"
    path.write_text(json.dumps([referral(1)]))
    with pytest.raises(AccessDenied):
        import_referrals(database, force(MET), operation, path)
    with pytest.raises(OperationError, match="not found"):
        import_referrals(database, Actor.system(), "Op Missing", path)


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ('<?xml version="1.0"?>\n<invoice><total>3</total></invoice>\n', "no referral in it"),
        ("name,age\nalice,30\n", "lacks the columns ip, port, timestamp"),
        ("[]", "no referral in it (read as json-array)"),
        ('{"referrals": []}', "no referral in it (read as json-object)"),
        ("", "not a referrals file"),
    ],
)
def test_a_file_of_the_wrong_kind_is_never_a_silent_success(
    database: Database, operation: str, tmp_path: Path, content: str, said: str
) -> None:
    path = tmp_path / "tips.xml"
    path.write_text(content)
    report = import_referrals(database, Actor.system(), operation, path)
    assert report.imported == 0 and report.error is not None
    assert said in report.error and str(path) in report.error
    assert count(database, Referral) == 0
