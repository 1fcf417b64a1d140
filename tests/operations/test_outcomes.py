"""The bail clock and the outcome vocabularies (pure)."""

from __future__ import annotations

from datetime import date

import pytest

from footprint.operations.outcomes import (
    AgeBand,
    BailStage,
    OutcomeError,
    add_months,
    bail_condition,
    bail_expiry,
    choice,
    next_stage,
)


@pytest.mark.parametrize(
    ("start", "stage", "last_day"),
    [
        (date(2026, 11, 3), BailStage.INITIAL, date(2027, 2, 2)),
        (date(2026, 1, 31), BailStage.INITIAL, date(2026, 4, 30)),  # no 31 April
        (date(2027, 11, 30), BailStage.INITIAL, date(2028, 2, 29)),  # leap year, no 30 Feb
        (date(2026, 1, 10), BailStage.SIX_MONTHS, date(2026, 7, 9)),
        (date(2026, 1, 10), BailStage.NINE_MONTHS, date(2026, 10, 9)),
        (date(2026, 12, 15), BailStage.NINE_MONTHS, date(2027, 9, 14)),
    ],
)
def test_bail_runs_months_beginning_with_its_first_day(
    start: date, stage: BailStage, last_day: date
) -> None:
    assert bail_expiry(start, stage) == last_day


def test_stages_and_the_court() -> None:
    assert [next_stage(s) for s in BailStage] == [
        BailStage.SIX_MONTHS,
        BailStage.NINE_MONTHS,
        BailStage.COURT,
        BailStage.COURT,
    ]
    with pytest.raises(OutcomeError, match="the date the court set"):
        bail_expiry(date(2026, 1, 1), BailStage.COURT)
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)


def test_choices_name_the_field_and_accept_usual_conditions() -> None:
    assert choice(AgeBand, " 0-4 ", "age_band") is AgeBand.UNDER_5
    with pytest.raises(OutcomeError, match="age_band: 'teen' is not one of: 0-4, 5-10"):
        choice(AgeBand, "teen", "age_band")
    assert bail_condition("no-unsupervised-contact").startswith("no unsupervised contact")
    assert bail_condition(" stay out of Hyde Park ") == "stay out of Hyde Park"
