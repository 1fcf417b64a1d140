"""Long work started from the web app runs in a thread of the server and reports its progress
to a row of `jobs`, so that any server process (and a reload) shows it. A job belongs to its
starter's organisation; the coordinator sees every job. A job whose server stopped shows as
stalled: the work itself is transactional, so nothing of it is half-written."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from footprint.operations.scoping import require_visible, scoped_unit_of_work
from footprint.processes import run_contained
from footprint.security import audit
from footprint.security.actor import Actor
from footprint.store import Database
from footprint.store.database import aware_utc
from footprint.store.models import Job

SKIPS_KEPT = 50  # bad records listed in a job's outcome (the count is always whole)
STALLED_AFTER = timedelta(minutes=2)  # no progress for this long: the server likely stopped
REPORT_EVERY = timedelta(seconds=1)  # progress is written at most this often


@dataclass(frozen=True, slots=True)
class JobView:
    id: int
    kind: str
    title: str
    started_by: str
    status: str  # running | done | failed | stalled
    done: int
    started_at: datetime
    updated_at: datetime
    finished_at: datetime | None
    outcome: dict[str, Any]


def skipped_outcome(skipped: Sequence[Any]) -> dict[str, Any]:
    """How many records were skipped, and the first of them with number, field and reason."""
    return {
        "skipped": len(skipped),
        "skipped_records": [
            f"record {s.record}: {s.field}: {s.reason}" for s in skipped[:SKIPS_KEPT]
        ],
    }


def contained_upload(
    target: Callable[..., dict[str, Any]], args: tuple[Any, ...], upload: Path, memory_mb: int
) -> Callable[[Callable[[int], None]], dict[str, Any]]:
    """A job's work on an uploaded file: `target(*args, progress=...)` in a child process limited
    to `memory_mb` (processes.run_contained: whatever the file does, the server lives); the
    upload is removed when it ends."""

    def work(progress: Callable[[int], None]) -> dict[str, Any]:
        try:
            return run_contained(target, args, progress, memory_mb * 2**20)
        finally:
            upload.unlink(missing_ok=True)

    return work


def uploaded_error(error: str | None, upload: Path, original_name: str) -> str | None:
    """A failure message naming the file as the person uploaded it, never the server's path."""
    if not error:
        return None
    return error.replace(str(upload), original_name).replace(upload.name, original_name)


def _view(job: Job, now: datetime) -> JobView:
    updated = aware_utc(job.updated_at)
    status = job.status
    if status == "running" and now - updated > STALLED_AFTER:
        status = "stalled"
    return JobView(
        job.id,
        job.kind,
        job.title,
        job.started_by,
        status,
        job.done,
        aware_utc(job.started_at),
        updated,
        aware_utc(job.finished_at) if job.finished_at else None,
        job.outcome or {},
    )


def start_job(
    db: Database,
    actor: Actor,
    kind: str,
    title: str,
    work: Callable[[Callable[[int], None]], dict[str, Any]],
) -> int:
    """Record the job and run `work(progress)` in a thread; `work` returns the outcome, or
    raises (the job fails with the message). Returns the job's id at once."""
    now = datetime.now(UTC)
    with db.unit_of_work() as session:
        job = Job(
            kind=kind,
            title=title,
            organisation=actor.organisation,
            started_by=actor.username,
            status="running",
            done=0,
            started_at=now,
            updated_at=now,
            outcome={},
        )
        session.add(job)
        session.flush()
        job_id = job.id
        audit.record(session, actor, f"{kind}.start", "job", job_id, title=title)
    threading.Thread(
        target=_run, args=(db, actor, job_id, work), name=f"job-{job_id}", daemon=True
    ).start()
    return job_id


def _run(
    db: Database,
    actor: Actor,
    job_id: int,
    work: Callable[[Callable[[int], None]], dict[str, Any]],
) -> None:
    last = [datetime.now(UTC)]

    def progress(done: int) -> None:
        now = datetime.now(UTC)
        if now - last[0] >= REPORT_EVERY:
            last[0] = now
            with db.unit_of_work() as session:
                job = session.get_one(Job, job_id)
                job.done, job.updated_at = done, now

    try:
        outcome, status = work(progress), "done"
    except Exception as exc:  # any failure ends the job, with its message
        outcome, status = {"error": f"{type(exc).__name__}: {exc}"}, "failed"
    if outcome.get("error"):
        status = "failed"
    now = datetime.now(UTC)
    with db.unit_of_work() as session:
        job = session.get_one(Job, job_id)
        job.status, job.outcome, job.updated_at, job.finished_at = status, outcome, now, now
        job.done = int(outcome.get("records", job.done))
        audit.record(session, actor, f"{job.kind}.{status}", "job", job_id)


def recent_jobs(
    db: Database, actor: Actor, kinds: tuple[str, ...], limit: int = 10
) -> list[JobView]:
    """The newest jobs of these kinds that the actor's organisation started (the coordinator:
    every organisation's)."""
    query = select(Job).where(Job.kind.in_(kinds))
    if not actor.is_coordinator:
        query = query.where(Job.organisation == actor.organisation)
    with db.unit_of_work() as session:
        now = datetime.now(UTC)
        return [_view(j, now) for j in session.scalars(query.order_by(Job.id.desc()).limit(limit))]


def get_job(db: Database, actor: Actor, job_id: int) -> JobView:
    with scoped_unit_of_work(db, actor, "job", job_id) as session:
        job = session.get(Job, job_id)
        if job is None:
            raise LookupError(f"job {job_id}: not found")
        require_visible(actor, job.organisation, f"job {job_id}")
        return _view(job, datetime.now(UTC))
