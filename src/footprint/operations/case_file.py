"""The file for the prosecutor: what a Crown Prosecution Service lawyer needs to decide a charge,
from what the case holds. The offences with their statutes and image counts per category, the
exhibits with their continuity (seized when and recorded by whom, examined when and by whom, the
triage scan's summary digest and whether the summary still matches it), the searches, bail and
safeguarding, what was withdrawn in error and why, the case's history, and the audit trail's
verification. Counts and digests only: never any imagery, nor a path to one.

Prepared by a force's caseworkers for their own case; each preparation is audited.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session

from footprint.clock import SERVICE_ZONE, now
from footprint.hashsets.model import CHARGING_CATEGORIES
from footprint.operations.case_view import CaseView, case_view, writable_case
from footprint.operations.outcomes import OFFENCE_STATUTE, Offence
from footprint.operations.scoping import scoped_unit_of_work
from footprint.security import audit
from footprint.security.actor import Actor
from footprint.store import Database
from footprint.store.models import AuditEntry, Operation, Organisation
from footprint.triage.outputs import SUMMARY

FORMAT = "footprint-case-file/1"


@dataclass(frozen=True, slots=True)
class AuditCheck:
    entries_checked: int
    intact: bool
    problems: list[str]
    head_seq: int
    head_hash: str


@dataclass(frozen=True, slots=True)
class CaseFile:
    format: str
    case_id: int
    force: str
    force_name: str
    operation: str
    subject_id: int
    package_id: int
    state: str
    prepared_at: datetime
    prepared_by: str
    offences: list[dict[str, Any]]
    images_from_triage: dict[str, int]  # per category, over the exhibits not withdrawn
    exhibits: list[dict[str, Any]]
    searches: list[dict[str, Any]]
    withdrawn: list[dict[str, Any]]
    bail: list[dict[str, Any]]
    safeguarding: dict[str, Any]
    flags: dict[str, Any]
    history: list[dict[str, Any]]
    audit: AuditCheck
    notes: list[str] = field(default_factory=list)


def _offences(charges: list[dict[str, Any]]) -> list[dict[str, Any]]:
    standing = [c for c in charges if c.get("withdrawn_at") is None]
    return [
        {
            "offence": c["offence"],
            "statute": OFFENCE_STATUTE[Offence(c["offence"])],
            "charged_on": c["charged_on"],
            "images": {"A": c["images_a"], "B": c["images_b"], "C": c["images_c"]},
            "total_images": c["images_a"] + c["images_b"] + c["images_c"],
        }
        for c in standing
    ]


def _examinations(session: Session, case_id: int) -> dict[int, dict[str, Any]]:
    """Each device's latest scan link from the audit log: when it was examined, and by whom."""
    entries = session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.action == "case.device-scan",
            AuditEntry.record_type == "case",
            AuditEntry.record_id == str(case_id),
        )
        .order_by(AuditEntry.seq)
    )
    found: dict[int, dict[str, Any]] = {}
    for entry in entries:
        found[int(entry.detail["device"])] = {
            "linked_at": entry.at,
            "linked_by": entry.actor,
            "summary_sha256": entry.detail.get("summary"),
        }
    return found


def _still_matches(scan_dir: str | None, digest: str | None) -> bool | None:
    """Whether the scan's summary on disk still has the digest recorded when it was linked;
    None when the scan is not to hand (moved, archived) and so cannot be checked here."""
    if not scan_dir or not digest:
        return None
    summary = Path(scan_dir) / SUMMARY
    if not summary.is_file():
        return None
    return hashlib.sha256(summary.read_bytes()).hexdigest() == digest


def _exhibits(session: Session, view: CaseView) -> list[dict[str, Any]]:
    examined = _examinations(session, view.id)
    exhibits = []
    for device in view.devices:
        if device.get("withdrawn_at") is not None:
            continue
        examination = examined.get(device["id"], {})
        exhibits.append(
            {
                "exhibit_ref": device["exhibit_ref"],
                "description": device["description"],
                "seized_on": device["seized_on"],
                "recorded_by": device["recorded_by"],
                "examined_at": examination.get("linked_at"),
                "examined_by": examination.get("linked_by"),
                "scan_summary_sha256": device["scan_summary_sha256"],
                "summary_unchanged": _still_matches(
                    device["scan_dir"], device["scan_summary_sha256"]
                ),
                "images": {
                    str(c): int((device["scan_counts"] or {}).get(str(c), 0))
                    for c in CHARGING_CATEGORIES
                },
                "images_detail": _detail(device.get("scan_breakdown")),
            }
        )
    return exhibits


