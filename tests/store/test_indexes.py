"""The indexes the busiest pages rely on: a force's packages, soonest deadline first, are read
by walking an index and stopping at the page's end, not by sorting every package it holds."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import inspect, text

from footprint.store import Database
from tests.conftest import fresh_database_url


def test_packages_are_indexed_by_force_then_deadline(tmp_path: Path) -> None:
    with fresh_database_url(tmp_path) as url:
        db = Database(url)
        indexes = {
            i["name"]: i["column_names"] for i in inspect(db.engine).get_indexes("intel_packages")
        }
        assert indexes["ix_intel_packages_force_deadline"] == ["force_id", "deadline", "id"]
        db.dispose()


def test_a_forces_page_of_packages_needs_no_sort_on_sqlite(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path}/plan.db")  # the embedded default's planner
    db.upgrade()
    with db.engine.connect() as connection:
        plan = " ".join(
            str(row[-1])
            for row in connection.execute(
                text(
                    "EXPLAIN QUERY PLAN SELECT id FROM intel_packages WHERE force_id = 3 "
                    "ORDER BY deadline, id LIMIT 100"
                )
            )
        )
    db.dispose()
    assert "ix_intel_packages_force_deadline" in plan
    assert "TEMP B-TREE" not in plan
