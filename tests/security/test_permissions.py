"""The permission table tested as a whole matrix, against the services themselves: every action,
every role, in the coordinator's organisation and in a police force. Each action has a probe
that calls the service a CLI command, API call and page all reach; a role the table refuses must
get AccessDenied on untouched records, and a role it allows must never get it (it may still be
told the record is in the wrong state: that is not a refusal of the role)."""

from __future__ import annotations

import io
import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from footprint.geo.forces import COORDINATOR_CODE
from footprint.hashsets import ImportOptions, KnownHashStore
from footprint.hashsets.corrections import correct_known_record
from footprint.hashsets.service import export_set_for, import_files
from footprint.operations.allocation import allocate_operation, allocation_queue, assign_manually
from footprint.operations.assessments import assess_subject, override_risk
from footprint.operations.cases import advance_case
from footprint.operations.device_scans import export_device_scan, finding_thumbnail, record_device
from footprint.operations.figures import publish_figures
from footprint.operations.graded_files import cast_votes, decide_match, resolve_dispute
from footprint.operations.grading import grade_operation
from footprint.operations.grading_queue import grading_queue
from footprint.operations.intake import import_referrals
from footprint.operations.officers import assign_officer
from footprint.operations.packages import (
    acknowledge_package,
    issue_package,
    transfer_package,
)
from footprint.operations.pipeline_jobs import load_postcode_file
from footprint.operations.records import list_referrals
from footprint.operations.risk import Band
from footprint.operations.service import create_operation
from footprint.operations.subjects import resolve_subjects, undo_merge
from footprint.security.actor import AccessDenied, Actor
from footprint.security.audit_log import AuditFilter, read_log
from footprint.security.credentials import set_password
from footprint.security.permissions import (
    PERMISSIONS,
    Action,
    OrgKind,
    allows,
    require,
    roles_for,
)
from footprint.security.roles import Role
from footprint.security.users import add_user
from footprint.store import Database
from footprint.store.models import Case, IntelPackage, ScanFile
from tests.conftest import fresh_database_url
from tests.hashsets.vics_samples import media, write_hashset
from tests.operations.cases_setup import GMP, MET, OPERATION, open_cases
from tests.operations.samples import lone_referral

ORGANISATIONS = {OrgKind.COORDINATOR: COORDINATOR_CODE, OrgKind.FORCE: MET}


@dataclass
class World:
    """Records of MET's that every probe can reach: a case with a seized device, a subject
    with a risk assessment and an acknowledged package, and a package still to acknowledge."""

    db: Database
    folder: Path
    case_id: int
    device_id: int
    subject_id: int
    package_id: int  # acknowledged: its case is case_id
    issued_package_id: int  # issued to MET, not yet acknowledged
    store: KnownHashStore
    scan_file: str = ""  # a matched file of the device (as a linked scan leaves it)


def _world(db: Database, folder: Path) -> World:
    first, second = open_cases(db, folder, [MET, MET])
    examiner = Actor("inv-setup", MET, frozenset({Role.INVESTIGATOR}))
    view = record_device(db, examiner, first, "EX-1", "laptop", date(2026, 10, 2))
    with db.unit_of_work() as session:
        case = session.get_one(Case, first)
        package = session.get_one(IntelPackage, case.package_id)
        subject_id = package.subject_id
        other = session.get_one(IntelPackage, session.get_one(Case, second).package_id)
    # a second package for the other subject, issued again after a transfer back: still issued
    system = Actor.system()
    transfer_package(db, system, other.id, GMP, "setting up")
    moved = transfer_package(db, system, other.id, MET, "setting up")
    store = KnownHashStore(folder / "hashsets.sqlite")
    device_id = view.devices[0]["id"]
    world = World(db, folder, first, device_id, subject_id, package.id, moved.id, store)
    with db.unit_of_work() as session:
        row = ScanFile(
            device_id=device_id,
            finding_index=0,
            path="/probe.jpg",
            media_type="image/jpeg",
            grade_status="matched",
            category="A",
            match_category="A",
            match_set="known",
            match_record_id="1",
            match_kind="md5",
            match_distance=0,
        )
        session.add(row)
        session.flush()
        world.scan_file = f"scan:{row.id}"
    return world


Probe = Callable[[World, Actor], object]


