"""Bulk writes straight through the driver's executemany, for the operation's million-row stages.

SQLAlchemy's executemany builds and converts a dictionary per row, which costs more than the
database's own work on plain rows. Here rows are tuples in a fixed column order and only the
columns whose type needs it (times and JSON on SQLite, for example) are converted, each by its
column type's own bind processor, so the stored values are exactly those the ORM would write.
"""

from __future__ import annotations

import functools
import gc
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import Connection, Table

Row = tuple[Any, ...]
P = ParamSpec("P")
R = TypeVar("R")
Converters = list[tuple[int, Callable[[Any], Any]]]


def _placeholder(connection: Connection) -> str:
    return "?" if connection.dialect.paramstyle == "qmark" else "%s"


def _converters(connection: Connection, table: Table, columns: Sequence[str]) -> Converters:
    dialect = connection.dialect
    converters: Converters = []
    for position, name in enumerate(columns):
        processor = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            converters.append((position, processor))
    return converters


def _converted(rows: Sequence[Row], converters: Converters) -> list[Row]:
    """Converted column by column (zip and map run in C; a loop per row cost more than the
    conversions)."""
    if not converters or not rows:
        return list(rows)
    columns: list[Sequence[Any]] = list(zip(*rows, strict=True))
    for position, convert in converters:
        columns[position] = list(map(convert, columns[position]))
    return list(zip(*columns, strict=True))


def insert_rows(
    connection: Connection, table: Table, columns: Sequence[str], rows: Sequence[Row]
) -> None:
    """INSERT every row (a tuple in `columns` order) in one executemany."""
    if not rows:
        return
    mark = _placeholder(connection)
    sql = (
        f"INSERT INTO {table.name} ({', '.join(columns)}) "
        f"VALUES ({', '.join(mark for _ in columns)})"
    )
    connection.exec_driver_sql(sql, _converted(rows, _converters(connection, table, columns)))


def update_rows(
    connection: Connection, table: Table, columns: Sequence[str], rows: Sequence[Row]
) -> None:
    """UPDATE by primary key `id`: each row is the new values in `columns` order, then the id."""
    if not rows:
        return
    mark = _placeholder(connection)
    assignments = ", ".join(f"{name} = {mark}" for name in columns)
    sql = f"UPDATE {table.name} SET {assignments} WHERE id = {mark}"
    connection.exec_driver_sql(
        sql, _converted(rows, _converters(connection, table, [*columns, "id"]))
    )


def reserve_ids(connection: Connection, table: Table, count: int) -> list[int]:
    """`count` new primary keys for `table`, so that child rows can be written without reading
    the parents back. PostgreSQL draws them from the table's sequence. SQLite takes the next
    after the highest, once this transaction holds the database's write lock (a no-op UPDATE
    takes it: the driver runs reads outside a transaction until the first write, so a plain
    read of the highest id could race another writer)."""
    if connection.dialect.name == "postgresql":
        drawn = connection.exec_driver_sql(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            (table.name, count),
        )
        return list(drawn.scalars())
    connection.exec_driver_sql(f"UPDATE {table.name} SET id = id WHERE 0")
    highest = connection.exec_driver_sql(f"SELECT max(id) FROM {table.name}").scalar() or 0
    return list(range(highest + 1, highest + 1 + count))


# Bulk stages allocate millions of short-lived rows and tuples; at Python's default thresholds
# (700, 10, 10) the cyclic collector ran so often over them that it cost a fifth of the
# operation benchmark (100,000 referrals: 55 s -> 43 s with these). Nothing in a batch forms
# cycles in bulk, so collecting less often only lets a few more seconds' garbage wait.
BULK_COLLECTOR_THRESHOLDS = (50_000, 20, 100)
_collector = threading.Lock()
_stages_running = 0
_thresholds_before: tuple[int, int, int] = gc.get_threshold()


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Raise the collector's thresholds while any bulk stage runs in this process (they are
    process-wide: the last stage out puts the previous ones back)."""
    global _stages_running, _thresholds_before
    with _collector:
        if _stages_running == 0:
            _thresholds_before = gc.get_threshold()
            gc.set_threshold(*BULK_COLLECTOR_THRESHOLDS)
        _stages_running += 1
    try:
        yield
    finally:
        with _collector:
            _stages_running -= 1
            if _stages_running == 0:
                gc.set_threshold(*_thresholds_before)


def bulk_stage(function: Callable[P, R]) -> Callable[P, R]:
    """Run `function` under fewer_collections."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with fewer_collections():
            return function(*args, **kwargs)

    return wrapper
