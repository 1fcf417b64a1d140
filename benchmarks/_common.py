"""Helpers shared by the benchmark scripts: peak memory and writing results as JSON."""

from __future__ import annotations

import json
import os
import platform
import resource
import sys
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, text

from footprint.security.reference_data import prepare_database
from footprint.store import Database

RESULTS = Path(__file__).resolve().parent / "results"
LOAD_AT_START = os.getloadavg()[0]  # the machine is shared: each result says how busy it was


@dataclass(frozen=True, slots=True)
class Comparison:
    """One row of the table in docs/performance.md: footprint against its anchor, same run.

    `ratio` is footprint's speed over the anchor's (higher is better); `met` is decided by the
    script that measured it, against the target it states (None: a figure with no target)."""

    work: str
    anchor: str
    anchor_figure: str
    footprint_figure: str
    ratio: float
    target: str
    met: bool | None


def fresh_database(url: str, reset: bool) -> Database:
    """A migrated, empty database: a new SQLite file, or a PostgreSQL database that is empty
    (or whose public schema --reset drops)."""
    db = Database(url)
    if inspect(db.engine).get_table_names():
        if not reset:
            raise SystemExit(f"{url} is not empty; point at an empty database or pass --reset")
        with db.engine.begin() as conn:  # PostgreSQL only: an SQLite run uses a fresh file
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    prepare_database(db)
    return db


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak_child_rss_mib() -> float:
    """The largest peak of any finished child process (a parsing worker, for one)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def report(name: str, figures: dict[str, Any], comparisons: list[Comparison] | None = None) -> Path:
    """Print the figures, one per line, and write them as JSON (with the table rows, if any)."""
    width = max(len(key) for key in figures)
    for key, value in figures.items():
        print(f"{key:>{width}}: {value}")
    for row in comparisons or []:
        verdict = {True: "met", False: "NOT met", None: "no target"}[row.met]
        print(f"{row.work}: {row.ratio}x {row.anchor} (target {row.target}): {verdict}")
    return write_results(name, figures, comparisons)


def write_results(
    name: str, figures: dict[str, Any], comparisons: list[Comparison] | None = None
) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    payload = {
        "benchmark": name,
        "python": sys.version.split()[0],
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "date": datetime.now(UTC).date().isoformat(),
        "load": f"{LOAD_AT_START:.1f}-{os.getloadavg()[0]:.1f}",
        "command": " ".join([f"benchmarks/{Path(sys.argv[0]).name}", *sys.argv[1:]]),
        **figures,
        "comparisons": [asdict(row) for row in comparisons or []],
    }
    path.write_text(json.dumps(payload, indent=2) + "\n")
    print(f"results written to {path}")
    return path