def _referrals_file(world: World) -> Path:
    path = world.folder / "more.json"
    path.write_text(json.dumps([lone_referral(9000)]))
    return path


def _postcodes(world: World) -> Path:
    path = world.folder / "postcodes.csv"
    path.write_text(f"postcode,pfa\nSW1A 1AA,{MET}\n")
    return path


_NAMES = itertools.count(1)

PROBES: dict[Action, Probe] = {
    Action.OPERATION_CREATE: lambda w, a: _in_session(
        w, lambda s: create_operation(s, a, f"Op {next(_NAMES)}", date(2026, 11, 1))
    ),
    Action.REFERRAL_IMPORT: lambda w, a: import_referrals(w.db, a, OPERATION, _referrals_file(w)),
    Action.REFERRAL_READ: lambda w, a: list_referrals(w.db, a, OPERATION),
    Action.REFERRAL_GRADE: lambda w, a: grade_operation(w.db, w.store, a, OPERATION, []),
    Action.IMAGE_GRADE: lambda w, a: cast_votes(w.db, a, [w.scan_file], "A"),
    Action.GRADING_READ: lambda w, a: grading_queue(w.db, a, "scan"),
    Action.GRADE_RESOLVE: lambda w, a: resolve_dispute(w.db, a, w.scan_file, "A", "probe"),
    Action.MATCH_DECIDE: lambda w, a: decide_match(w.db, w.store, a, w.scan_file, "confirmed"),
    Action.SUBJECT_RESOLVE: lambda w, a: resolve_subjects(w.db, a, OPERATION),
    Action.SUBJECT_UNMERGE: lambda w, a: undo_merge(w.db, a, 10**6),
    Action.SUBJECT_ASSIGN: lambda w, a: assign_manually(w.db, a, w.subject_id, MET, "probe"),
    Action.POSTCODES_LOAD: lambda w, a: load_postcode_file(w.db, a, _postcodes(w), "table"),
    Action.ALLOCATE: lambda w, a: allocate_operation(w.db, a, OPERATION),
    Action.ALLOCATION_QUEUE_READ: lambda w, a: allocation_queue(w.db, a, OPERATION),
    Action.RISK_ASSESS: lambda w, a: assess_subject(w.db, a, w.subject_id, {"lives_with_children"}),
    Action.RISK_OVERRIDE: lambda w, a: override_risk(w.db, a, w.subject_id, Band.HIGH, "probe"),
    Action.PACKAGE_ISSUE: lambda w, a: issue_package(w.db, a, w.subject_id),
    Action.PACKAGE_ACKNOWLEDGE: lambda w, a: acknowledge_package(w.db, a, w.issued_package_id),
    Action.PACKAGE_TRANSFER: lambda w, a: transfer_package(w.db, a, w.package_id, MET, "probe"),
    Action.CASE_RECORD: lambda w, a: advance_case(w.db, a, w.case_id, "researching"),
    Action.CASE_ASSIGN: lambda w, a: assign_officer(w.db, a, w.case_id, "sup-" + MET, "probe"),
    Action.DEVICE_RECORD: lambda w, a: record_device(
        w.db, a, w.case_id, f"EX-{next(_NAMES)}", "phone", date(2026, 10, 3)
    ),
    Action.DEVICE_EXPORT: lambda w, a: export_device_scan(
        w.db, a, w.case_id, w.device_id, io.StringIO()
    ),
    Action.IMAGERY_VIEW: lambda w, a: finding_thumbnail(w.db, a, w.case_id, w.device_id, 0, False),
    Action.FIGURES_PUBLISH: lambda w, a: publish_figures(
        w.db, a, OPERATION, date(2026, 12, 1), False, False
    ),
    Action.HASHSET_IMPORT: lambda w, a: import_files(
        a, w.store, [write_hashset(w.folder / "h.json", [media(1)])], "probe", ImportOptions()
    ),
    Action.HASHSET_EXPORT: lambda w, a: export_set_for(a, w.store, "probe", io.StringIO()),
    Action.HASHSET_CORRECT: lambda w, a: correct_known_record(
        a, w.store, "probe", "1", {"series": "probe"}, "probe"
    ),
    Action.AUDIT_READ: lambda w, a: read_log(w.db, a, AuditFilter()),
    Action.USER_ADMIN: lambda w, a: _in_session(
        w, lambda s: add_user(s, a, f"probe{next(_NAMES)}", a.organisation, [Role.ANALYST])
    ),
    Action.CREDENTIALS_ADMIN: lambda w, a: _in_session(
        w, lambda s: set_password(s, a, "sup-" + MET, "a long enough password")
    ),
}


