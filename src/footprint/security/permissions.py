"""Who may do what: one table of action x organisation kind -> roles.

Every service asks this table (`require`), so the CLI, the API and the pages give the same
answer; pages ask `allows` to decide which forms to show. A permission is held through a role,
never through the organisation alone: the coordinator's auditor is an auditor, not a
coordinator. Seeing a record is a separate question, answered by force scoping
(operations/scoping.py): a force never sees another force's records, whatever its roles.

The table is documented in docs/operations.md ("Who may do what") and tested as a whole matrix
(tests/security/test_permissions.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from footprint.geo.forces import COORDINATOR_CODE
from footprint.security.actor import AccessDenied, Actor
from footprint.security.roles import Role


class OrgKind(StrEnum):
    COORDINATOR = "coordinator"
    FORCE = "force"


def kind_of(actor: Actor) -> OrgKind:
    return OrgKind.COORDINATOR if actor.organisation == COORDINATOR_CODE else OrgKind.FORCE


class Action(StrEnum):
    OPERATION_CREATE = "operation.create"
    REFERRAL_IMPORT = "referral.import"
    REFERRAL_READ = "referral.read"
    REFERRAL_GRADE = "referral.grade"
    IMAGE_GRADE = "image.grade"
    GRADING_READ = "grading.read"
    GRADE_RESOLVE = "grade.resolve"
    MATCH_DECIDE = "match.decide"
    SUBJECT_RESOLVE = "subject.resolve"
    SUBJECT_UNMERGE = "subject.unmerge"
    SUBJECT_ASSIGN = "subject.assign"
    POSTCODES_LOAD = "postcodes.load"
    ALLOCATE = "allocate"
    ALLOCATION_QUEUE_READ = "allocation.queue"
    RISK_ASSESS = "risk.assess"
    RISK_OVERRIDE = "risk.override"
    PACKAGE_ISSUE = "package.issue"
    PACKAGE_ACKNOWLEDGE = "package.acknowledge"
    PACKAGE_TRANSFER = "package.transfer"
    CASE_RECORD = "case.record"
    CASE_ASSIGN = "case.assign"
    DEVICE_RECORD = "device.record"
    DEVICE_EXPORT = "device.export"
    IMAGERY_VIEW = "imagery.view"
    FIGURES_PUBLISH = "figures.publish"
    HASHSET_IMPORT = "hashset.import"
    HASHSET_EXPORT = "hashset.export"
    HASHSET_CORRECT = "hashset.correct"
    AUDIT_READ = "audit.read"
    USER_ADMIN = "user.admin"
    CREDENTIALS_ADMIN = "credentials.admin"


@dataclass(frozen=True, slots=True)
class Permission:
    what: str  # said in a refusal: "<what> needs ..."
    coordinator: frozenset[Role]  # roles that may, in the coordinator's organisation
    force: frozenset[Role]  # roles that may, in a police force


def _roles(*roles: Role) -> frozenset[Role]:
    return frozenset(roles)


_NATIONAL = _roles(Role.COORDINATOR, Role.ANALYST)  # the coordinator's people who work the data
_COORDINATOR = _roles(Role.COORDINATOR)
_NONE = _roles()
_CASEWORKERS = _roles(Role.INVESTIGATOR, Role.FORCE_SUPERVISOR)
_SUPERVISOR = _roles(Role.FORCE_SUPERVISOR)
_EXAMINER = _roles(Role.FORENSIC_EXAMINER)

PERMISSIONS: dict[Action, Permission] = {
    Action.OPERATION_CREATE: Permission("creating an operation", _COORDINATOR, _NONE),
    Action.REFERRAL_IMPORT: Permission("taking in referrals", _NATIONAL, _NONE),
    Action.REFERRAL_READ: Permission("reading the referrals", _NATIONAL | {Role.AUDITOR}, _NONE),
    Action.REFERRAL_GRADE: Permission("grading referrals", _NATIONAL, _NONE),
    # a force grades its own seized devices' files; the referrals' files are the coordinator's
    Action.IMAGE_GRADE: Permission("grading an image", _NATIONAL, _EXAMINER),
    Action.GRADING_READ: Permission(
        "reading the grading queue",
        _NATIONAL | {Role.AUDITOR},
        _EXAMINER | _SUPERVISOR | {Role.AUDITOR},
    ),
    Action.GRADE_RESOLVE: Permission("resolving a disputed grade", _COORDINATOR, _SUPERVISOR),
    Action.MATCH_DECIDE: Permission(
        "confirming or rejecting a match", _NATIONAL, _EXAMINER | _SUPERVISOR
    ),
    Action.SUBJECT_RESOLVE: Permission("subject resolution", _NATIONAL, _NONE),
    Action.SUBJECT_UNMERGE: Permission("undoing a subject merge", _COORDINATOR, _NONE),
    Action.SUBJECT_ASSIGN: Permission("assigning a subject to a force", _COORDINATOR, _NONE),
    Action.POSTCODES_LOAD: Permission("loading postcodes", _NATIONAL, _NONE),
    Action.ALLOCATE: Permission("allocation", _NATIONAL, _NONE),
    Action.ALLOCATION_QUEUE_READ: Permission(
        "reading the allocation queue", _NATIONAL | {Role.AUDITOR}, _NONE
    ),
    Action.RISK_ASSESS: Permission("assessing risk", _NATIONAL, _CASEWORKERS),
    Action.RISK_OVERRIDE: Permission("overriding a risk band", _COORDINATOR, _SUPERVISOR),
    Action.PACKAGE_ISSUE: Permission("issuing a package", _COORDINATOR, _NONE),
    Action.PACKAGE_ACKNOWLEDGE: Permission("acknowledging a package", _NONE, _CASEWORKERS),
    Action.PACKAGE_TRANSFER: Permission("transferring a package", _COORDINATOR, _SUPERVISOR),
    Action.CASE_RECORD: Permission("recording on a case", _NONE, _CASEWORKERS),
    Action.CASE_ASSIGN: Permission("choosing a case's officer in charge", _NONE, _SUPERVISOR),
    Action.DEVICE_RECORD: Permission(
        "recording a seized device", _NONE, _CASEWORKERS | {Role.FORENSIC_EXAMINER}
    ),
    Action.DEVICE_EXPORT: Permission(
        "exporting a device's scan", _NONE, _CASEWORKERS | {Role.FORENSIC_EXAMINER}
    ),
    Action.IMAGERY_VIEW: Permission(
        "seeing imagery", _roles(Role.FORENSIC_EXAMINER), _roles(Role.FORENSIC_EXAMINER)
    ),
    Action.FIGURES_PUBLISH: Permission("publishing figures", _COORDINATOR, _NONE),
    Action.HASHSET_IMPORT: Permission("changing the national hash sets", _NATIONAL, _NONE),
    Action.HASHSET_EXPORT: Permission("exporting a hash set", _NATIONAL, _NONE),
    Action.HASHSET_CORRECT: Permission("correcting a known record", _NATIONAL, _NONE),
    Action.AUDIT_READ: Permission(
        "reading the audit log", _roles(Role.AUDITOR), _roles(Role.AUDITOR)
    ),
    Action.USER_ADMIN: Permission("adding users", _COORDINATOR, _SUPERVISOR),  # a force: its own
    # another person's password, tokens and sign-in lock (everyone manages their own)
    Action.CREDENTIALS_ADMIN: Permission("managing credentials", _COORDINATOR, _NONE),
}


def roles_for(action: Action, kind: OrgKind) -> frozenset[Role]:
    permission = PERMISSIONS[action]
    return permission.coordinator if kind is OrgKind.COORDINATOR else permission.force


def allows(actor: Actor, action: Action | str) -> bool:
    return bool(actor.roles & roles_for(Action(action), kind_of(actor)))


def require(actor: Actor, action: Action, record: str | None = None) -> None:
    """Raise AccessDenied, saying which roles would do, unless the actor may."""
    if allows(actor, action):
        return
    permission = PERMISSIONS[action]
    kind = kind_of(actor)
    roles = roles_for(action, kind)
    if roles:
        needed = f"needs one of these roles in {_WHERE[kind]}: {', '.join(sorted(roles))}"
    else:
        other = OrgKind.FORCE if kind is OrgKind.COORDINATOR else OrgKind.COORDINATOR
        others = ", ".join(sorted(roles_for(action, other)))
        needed = f"is for {_WHERE[other]} ({others}), not {_WHERE[kind]}"
    prefix = f"{record}: " if record else ""
    raise AccessDenied(f"{prefix}{permission.what} {needed}")


_WHERE = {
    OrgKind.COORDINATOR: "the national coordinator's organisation",
    OrgKind.FORCE: "a police force",
}
