"""Figures per force and national for an operation, and their publication under disclosure
control. Raw counts are management information (the coordinator sees every force, a force its
own row); a publication is the disclosure-controlled table, recorded whole."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import Session

from footprint.errors import Conflict, Invalid
from footprint.operations.case_workflow import CaseState
from footprint.operations.disclosure import (
    SUPPRESSED,
    TOTAL,
    ProtectedTable,
    Relation,
    protect,
    small_differences,
)
from footprint.operations.outcomes import review_due_by
from footprint.operations.packages import PackageStatus
from footprint.operations.scoping import NotVisible, scoped_unit_of_work
from footprint.operations.service import get_operation
from footprint.security import audit
from footprint.security.actor import Actor
from footprint.security.permissions import Action, require
from footprint.store import Database
from footprint.store.database import aware_utc
from footprint.store.models import (
    Bail,
    Case,
    CaseEvent,
    ChildSafeguarded,
    IntelPackage,
    Operation,
    OperationForce,
    Organisation,
    PropertySearch,
    Publication,
    SeizedDevice,
    Subject,
)
from footprint.store.recent import RecentResults

MEASURES = (
    "packages_issued",
    "packages_outstanding",
    "arrests",
    "voluntary_interviews",
    "properties_searched",
    "devices_seized",
    "charged",
    "positions_of_trust",
    "registered_sex_offenders",
    "children_safeguarded",
    "children_at_immediate_risk",
    "bail_reviews_due",
)
RELATIONS = (
    Relation("packages_outstanding", "packages_issued"),
    Relation("children_at_immediate_risk", "children_safeguarded"),
)


@dataclass(frozen=True, slots=True)
class Figures:
    operation: str
    as_of: date
    forces: dict[str, str]  # code -> name, in table order
    counts: dict[str, dict[str, int]]  # force code -> measure -> count


@dataclass(frozen=True, slots=True)
class PublishedFigures:
    publication_id: int | None
    operation: str
    as_of: date
    table: ProtectedTable
    forces: dict[str, str]
    warnings: list[str]

    def as_json(self) -> dict[str, Any]:
        rows = self.table.as_rows()
        return {
            "operation": self.operation,
            "as_of": self.as_of.isoformat(),
            "publication": self.publication_id,
            "suppressed": SUPPRESSED,
            "rounded_to_5": self.table.rounded,
            "measures": list(MEASURES),
            "forces": [
                {"code": r["row"], "name": self.forces[str(r["row"])]} | {m: r[m] for m in MEASURES}
                for r in rows[:-1]
            ],
            "national": {m: rows[-1][m] for m in MEASURES},
            "warnings": self.warnings,
        }

    def as_csv(self) -> str:
        return release_csv(self.as_json())


def release_csv(content: dict[str, Any]) -> str:
    """A release (as published, or as kept) as CSV: a row per force, then the national row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["force_code", "force_name", *MEASURES])
    for force in content["forces"]:
        writer.writerow([force["code"], force["name"], *(force[m] for m in MEASURES)])
    national = content["national"]
    writer.writerow(["national", "All forces", *(national[m] for m in MEASURES)])
    return out.getvalue()


class DifferencingRisk(Conflict):
    """A release that would let a suppressed or small count be worked out from the last one."""

    def __init__(self, warnings: list[str]) -> None:
        super().__init__(
            "figures: this release would let small counts be worked out by differencing it "
            f"with the last one ({'; '.join(warnings)}); publish it only with a reason "
            "(override_reason), which is kept with the release and audited"
        )
        self.warnings = warnings


_RECENT: RecentResults[dict[str, dict[str, int]]] = RecentResults()


def compute_figures(
    db: Database, actor: Actor, operation: str, as_of: date, max_age: timedelta | None = None
) -> Figures:
    """Raw counts per force: the coordinator sees all, a force only its own row. With max_age
    (dashboards), counts made that recently in this process are reused; publications recount."""
    with audit.reading(db) as session:
        op = get_operation(session, actor, operation)
        forces = _table_forces(session, op.id)
        table = list(forces)

        op_id = op.id

        def counted() -> dict[str, dict[str, int]]:  # its own session: it may run in the background
            with db.unit_of_work() as own:
                return _count(own, op_id, as_of, table)

        counts = (
            _RECENT.get((db.url, op.id, as_of), max_age.total_seconds(), counted)
            if max_age is not None
            else counted()
        )
        if not actor.is_coordinator:
            forces = {code: name for code, name in forces.items() if code == actor.organisation}
        audit.record_read(session, actor, "figures.read", "operation", op.id, as_of=str(as_of))
        return Figures(op.name, as_of, forces, {code: counts[code] for code in forces})


