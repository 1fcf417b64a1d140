"""The chain from referral to an open case, for the tests of cases and figures."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from sqlalchemy import select

from footprint.operations.allocation import assign_manually
from footprint.operations.assessments import assess_subject
from footprint.operations.intake import import_referrals
from footprint.operations.packages import acknowledge_package, issue_package
from footprint.operations.service import create_operation
from footprint.operations.subjects import resolve_subjects
from footprint.security.actor import Actor
from footprint.security.roles import Role
from footprint.store import Database
from footprint.store.models import Case, Operation, Referral, SubjectReferral
from tests.operations.samples import lone_referral

MET, GMP, KENT = "E23000001", "E23000005", "E23000032"
OPERATION = "Op Case"


def supervisor(org: str) -> Actor:
    return Actor(f"sup-{org}", org, frozenset({Role.FORCE_SUPERVISOR}))


def investigator(org: str) -> Actor:
    return Actor(f"inv-{org}", org, frozenset({Role.INVESTIGATOR}))


def open_cases(
    database: Database,
    tmp_path: Path,
    forces: list[str],
    factors: frozenset[str] = frozenset({"lives_with_children"}),
) -> list[int]:
    """One subject per force in the list, each assessed with `factors` and with an acknowledged
    package: their case ids."""
    with database.unit_of_work() as session:
        if session.scalar(select(Operation).where(Operation.name == OPERATION)) is None:
            create_operation(session, Actor.system(), OPERATION, date(2026, 9, 1))
        first = (session.scalar(select(Referral.id).order_by(Referral.id.desc())) or 0) + 1
    numbers = list(range(first, first + len(forces)))
    path = tmp_path / f"tips-{first}.json"
    path.write_text(json.dumps([lone_referral(n) for n in numbers]))
    import_referrals(database, Actor.system(), OPERATION, path)
    resolve_subjects(database, Actor.system(), OPERATION)
    case_ids = []
    for n, force in zip(numbers, forces, strict=True):
        with database.unit_of_work() as session:
            subject_id = session.scalar(
                select(SubjectReferral.subject_id)
                .join(Referral, Referral.id == SubjectReferral.referral_id)
                .where(Referral.report_id == f"TIP-{n:06d}")
            )
        assert subject_id is not None
        assign_manually(database, Actor.system(), subject_id, force, "test allocation")
        assess_subject(database, Actor.system(), subject_id, set(factors))
        package = issue_package(database, Actor.system(), subject_id)
        acknowledge_package(database, supervisor(force), package.id)
        with database.unit_of_work() as session:
            case_ids.append(
                session.scalars(select(Case.id).where(Case.package_id == package.id)).one()
            )
    return case_ids


def finished_scan(folder: Path, counts: dict[str, int]) -> Path:
    """A finished triage scan's output as the scan writes it, with `counts` matched files per
    category (and a summary that says the same)."""
    scan = folder / "scan"
    scan.mkdir()
    (scan / "scan.json").write_text(json.dumps({"complete": True}))
    (scan / "summary.json").write_text(json.dumps({"matched_files_by_category": counts}))
    with (scan / "findings.jsonl").open("w") as out:
        for category, count in counts.items():
            for n in range(count):
                match = {"set": "known", "record_id": str(n), "kind": "md5", "distance": 0}
                finding = {
                    "path": f"/{category}/{n}.jpg",
                    "media_type": "image/jpeg",
                    "signals": {"md5": f"{n:032x}"},
                    "matches": [match | {"category": category}],
                    "error": None,
                }
                out.write(json.dumps(finding) + "\n")
    return scan
