"""Helpers shared by the benchmark scripts: peak memory and writing results as JSON."""

from __future__ import annotations

import json
import platform
import resource
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, text

from footprint.security.reference_data import prepare_database
from footprint.store import Database

RESULTS = Path(__file__).resolve().parent / "results"


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


def report(name: str, figures: dict[str, Any]) -> Path:
    """Print the figures, one per line, and write them as JSON."""
    width = max(len(key) for key in figures)
    for key, value in figures.items():
        print(f"{key:>{width}}: {value}")
    return write_results(name, figures)


def write_results(name: str, figures: dict[str, Any]) -> Path:
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    payload = {
        "benchmark": name,
        "python": sys.version.split()[0],
        "machine": platform.machine(),
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
        **figures,
    }
    path.write_text(json.dumps(payload, indent=2) + "\n")
    print(f"results written to {path}")
    return path