def publish_figures(
    db: Database,
    actor: Actor,
    operation: str,
    as_of: date,
    rounded: bool,
    record: bool,
    override_reason: str | None = None,
) -> PublishedFigures:
    """The disclosure-controlled table; with record, kept as a release (coordinator only). A
    release that differs from the last one by a small count is refused (DifferencingRisk)
    unless `override_reason` says why it must go out; the reason is kept and audited."""
    require(actor, Action.FIGURES_PUBLISH)
    reason = (override_reason or "").strip() or None
    if reason is not None and len(reason) > 400:
        raise Invalid("override_reason: at most 400 characters")
    figures = compute_figures(db, actor, operation, as_of)
    table = protect(figures.counts, MEASURES, RELATIONS, rounded=rounded)
    with db.unit_of_work() as session:
        op = get_operation(session, actor, operation)
        previous = session.scalars(
            select(Publication)
            .where(Publication.operation_id == op.id)
            .order_by(Publication.id.desc())
            .limit(1)
        ).first()
        cells = _published_cells(table)
        warnings = small_differences(_cells_of(previous.table), cells) if previous else []
        result = PublishedFigures(None, op.name, as_of, table, figures.forces, warnings)
        if not record:
            return result
        if warnings and reason is None:
            raise DifferencingRisk(warnings)
        publication = Publication(
            operation_id=op.id,
            published_at=datetime.now(UTC),
            published_by=actor.username,
            as_of=as_of,
            rounded=rounded,
            table={},
            sha256="",
        )
        session.add(publication)
        session.flush()
        result = PublishedFigures(publication.id, op.name, as_of, table, figures.forces, warnings)
        content = result.as_json()
        if warnings:
            content["override_reason"] = reason
        publication.table = content
        publication.sha256 = release_digest(content)
        audit.record(
            session,
            actor,
            "figures.publish",
            "publication",
            publication.id,
            sha256=publication.sha256,
            **({"override_reason": reason, "warnings": warnings} if warnings else {}),
        )
        return result


def release_digest(content: dict[str, Any]) -> str:
    """The SHA-256 a release is known by: of its JSON with sorted keys."""
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Release:
    id: int
    operation: str
    published_at: datetime
    published_by: str
    as_of: date
    rounded: bool
    sha256: str
    override_reason: str | None


def list_releases(db: Database, actor: Actor, operation: str) -> list[Release]:
    """The operation's releases, latest first, with the digest each is known by."""
    require(actor, Action.FIGURES_PUBLISH)
    with audit.reading(db) as session:
        op = get_operation(session, actor, operation)
        rows = session.scalars(
            select(Publication)
            .where(Publication.operation_id == op.id)
            .order_by(Publication.id.desc())
        ).all()
        audit.record_read(session, actor, "figures.releases", "operation", op.id)
        return [_release(p, op.name) for p in rows]


def download_release(
    db: Database, actor: Actor, publication_id: int, form: str = "csv"
) -> tuple[Release, str]:
    """A release as it was published, as CSV or JSON; the download is audited with the digest
    of what left, so that a copy found later can be traced to who took it and when. Releases
    are the coordinator's: for anyone else one reads as not found."""
    if form not in ("csv", "json"):
        raise Invalid(f"format: {form!r} is not csv or json")
    with scoped_unit_of_work(db, actor, "publication", publication_id) as session:
        publication = session.get(Publication, publication_id)
        if publication is None or not actor.is_coordinator:
            raise NotVisible(f"release {publication_id}: not found")
        require(actor, Action.FIGURES_PUBLISH, f"release {publication_id}")
        operation = session.get_one(Operation, publication.operation_id).name
        text = (
            release_csv(publication.table)
            if form == "csv"
            else json.dumps(publication.table, indent=2, sort_keys=True) + "\n"
        )
        audit.record(
            session,
            actor,
            "figures.download",
            "publication",
            publication_id,
            format=form,
            sha256=hashlib.sha256(text.encode()).hexdigest(),
        )
        return _release(publication, operation), text


def _release(publication: Publication, operation: str) -> Release:
    return Release(
        publication.id,
        operation,
        aware_utc(publication.published_at),
        publication.published_by,
        publication.as_of,
        publication.rounded,
        publication.sha256,
        publication.table.get("override_reason"),
    )