def _detail(breakdown: dict[str, Any] | None) -> dict[str, Any] | None:
    """Per charging category: distinct contents, still and moving images (files and distinct)
    and deleted files (None where not known for files linked before 0028); None for a device
    with no scan linked."""
    if not breakdown:
        return None
    return {str(c): breakdown.get(str(c)) for c in CHARGING_CATEGORIES}


def _withdrawn(view: CaseView) -> list[dict[str, Any]]:
    kinds = (("search", view.searches), ("device", view.devices), ("charge", view.charges))
    return [
        {
            "kind": kind,
            "id": row["id"],
            "what": row.get("address") or row.get("exhibit_ref") or row.get("offence"),
            "withdrawn_at": row["withdrawn_at"],
            "withdrawn_by": row["withdrawn_by"],
            "reason": row["withdrawn_reason"],
        }
        for kind, rows in kinds
        for row in rows
        if row.get("withdrawn_at") is not None
    ]


def _audit_check(session: Session) -> AuditCheck:
    checked, problems = audit.verify(session)
    head = audit.checkpoint(session)
    return AuditCheck(
        checked,
        not problems,
        [f"entry {p.seq}: {p.kind}: {p.message}" for p in problems],
        head.seq,
        head.entry_hash,
    )


def case_file(db: Database, actor: Actor, case_id: int) -> CaseFile:
    """The case's file for the prosecutor, as it stands now (audited as prepared)."""
    with scoped_unit_of_work(db, actor, "case", case_id) as session:
        case = writable_case(session, actor, case_id)  # the force's caseworkers prepare it
        view = case_view(session, case)
        force = session.get_one(Organisation, case.force_id)
        operation = session.get_one(Operation, case.operation_id)
        exhibits = _exhibits(session, view)
        checked = _audit_check(session)
        prepared = CaseFile(
            FORMAT,
            case_id,
            force.code,
            force.name,
            operation.name,
            view.subject_id,
            view.package_id,
            str(view.state),
            now(),
            actor.username,
            _offences(view.charges),
            view.charging_summary,  # the case's own sum, withdrawn devices left out
            exhibits,
            [s for s in view.searches if s.get("withdrawn_at") is None],
            _withdrawn(view),
            view.bail,
            {"children": view.children, "actions": view.safeguarding_actions},
            {
                "position_of_trust": view.position_of_trust,
                "registered_sex_offender": view.registered_sex_offender,
            },
            view.history,
            checked,
            _notes(exhibits, checked),
        )
        audit.record(
            session,
            actor,
            "case.file",
            "case",
            case_id,
            offences=len(prepared.offences),
            exhibits=len(exhibits),
            audit_intact=checked.intact,
        )
    return prepared


def _notes(exhibits: list[dict[str, Any]], checked: AuditCheck) -> list[str]:
    """What the lawyer must be told before relying on the file."""
    notes = []
    for exhibit in exhibits:
        if exhibit["scan_summary_sha256"] is None:
            notes.append(f"exhibit {exhibit['exhibit_ref']}: no triage scan linked")
        elif exhibit["summary_unchanged"] is False:
            notes.append(
                f"exhibit {exhibit['exhibit_ref']}: the scan summary on disk no longer matches "
                "the digest recorded when it was linked"
            )
    if not checked.intact:
        notes.append(f"the audit trail failed verification: {len(checked.problems)} problem(s)")
    return notes


_TEMPLATES = Environment(
    loader=PackageLoader("footprint.operations", "templates"),
    autoescape=select_autoescape(["html"]),
)


def uk_local(moment: datetime | str | None) -> str:
    """A moment as people in England and Wales read it: local time with its zone shown."""
    if moment is None or moment == "":
        return ""
    at = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    if at.tzinfo is None:  # stored in UTC without its zone (SQLite)
        at = at.replace(tzinfo=UTC)
    return at.astimezone(SERVICE_ZONE).strftime("%Y-%m-%d %H:%M %Z")


def case_file_html(file: CaseFile, standalone: bool = True) -> str:
    """The file as HTML to print: a whole document (the CLI's), or its body for the web page."""
    template = "case_file.html" if standalone else "case_file_body.html"
    return _TEMPLATES.get_template(template).render(file=file, local=uk_local)
