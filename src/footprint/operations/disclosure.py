"""Disclosure control for published figures (pure).

A table is rows (forces) by columns (measures) of counts, published with a national total per
column. Primary suppression hides every count below 5 (totals too). Secondary suppression then
hides more cells until no hidden cell can be worked out by someone who knows:

- every published cell and total exactly, and that each total is the sum of its column;
- that counts are whole numbers, never negative;
- the relations between measures (children at immediate risk are part of children safeguarded,
  on every row and in the totals).

The proof is constructive: for every hidden cell we find another table, consistent with all of the
above, in which that cell has a different value (a "witness"). A cell without one gets company:
the smallest published cell of its column is hidden too, and the search starts again. The
property tests check the result against an exhaustive search.

Rounding to 5 is optional and applied after suppression, to the published cells only.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

SUPPRESSED = "[c]"
THRESHOLD = 5
TOTAL = "total"

Cell = tuple[str, str]  # (row, column); row TOTAL is the national total


@dataclass(frozen=True, slots=True)
class Relation:
    """On every row, the part's count is at most the whole's."""

    part: str
    whole: str


@dataclass(frozen=True, slots=True)
class ProtectedTable:
    rows: list[str]
    columns: list[str]
    values: dict[Cell, int]  # the true counts, totals included (never published as such)
    hidden: frozenset[Cell]
    primary: frozenset[Cell]
    rounded: bool

    def published(self, cell: Cell) -> int | str:
        if cell in self.hidden:
            return SUPPRESSED
        value = self.values[cell]
        return round_to_5(value) if self.rounded else value

    def as_rows(self) -> list[dict[str, int | str]]:
        """One dict per row, the national total last."""
        table: list[dict[str, int | str]] = []
        for row in [*self.rows, TOTAL]:
            cells: dict[str, int | str] = {"row": row}
            cells.update({c: self.published((row, c)) for c in self.columns})
            table.append(cells)
        return table


def round_to_5(value: int) -> int:
    return 5 * ((value + 2) // 5)


def protect(
    counts: Mapping[str, Mapping[str, int]],
    columns: Sequence[str],
    relations: Sequence[Relation] = (),
    rounded: bool = False,
) -> ProtectedTable:
    """counts[row][column] -> the table to publish, with primary and secondary suppression."""
    rows = list(counts)
    values: dict[Cell, int] = {}
    for row in rows:
        for column in columns:
            value = counts[row][column]
            if value < 0:
                raise ValueError(f"{row}/{column}: a count cannot be negative ({value})")
            values[row, column] = value
    for column in columns:
        values[TOTAL, column] = sum(counts[row][column] for row in rows)
    primary = frozenset(cell for cell, value in values.items() if value < THRESHOLD)
    hidden = set(primary)
    checker = _Witnesses(rows, list(columns), relations, values, hidden)
    while (exposed := checker.first_exposed()) is not None:
        hidden.add(_companion(rows, exposed[1], checker.linked[exposed[1]], values, hidden))
    return ProtectedTable(rows, list(columns), values, frozenset(hidden), primary, rounded)


def _companion(
    rows: list[str], column: str, linked: list[str], values: dict[Cell, int], hidden: set[Cell]
) -> Cell:
    """The next cell to hide for an exposed cell of `column`: its column's smallest published
    cell, else the column total, else the same in the related columns."""
    for candidate_column in [column, *linked]:
        open_cells = [
            (values[r, candidate_column], i, (r, candidate_column))
            for i, r in enumerate(rows)
            if (r, candidate_column) not in hidden
        ]
        if open_cells:
            return min(open_cells)[2]
        if (TOTAL, candidate_column) not in hidden:
            return (TOTAL, candidate_column)
    raise AssertionError(f"{column}: everything is hidden and a cell is still exposed")


class _Witnesses:
    """Finds, for a hidden cell, a small change to the true table that stays consistent with
    everything published."""

    def __init__(
        self,
        rows: list[str],
        columns: list[str],
        relations: Sequence[Relation],
        values: dict[Cell, int],
        hidden: set[Cell],
    ) -> None:
        self.rows, self.columns, self.values, self.hidden = rows, columns, values, hidden
        self.relations = relations
        self.witnessed: set[Cell] = set()  # hiding more never takes a witness away
        self.linked: dict[str, list[str]] = {c: [] for c in columns}
        for relation in relations:
            self.linked[relation.part].append(relation.whole)
            self.linked[relation.whole].append(relation.part)

    def first_exposed(self) -> Cell | None:
        for cell in sorted(self.hidden - self.witnessed):
            if cell[0] == TOTAL:
                continue
            if not self.has_witness(cell):
                return cell
            self.witnessed.add(cell)
        return None

    def has_witness(self, cell: Cell) -> bool:
        return any(self._consistent(move) for move in self._moves(cell))

    def _moves(self, cell: Cell) -> Iterator[dict[Cell, int]]:
        """Shift the cell by one, balanced within its column (unless the column's total is
        hidden); then the same with the related column shifted on the same row, balanced
        within that column, for when the relation is tight."""
        row, column = cell
        for delta in (1, -1):
            for balance in self._balances(column, row, delta):
                move = {cell: delta} | balance
                yield move
                for linked in self.linked[column]:
                    if (row, linked) not in self.hidden:
                        continue
                    for linked_balance in self._balances(linked, row, delta):
                        yield move | {(row, linked): delta} | linked_balance

    def _balances(self, column: str, row: str, delta: int) -> Iterator[dict[Cell, int]]:
        if (TOTAL, column) in self.hidden:
            yield {}
        for other in self.rows:
            cell = (other, column)
            if other != row and cell in self.hidden and self.values[cell] - delta >= 0:
                yield {cell: -delta}

    def _consistent(self, move: dict[Cell, int]) -> bool:
        changed = {cell: self.values[cell] + delta for cell, delta in move.items()}
        if any(value < 0 for value in changed.values()):
            return False
        totals: dict[str, int] = {}
        for (_, column), delta in move.items():
            totals[column] = totals.get(column, 0) + delta
        for column, delta in totals.items():
            if delta and (TOTAL, column) not in self.hidden:
                return False  # a published total would change
            changed[TOTAL, column] = self.values[TOTAL, column] + delta

        def value(cell: Cell) -> int:
            return changed.get(cell, self.values[cell])

        affected_rows = {row for row, _ in changed}
        return all(
            value((row, r.part)) <= value((row, r.whole))
            for r in self.relations
            for row in affected_rows
        )


def small_differences(
    previous: Mapping[Cell, int | str], current: Mapping[Cell, int | str]
) -> list[str]:
    """Published cells that changed by less than the threshold between two releases: the
    difference itself is a small count someone could single out."""
    warnings = []
    for cell, now in current.items():
        before = previous.get(cell)
        if isinstance(now, int) and isinstance(before, int) and 0 < abs(now - before) < THRESHOLD:
            warnings.append(
                f"{cell[0]}/{cell[1]}: changed by {abs(now - before)} since the last release"
            )
    return warnings