def list_publications(db: Database, actor: Actor, operation: str) -> list[dict[str, Any]]:
    """The releases as plain rows, oldest first (the CLI and older callers)."""
    return [
        {
            "id": r.id,
            "published_at": r.published_at,
            "by": r.published_by,
            "as_of": r.as_of,
            "rounded": r.rounded,
            "sha256": r.sha256,
        }
        for r in reversed(list_releases(db, actor, operation))
    ]


def _published_cells(table: ProtectedTable) -> dict[tuple[str, str], int | str]:
    return {
        (row, column): table.published((row, column))
        for row in [*table.rows, TOTAL]
        for column in table.columns
    }


def _cells_of(content: dict[str, Any]) -> dict[tuple[str, str], int | str]:
    cells = {(f["code"], m): f[m] for f in content["forces"] for m in MEASURES if m in f}
    cells |= {(TOTAL, m): v for m, v in content["national"].items()}
    return cells


def _table_forces(session: Session, operation_id: int) -> dict[str, str]:
    """The operation's forces, or all 45 when it names none; in code order (plain rows, in one
    query: every dashboard asks)."""
    of_operation = OperationForce.operation_id == operation_id
    named = exists().where(of_operation, OperationForce.organisation_id == Organisation.id)
    forces = session.execute(
        select(Organisation.code, Organisation.name)
        .where(named | ((Organisation.kind == "force") & ~exists().where(of_operation)))
        .order_by(Organisation.code)
    )
    return {code: name for code, name in forces}


def _count(
    session: Session, operation_id: int, as_of: date, forces: list[str]
) -> dict[str, dict[str, int]]:
    counts = {code: dict.fromkeys(MEASURES, 0) for code in forces}

    def add(measure: str, query: Select[str, Any]) -> None:
        for code, value in session.execute(query):
            if code in counts:
                counts[code][measure] = int(value or 0)

    add("packages_issued", _packages(operation_id))
    add(
        "packages_outstanding",
        _packages(operation_id).where(IntelPackage.status == PackageStatus.ISSUED),
    )
    for measure, state in (
        ("arrests", CaseState.ARRESTED),
        ("voluntary_interviews", CaseState.VOLUNTARY_INTERVIEW),
        ("charged", CaseState.CHARGED),
    ):
        add(measure, _cases_reaching(operation_id, state))
    add("properties_searched", _per_case_rows(operation_id, PropertySearch))
    add("devices_seized", _per_case_rows(operation_id, SeizedDevice))
    add("positions_of_trust", _flagged(operation_id, Case.position_of_trust))
    add("registered_sex_offenders", _flagged(operation_id, Case.registered_sex_offender))
    children = _case_query(operation_id, func.sum(ChildSafeguarded.count)).join(
        ChildSafeguarded, ChildSafeguarded.case_id == Case.id
    )
    add("children_safeguarded", children)
    add("children_at_immediate_risk", children.where(ChildSafeguarded.immediate_risk.is_(True)))
    add(
        "bail_reviews_due",
        _case_query(operation_id, func.count(Bail.id))
        .join(Bail, Bail.case_id == Case.id)
        .where(Bail.active.is_(True), Bail.expires_on <= review_due_by(as_of)),
    )
    return counts


def _packages(operation_id: int) -> Select[str, Any]:
    return (
        select(Organisation.code, func.count(IntelPackage.id))
        .join(IntelPackage, IntelPackage.force_id == Organisation.id)
        .join(Subject, Subject.id == IntelPackage.subject_id)
        .where(Subject.operation_id == operation_id)
        .group_by(Organisation.code)
    )


def _case_query(operation_id: int, measure: Any) -> Select[str, Any]:
    return (
        select(Organisation.code, measure)
        .join(Case, Case.force_id == Organisation.id)
        .where(Case.operation_id == operation_id)
        .group_by(Organisation.code)
    )


def _cases_reaching(operation_id: int, state: CaseState) -> Select[str, Any]:
    return _case_query(operation_id, func.count(func.distinct(Case.id))).join(
        CaseEvent, (CaseEvent.case_id == Case.id) & (CaseEvent.to_state == state)
    )


def _per_case_rows(operation_id: int, model: Any) -> Select[str, Any]:
    """Rows of a kind recorded on the operation's cases, those withdrawn in error left out."""
    query = _case_query(operation_id, func.count(model.id)).join(model, model.case_id == Case.id)
    return query.where(model.withdrawn_at.is_(None))


def _flagged(operation_id: int, flag: Any) -> Select[str, Any]:  # a flag column of Case
    return _case_query(operation_id, func.count(Case.id)).where(flag.is_(True))
