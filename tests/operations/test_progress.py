"""Progress over time: cumulative packages issued, arrests and charges per week, scoped to the
viewer's force, and the dashboard's line chart of it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from footprint.operations.cases import advance_case
from footprint.operations.progress import _cumulative, progress_over_time
from footprint.security.actor import Actor
from footprint.store import Database
from footprint.web.charts import line_chart
from tests.operations.cases_setup import GMP, MET, OPERATION, investigator, open_cases, supervisor

ARREST_PATH = ("researching", "warrant-applied", "warrant-granted", "search-executed", "arrested")


def test_progress_counts_per_week_for_the_viewers_scope(database: Database, tmp_path: Path) -> None:
    met_case, _, gmp_case = open_cases(database, tmp_path, [MET, MET, GMP])
    for case_id, force in ((met_case, MET), (gmp_case, GMP)):
        for state in ARREST_PATH:
            advance_case(database, investigator(force), case_id, state)
    today = datetime.now(UTC).date()
    national = progress_over_time(database, Actor.system(), OPERATION, today, weeks=4)
    assert len(national.weeks) == 4 and national.weeks[-1].weekday() == 0
    assert national.cumulative["packages issued"][-1] == 3
    assert national.cumulative["arrests and voluntary interviews"][-1] == 2
    assert national.cumulative["charged"] == [0, 0, 0, 0]
    met = progress_over_time(database, supervisor(MET), OPERATION, today, weeks=4)
    assert met.cumulative["packages issued"][-1] == 2
    assert met.cumulative["arrests and voluntary interviews"][-1] == 1


def test_totals_run_on_and_earlier_events_count_in_the_first_week() -> None:
    mondays = [date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)]
    per_day = [
        ("2026-10-01", 2),  # before the window (SQLite answers the day as text)
        (date(2026, 11, 10), 1),  # PostgreSQL as a date
        ("2026-11-15", 3),  # Sunday: still the second week
        ("2026-11-20", 1),
        ("2026-12-01", 5),  # after the window: not counted
    ]
    assert _cumulative(per_day, mondays) == [2, 6, 7]


def test_the_line_chart_draws_every_series_with_values() -> None:
    svg = str(line_chart("Progress", ["02 Nov", "09 Nov"], {"a & b": [1, 3], "c": [0, 2]}))
    assert svg.count("<polyline") == 2 and 'aria-label="Progress"' in svg
    assert "a &amp; b, week of 09 Nov: 3" in svg and "<script" not in svg
