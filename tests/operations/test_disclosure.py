"""Disclosure control: primary and secondary suppression, checked against an exhaustive attacker."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from footprint.operations.disclosure import (
    SUPPRESSED,
    TOTAL,
    Cell,
    ProtectedTable,
    Relation,
    protect,
    round_to_5,
    small_differences,
)

COLUMNS = ["issued", "outstanding", "arrests", "safeguarded", "at_risk"]
RELATIONS = [Relation("outstanding", "issued"), Relation("at_risk", "safeguarded")]
# the attacker works on each group of related columns at once
COMPONENTS = [("issued", "outstanding"), ("arrests",), ("safeguarded", "at_risk")]


def _compositions(total: int, parts: int) -> Iterator[tuple[int, ...]]:
    if parts == 0:
        if total == 0:
            yield ()
        return
    for first in range(total + 1):
        for rest in _compositions(total - first, parts - 1):
            yield (first, *rest)


def _column_candidates(
    table: ProtectedTable, column: str
) -> tuple[list[Cell], list[tuple[int, ...]]]:
    """Every assignment of the column's hidden cells consistent with its published cells and
    total. Without a published total the cells are unbounded; the search stops one above the
    largest true value, which can only make this attacker stronger than it should be."""
    hidden = [(r, column) for r in table.rows if (r, column) in table.hidden]
    shown = sum(int(table.published((r, column))) for r in table.rows if (r, column) not in hidden)
    if (TOTAL, column) in table.hidden:
        cap = max((table.values[c] for c in hidden), default=0) + 1
        return hidden, list(itertools.product(range(cap + 1), repeat=len(hidden)))
    return hidden, list(_compositions(int(table.published((TOTAL, column))) - shown, len(hidden)))


def feasible_values(
    table: ProtectedTable, components: list[tuple[str, ...]] = COMPONENTS
) -> dict[Cell, set[int]]:
    """What an attacker can say about each hidden cell: every value some consistent table has."""
    feasible: dict[Cell, set[int]] = {}
    for component in components:
        per_column = [_column_candidates(table, column) for column in component]
        cells = [cell for hidden, _ in per_column for cell in hidden]
        for combo in itertools.product(*(candidates for _, candidates in per_column)):
            guess = dict(zip(cells, itertools.chain.from_iterable(combo), strict=True))

            def value(cell: Cell, guess: dict[Cell, int] = guess) -> int:
                if cell in guess:
                    return guess[cell]
                if cell[0] == TOTAL and cell in table.hidden:
                    return sum(value((r, cell[1])) for r in table.rows)
                return int(table.published(cell))

            if all(
                value((row, r.part)) <= value((row, r.whole))
                for r in RELATIONS
                if r.part in component
                for row in [*table.rows, TOTAL]
            ):
                for cell, v in guess.items():
                    feasible.setdefault(cell, set()).add(v)
    return feasible


@st.composite
def tables(draw: st.DrawFn) -> dict[str, dict[str, int]]:
    rows = draw(st.integers(2, 3))
    small = st.integers(0, 9)
    counts = {}
    for i in range(rows):
        issued, safeguarded = draw(small), draw(small)
        counts[f"R{i}"] = {
            "issued": issued,
            "outstanding": draw(st.integers(0, issued)),
            "arrests": draw(small),
            "safeguarded": safeguarded,
            "at_risk": draw(st.integers(0, safeguarded)),
        }
    return counts


@settings(max_examples=150, deadline=None)
@given(tables())
def test_no_suppressed_value_can_be_recovered(counts: dict[str, dict[str, int]]) -> None:
    table = protect(counts, COLUMNS, RELATIONS)
    feasible = feasible_values(table)
    for cell in table.hidden:
        if cell[0] == TOTAL:
            continue
        assert table.values[cell] in feasible[cell]  # the attacker's search is sound
        assert len(feasible[cell]) >= 2, f"{cell} is recoverable as {feasible[cell]}"


@settings(max_examples=150, deadline=None)
@given(tables(), st.booleans())
def test_counts_below_5_never_shown_and_totals_add_up(
    counts: dict[str, dict[str, int]], rounded: bool
) -> None:
    table = protect(counts, COLUMNS, RELATIONS, rounded=rounded)
    for row in table.as_rows():
        for column in COLUMNS:
            shown = row[column]
            cell = (str(row["row"]), column)
            if shown == SUPPRESSED:
                continue
            assert table.values[cell] >= 5
            assert shown == (round_to_5(table.values[cell]) if rounded else table.values[cell])
            if rounded:
                assert isinstance(shown, int) and shown % 5 == 0
    for column in COLUMNS:
        assert table.values[TOTAL, column] == sum(counts[r][column] for r in counts)


def test_primary_suppression_alone_would_leak_and_secondary_closes_it() -> None:
    counts = {"R0": {"arrests": 2}, "R1": {"arrests": 10}, "R2": {"arrests": 12}}
    table = protect(counts, ["arrests"])
    assert table.primary == {("R0", "arrests")}
    assert table.hidden == {("R0", "arrests"), ("R1", "arrests")}  # the smallest other cell
    assert feasible_values(table, [("arrests",)])[("R0", "arrests")] == set(range(13))
    naive = ProtectedTable(
        table.rows, table.columns, table.values, table.primary, table.primary, False
    )
    assert feasible_values(naive, [("arrests",)]) == {("R0", "arrests"): {2}}  # 24 - 10 - 12


def test_related_columns_are_protected_together() -> None:
    # at-risk 6 on R0 would pin safeguarded on R0 were only the small cells hidden
    counts = {
        "R0": {"safeguarded": 6, "at_risk": 6},
        "R1": {"safeguarded": 3, "at_risk": 0},
        "R2": {"safeguarded": 9, "at_risk": 1},
    }
    columns = ["safeguarded", "at_risk"]
    table = protect(counts, columns, [Relation("at_risk", "safeguarded")])
    assert ("R1", "safeguarded") in table.hidden and ("R1", "at_risk") in table.hidden
    feasible = feasible_values(table, [("safeguarded", "at_risk")])
    assert feasible and all(len(values) >= 2 for values in feasible.values())


def test_negative_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="R0/arrests: a count cannot be negative"):
        protect({"R0": {"arrests": -1}}, ["arrests"])


def test_small_differences_between_releases_are_flagged() -> None:
    before: dict[Cell, int | str] = {
        ("R0", "arrests"): 20,
        (TOTAL, "arrests"): 40,
        ("R1", "arrests"): SUPPRESSED,
    }
    after: dict[Cell, int | str] = {
        ("R0", "arrests"): 22,
        (TOTAL, "arrests"): 50,
        ("R1", "arrests"): 7,
    }
    assert small_differences(before, after) == ["R0/arrests: changed by 2 since the last release"]
