"""Jobs: work run in a thread reports progress to the database, ends done or failed with its
outcome, belongs to its starter's organisation, and shows as stalled when its server stopped."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from footprint.operations import jobs
from footprint.operations.jobs import JobView, get_job, recent_jobs, start_job
from footprint.security.actor import Actor
from footprint.security.roles import Role
from footprint.store import Database
from footprint.store.models import Job
from tests.operations.cases_setup import GMP, MET

EXAMINER = Actor("exam", MET, frozenset({Role.FORENSIC_EXAMINER}))


def _wait(db: Database, job_id: int, wanted: str) -> JobView:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        view = get_job(db, EXAMINER, job_id)
        if view.status == wanted:
            return view
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} never became {wanted}: {view}")


def test_progress_is_seen_while_the_job_runs(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jobs, "REPORT_EVERY", timedelta(0))
    reported, release = threading.Event(), threading.Event()

    def work(progress: Any) -> dict[str, Any]:
        progress(7)
        reported.set()
        release.wait(10)
        return {"records": 12}

    job_id = start_job(database, EXAMINER, "test-job", "seven then twelve", work)
    assert reported.wait(10)
    running = get_job(database, EXAMINER, job_id)
    assert (running.status, running.done) == ("running", 7)
    release.set()
    done = _wait(database, job_id, "done")
    assert done.done == 12 and done.finished_at is not None
    assert [j.id for j in recent_jobs(database, EXAMINER, ("test-job",))] == [job_id]


def test_a_failing_job_keeps_its_message_and_other_forces_never_see_it(
    database: Database,
) -> None:
    def work(progress: Any) -> dict[str, Any]:
        raise ValueError("record 3: md5: not hex")

    job_id = start_job(database, EXAMINER, "test-job", "bad", work)
    failed = _wait(database, job_id, "failed")
    assert failed.outcome["error"] == "ValueError: record 3: md5: not hex"
    with pytest.raises(LookupError, match="not found"):
        get_job(database, Actor("g", GMP, frozenset({Role.FORENSIC_EXAMINER})), job_id)
    assert recent_jobs(database, Actor("g", GMP, frozenset({Role.AUDITOR})), ("test-job",)) == []
    assert get_job(database, Actor.system(), job_id).status == "failed"  # the coordinator sees all


def test_a_job_without_progress_for_long_shows_as_stalled(database: Database) -> None:
    with database.unit_of_work() as session:
        old = datetime.now(UTC) - timedelta(minutes=10)
        job = Job(
            kind="test-job",
            title="orphan",
            organisation=MET,
            started_by="exam",
            status="running",
            done=3,
            started_at=old,
            updated_at=old,
            outcome={},
        )
        session.add(job)
        session.flush()
        job_id = job.id
    assert get_job(database, EXAMINER, job_id).status == "stalled"
