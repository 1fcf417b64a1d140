"""The coordinated operation at scale: synthetic referrals imported, graded, resolved into
subjects and allocated to forces, end to end through the services.

    .venv/bin/python benchmarks/bench_operation.py [--referrals 1000000] [--database URL]
        [--default-collector]

Without --database an SQLite file in a temporary folder is used (the embedded default); a
PostgreSQL database must be empty, or named with --reset to have its public schema dropped. The
referrals file (JSON Lines) is written first and not timed; each stage's time, referrals/s over
the four stages and the process's peak memory are printed and written to
benchmarks/results/operation-<dialect>.json.
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TypeVar

from sqlalchemy import func, select

from _common import fresh_database, peak_child_rss_mib, peak_rss_mib, report
from footprint.geo.forces import police_forces
from footprint.geo.postcodes import load_postcodes
from footprint.hashsets import KnownHashStore
from footprint.operations.allocation import allocate_operation
from footprint.operations.grading import grade_operation
from footprint.operations.intake import import_referrals
from footprint.operations.service import create_operation
from footprint.operations.subjects import resolve_subjects
from footprint.security.actor import Actor
from footprint.store import bulk
from footprint.store.models import Subject
from footprint.synthetic.operation import (
    KNOWN_SET,
    build_known_set,
    write_postcode_table,
    write_referrals,
)

OPERATION = "Operation Benchmark"
T = TypeVar("T")
TIMINGS: dict[str, float] = {}


def timed(name: str, call: Callable[[], T]) -> T:
    begun = time.perf_counter()
    result = call()
    TIMINGS[name] = round(time.perf_counter() - begun, 2)
    print(f"{name}: {TIMINGS[name]} s", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--referrals", type=int, default=100_000)
    parser.add_argument("--database", help="SQLAlchemy URL; default: SQLite in a temp folder")
    parser.add_argument(
        "--reset", action="store_true", help="drop everything in --database first (PostgreSQL)"
    )
    parser.add_argument(
        "--default-collector",
        action="store_true",
        help="keep Python's garbage-collector thresholds in the stages (the anchor for"
        " store.bulk.BULK_COLLECTOR_THRESHOLDS; the parse worker keeps its own)",
    )
    args = parser.parse_args()
    if args.default_collector:
        bulk.BULK_COLLECTOR_THRESHOLDS = gc.get_threshold()
    with tempfile.TemporaryDirectory(prefix="fp-bench-op-") as tmp:
        work = Path(tmp)
        db = fresh_database(args.database or f"sqlite:///{work}/footprint.db", args.reset)
        dialect = db.engine.dialect.name
        forces = [f.code for f in police_forces()]
        store = KnownHashStore(work / "hashsets")
        known = build_known_set(store, work)
        started = time.perf_counter()
        referrals = write_referrals(work / "referrals.jsonl", args.referrals, forces, known, 2026)
        written = time.perf_counter() - started
        actor = Actor.system()
        with db.unit_of_work() as session:
            create_operation(session, actor, OPERATION, date(2026, 9, 1))
            load_postcodes(session, write_postcode_table(work / "pfa.csv", forces), "table")
        intake = timed("import", lambda: import_referrals(db, actor, OPERATION, referrals))
        graded = timed("grade", lambda: grade_operation(db, store, actor, OPERATION, [KNOWN_SET]))
        resolved = timed("resolve", lambda: resolve_subjects(db, actor, OPERATION))
        allocated = timed("allocate", lambda: allocate_operation(db, actor, OPERATION))
        total = sum(TIMINGS.values())
        with db.unit_of_work() as session:
            subjects = session.scalar(
                select(func.count()).select_from(Subject).where(Subject.status == "active")
            )
        figures = {
            "database": dialect,
            "referrals": args.referrals,
            "referrals_imported": intake.imported,
            "files_graded": graded.files,
            "files_matched": sum(graded.matched.values()),
            "subjects": subjects,
            "merges": resolved.merges,
            "subjects_allocated": sum(allocated.allocated.values()),
            "subjects_queued": allocated.queued,
            "seconds_by_stage": TIMINGS,
            "seconds_total": round(total, 2),
            "referrals_per_second": round(args.referrals / total, 1),
            "peak_rss_mib": round(peak_rss_mib(), 1),
            "peak_rss_parse_worker_mib": round(peak_child_rss_mib(), 1),
            "input_written_seconds": round(written, 2),
            "collector_thresholds": list(bulk.BULK_COLLECTOR_THRESHOLDS),
        }
        db.dispose()
        report(f"operation-{dialect}", figures)


if __name__ == "__main__":
    main()
