"""How a list is read: a page at a time, in an order the reader picks from those the list
offers, kept to the filters chosen from fixed choices. A list's statement is built once for
each reader kind, order and set of filters (the values are bound when it runs), so that a page
costs one indexed query however it is asked for."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import SQLColumnExpression, case

from footprint.errors import Invalid
from footprint.operations.risk import ORDER


@dataclass(frozen=True, slots=True)
class Order:
    key: str
    descending: bool = False

    def __str__(self) -> str:  # as a query string writes it: "risk", "-risk"
        return ("-" if self.descending else "") + self.key

    def flipped(self) -> Order:
        return Order(self.key, not self.descending)


def order_from(text: str | None, keys: Iterable[str], default: str) -> Order:
    """'risk' is ascending, '-risk' descending; anything else is refused naming the choices."""
    raw = (text or "").strip().lower() or default
    key = raw.removeprefix("-")
    allowed = list(keys)
    if key not in allowed:
        raise Invalid(f"sort: {text!r} is not one of {', '.join(allowed)} (a leading - reverses)")
    return Order(key, raw.startswith("-"))


def chosen(value: str | None, choices: Iterable[str], field: str) -> str | None:
    """A filter's value from its fixed choices; empty means no filter."""
    text = (value or "").strip().lower()
    if not text:
        return None
    allowed = [str(c) for c in choices]
    if text not in allowed:
        raise Invalid(f"{field}: {value!r} is not one of {', '.join(allowed)}")
    return text


def ordered_by(
    order: Order, columns: Mapping[str, SQLColumnExpression[Any]], tie: SQLColumnExpression[Any]
) -> list[SQLColumnExpression[Any]]:
    """ORDER BY the chosen column, then `tie` in the same direction (a stable page order)."""
    column = columns[order.key]
    if order.descending:
        return [column.desc(), tie.desc()]
    return [column.asc(), tie.asc()]


def band_rank(column: SQLColumnExpression[Any]) -> SQLColumnExpression[Any]:
    """A risk band as its rank (low 0 ... very-high 3): bands sort by risk, not by spelling."""
    return case({band.value: rank for rank, band in enumerate(ORDER)}, value=column, else_=-1)