def _in_session(world: World, work: Callable[..., object]) -> object:
    with world.db.unit_of_work() as session:
        return work(session)


def _actor(kind: OrgKind, role: Role) -> Actor:
    return Actor(f"{kind}-{role}", ORGANISATIONS[kind], frozenset({role}))


def _cells() -> list[tuple[OrgKind, Role]]:
    cells = [(k, r) for k in OrgKind for r in Role]
    # the coordinator role exists only in the coordinator's organisation (users refuse it)
    return [(k, r) for k, r in cells if not (k is OrgKind.FORCE and r is Role.COORDINATOR)]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    with fresh_database_url(tmp_path) as url:
        db = Database(url)
        with db.unit_of_work() as session:
            add_user(session, Actor.system(), "sup-" + MET, MET, [Role.FORCE_SUPERVISOR])
        built = _world(db, tmp_path)
        try:
            yield built
        finally:
            built.store.close()
            db.dispose()


def test_every_action_has_a_probe_and_a_rule_for_both_kinds_of_organisation() -> None:
    assert set(PROBES) == set(Action) == set(PERMISSIONS)
    for action in Action:  # nobody may do everything, and something is allowed somewhere
        granted = roles_for(action, OrgKind.COORDINATOR) | roles_for(action, OrgKind.FORCE)
        assert granted, action


@pytest.mark.parametrize("action", list(Action))
def test_the_services_allow_exactly_what_the_table_says(world: World, action: Action) -> None:
    cells = _cells()
    refused = [c for c in cells if not allows(_actor(*c), action)]
    allowed = [c for c in cells if allows(_actor(*c), action)]
    assert allowed, f"{action}: nobody may"
    for kind, role in refused:  # on untouched records, so no state can hide a missing check
        with pytest.raises(AccessDenied):
            PROBES[action](world, _actor(kind, role))
    for kind, role in allowed:
        try:
            PROBES[action](world, _actor(kind, role))
        except AccessDenied as exc:
            pytest.fail(f"{action}: {role} in {kind} was refused: {exc}")
        except (ValueError, LookupError):
            pass  # wrong state or missing record: the role itself was let through


def test_the_coordinators_auditor_and_analyst_hold_no_coordinator_power() -> None:
    auditor = _actor(OrgKind.COORDINATOR, Role.AUDITOR)
    analyst = _actor(OrgKind.COORDINATOR, Role.ANALYST)
    for action in (
        Action.RISK_OVERRIDE,
        Action.SUBJECT_ASSIGN,
        Action.PACKAGE_ISSUE,
        Action.PACKAGE_TRANSFER,
    ):
        assert not allows(auditor, action), action
    assert not allows(analyst, Action.RISK_OVERRIDE)
    force_examiner = _actor(OrgKind.FORCE, Role.FORENSIC_EXAMINER)
    assert not allows(force_examiner, Action.HASHSET_IMPORT)
    for action in (Action.PACKAGE_ACKNOWLEDGE, Action.RISK_ASSESS):
        assert not allows(force_examiner, action)
        assert not allows(_actor(OrgKind.FORCE, Role.AUDITOR), action)


def test_a_refusal_names_the_action_and_the_roles_that_would_do() -> None:
    with pytest.raises(AccessDenied, match=r"overriding a risk band needs one of these roles"):
        require(_actor(OrgKind.COORDINATOR, Role.AUDITOR), Action.RISK_OVERRIDE)


def test_the_documented_table_is_the_one_the_code_uses() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "operations.md").read_text()
    for action, permission in PERMISSIONS.items():
        coordinator = ", ".join(sorted(permission.coordinator)) or "—"
        force = ", ".join(sorted(permission.force)) or "—"
        row = f"| `{action}` | {permission.what} | {coordinator} | {force} |"
        assert row in docs, f"docs/operations.md lacks or misstates: {row}"
