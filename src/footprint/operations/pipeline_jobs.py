"""The coordinator's operation-wide work started from the web app, each as a job with its
progress: take in a referrals file, grade against chosen hash sets, resolve subjects, allocate
them, load postcode data. The same services as the CLI's commands; each resumes where it
stopped when started again (intake skips referrals already in, the others take up only what
is left), so a job stopped by a server restart loses nothing."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from footprint.errors import RecordError
from footprint.geo.postcodes import PostcodeLoadReport, load_postcodes
from footprint.hashsets.grading import FileGrade
from footprint.hashsets.store import KnownHashStore
from footprint.operations.allocation import allocate_operation
from footprint.operations.grading import grade_operation
from footprint.operations.intake import import_referrals
from footprint.operations.jobs import (
    contained_upload,
    skipped_outcome,
    start_job,
    uploaded_error,
)
from footprint.operations.resolution import SubjectStatus
from footprint.operations.service import get_operation
from footprint.operations.subjects import resolve_subjects
from footprint.processes import IMPORT_MEMORY_MB
from footprint.security import audit
from footprint.security.actor import Actor
from footprint.security.permissions import Action, require
from footprint.store import Database
from footprint.store.models import (
    IntelPackage,
    Referral,
    ReferralFileRow,
    Subject,
    SubjectReferral,
)

PIPELINE_JOBS = (
    "referral-import",
    "referral-grade",
    "subject-resolve",
    "subject-allocate",
    "postcode-load",
)
Progress = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class OperationOverview:
    name: str
    status: str
    referrals: int
    unresolved_referrals: int
    files_ungraded: int  # not yet matched against the hash sets
    files_awaiting_graders: int  # matched nothing: waiting for human grading
    subjects: int
    subjects_unallocated: int
    packages: int


def operation_overview(db: Database, actor: Actor, name: str) -> OperationOverview:
    require(actor, Action.REFERRAL_READ)
    with db.unit_of_work() as session:
        op = get_operation(session, actor, name)
        in_op = Referral.operation_id == op.id

        def count(query: Any) -> int:
            return int(session.scalar(query) or 0)

        files = select(func.count(ReferralFileRow.id)).join(Referral).where(in_op)
        linked = select(SubjectReferral.id).where(SubjectReferral.referral_id == Referral.id)
        subjects = select(func.count(Subject.id)).where(
            Subject.operation_id == op.id, Subject.status == SubjectStatus.ACTIVE
        )
        overview = OperationOverview(
            op.name,
            op.status,
            count(select(func.count(Referral.id)).where(in_op)),
            count(select(func.count(Referral.id)).where(in_op, ~linked.exists())),
            count(files.where(ReferralFileRow.grade_status == FileGrade.UNGRADED)),
            count(files.where(ReferralFileRow.grade_status == FileGrade.QUEUED)),
            count(subjects),
            count(subjects.where(Subject.force_id.is_(None))),
            count(
                select(func.count(IntelPackage.id))
                .join(Subject, Subject.id == IntelPackage.subject_id)
                .where(Subject.operation_id == op.id)
            ),
        )
        audit.record_read(session, actor, "operation.read", "operation", op.id)
        return overview


@contextmanager
def _opened(database_url: str) -> Iterator[Database]:
    """The database for a contained child process: an engine of its own, released at the end."""
    db = Database(database_url)
    try:
        yield db
    finally:
        db.dispose()


def import_referral_upload(
    database_url: str,
    actor: Actor,
    name: str,
    upload: Path,
    original_name: str,
    progress: Progress,
) -> dict[str, Any]:
    """The import itself, in the contained child process (processes.run_contained)."""
    with _opened(database_url) as db:
        report = import_referrals(db, actor, name, upload, progress=progress)
    return {
        "file": original_name,
        "format": report.format,
        "records": report.imported + report.already_present + len(report.skipped),
        "imported": report.imported,
        "already_present": report.already_present,
        **skipped_outcome(report.skipped),
        "error": uploaded_error(report.error, upload, original_name),
    }


def start_referral_import(
    db: Database,
    actor: Actor,
    name: str,
    upload: Path,
    original_name: str,
    memory_mb: int = IMPORT_MEMORY_MB,
) -> int:
    """Take in an uploaded referrals file as a job, in a process of its own limited to
    `memory_mb`; the upload is removed when it ends."""
    require(actor, Action.REFERRAL_IMPORT)
    args = (db.url, actor, name, upload, original_name)
    work = contained_upload(import_referral_upload, args, upload, memory_mb)
    return _start(db, actor, name, "referral-import", f"{original_name} into {name}", work)


def start_grading(
    db: Database, actor: Actor, name: str, store_path: Path, set_names: list[str]
) -> int:
    require(actor, Action.REFERRAL_GRADE)
    if not set_names:
        raise ValueError("sets: choose at least one hash set to grade against")

    def work(progress: Progress) -> dict[str, Any]:
        store = KnownHashStore(store_path)
        try:
            report = grade_operation(db, store, actor, name, set_names, progress)
        finally:
            store.close()
        return {
            "sets": ", ".join(set_names),
            "records": report.files,
            "files graded": report.files,
            "matched": dict(report.matched),
            "queued for graders": report.queued,
            "cleared (ignore sets only)": report.cleared,
            "suppressed by ignore sets": report.suppressed,
        }

    title = f"grading {name} against {', '.join(set_names)}"
    return _start(db, actor, name, "referral-grade", title, work)


def start_resolution(db: Database, actor: Actor, name: str) -> int:
    require(actor, Action.SUBJECT_RESOLVE)

    def work(progress: Progress) -> dict[str, Any]:
        report = resolve_subjects(db, actor, name, progress=progress)
        return {
            "records": report.referrals_attached,
            "subjects created": report.subjects_created,
            "merges": report.merges,
            "referrals attached": report.referrals_attached,
        }

    return _start(db, actor, name, "subject-resolve", f"resolving {name} into subjects", work)


def start_allocation(db: Database, actor: Actor, name: str) -> int:
    require(actor, Action.ALLOCATE)

    def work(progress: Progress) -> dict[str, Any]:
        report = allocate_operation(db, actor, name, progress)
        placed = sum(report.allocated.values())
        return {
            "records": placed + report.queued,
            "allocated": placed,
            "left in the queue": report.queued,
            "per force": dict(sorted(report.allocated.items())),
        }

    return _start(db, actor, name, "subject-allocate", f"allocating {name}'s subjects", work)


def load_postcode_file(db: Database, actor: Actor, path: Path, fmt: str) -> PostcodeLoadReport:
    """Load a postcode file (ONSPD or a table) in one unit of work; audited."""
    require(actor, Action.POSTCODES_LOAD)
    try:
        with db.unit_of_work() as session:  # a file that cannot be read loads nothing
            report = load_postcodes(session, path, fmt)
            audit.record(session, actor, "postcodes.load", "postcodes", fmt, loaded=report.loaded)
    except RecordError as exc:
        raise RecordError(exc.field, f"{exc.reason} (in {path.name}); nothing was loaded") from None
    except (csv.Error, UnicodeError) as exc:
        raise RecordError("file", f"{path.name} is not a readable CSV ({exc})") from None
    return report


def load_postcode_upload(
    database_url: str,
    actor: Actor,
    upload: Path,
    original_name: str,
    fmt: str,
    progress: Progress,
) -> dict[str, Any]:
    """The load itself, in the contained child process (processes.run_contained)."""
    try:
        with _opened(database_url) as db:
            report = load_postcode_file(db, actor, upload, fmt)
    except RecordError as exc:
        return {"file": original_name, "error": uploaded_error(str(exc), upload, original_name)}
    done = {"file": original_name, "records": report.loaded, "loaded": report.loaded}
    return done | skipped_outcome(report.skipped)


def start_postcode_load(
    db: Database,
    actor: Actor,
    upload: Path,
    original_name: str,
    fmt: str,
    memory_mb: int = IMPORT_MEMORY_MB,
) -> int:
    require(actor, Action.POSTCODES_LOAD)
    if fmt not in ("onspd", "table"):
        upload.unlink(missing_ok=True)
        raise ValueError(f"format: {fmt!r}: choose onspd or table")
    args = (db.url, actor, upload, original_name, fmt)
    work = contained_upload(load_postcode_upload, args, upload, memory_mb)
    return start_job(db, actor, "postcode-load", f"{original_name} ({fmt})", work)


def _start(
    db: Database,
    actor: Actor,
    name: str,
    kind: str,
    title: str,
    work: Callable[[Progress], dict[str, Any]],
) -> int:
    with db.unit_of_work() as session:
        get_operation(session, actor, name)  # an unknown operation is refused now, not later
    return start_job(db, actor, kind, title, work)
