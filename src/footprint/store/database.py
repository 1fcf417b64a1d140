"""The database: one engine per URL, a unit of work per request or command, migrations."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from footprint.store import writer_gate

T = TypeVar("T")


def aware_utc(moment: datetime) -> datetime:
    """Times are stored in UTC; SQLite hands them back without their zone, PostgreSQL with it."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def chunks(items: Sequence[T], size: int = 500) -> Iterator[list[T]]:
    """Slices of at most `size`: IN lists stay within what every database accepts."""
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # with WAL, NORMAL never corrupts and survives an application crash; a power cut may lose
    # the last transactions (every job here resumes from what was committed)
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB of pages
    # reads straight from the mapped file: every request writes its audit entries, and a write
    # by another connection empties each connection's page cache at its next read
    cursor.execute("PRAGMA mmap_size=1073741824")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


READ_ONLY = "footprint_read_only"  # set in a connection's info while Database.read_only holds it


class WriteWhileReading(RuntimeError):
    """A write statement inside Database.read_only: a programming error, refused before it runs
    (on PostgreSQL it would otherwise commit at once, outside any unit of work)."""


def _refuse_writes_while_reading(
    connection: Any, _cursor: Any, statement: str, *_args: Any
) -> None:
    if connection.info.get(READ_ONLY) and writer_gate.is_write(statement):
        raise WriteWhileReading(f"a write in a read-only unit of work: {statement[:60]!r}")


def make_engine(url: str, **options: Any) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, **options)
    event.listen(engine, "before_cursor_execute", _refuse_writes_while_reading)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        if writer_gate.wanted(engine.url.database):
            writer_gate.install(engine, Path(str(engine.url.database)))
    return engine


class Database:
    def __init__(self, url: str, **engine_options: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_options)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """Everything inside commits together, or nothing does."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def read_only(self) -> Iterator[Session]:
        """A unit of work that only reads (a write in it raises WriteWhileReading). On
        PostgreSQL its statements run outside a transaction, sparing a BEGIN and a COMMIT round
        trip: each sees what was committed when it started, as it would in the READ COMMITTED
        transaction of a unit of work. (SQLite's driver runs reads outside one already.)"""
        with self.engine.connect() as connection:
            if connection.dialect.name == "postgresql":  # set back when the pool takes it back
                connection.execution_options(isolation_level="AUTOCOMMIT")
            connection.info[READ_ONLY] = True
            try:
                with Session(bind=connection, expire_on_commit=False) as session:
                    yield session
            finally:
                connection.info.pop(READ_ONLY, None)

    def upgrade(self) -> None:
        """Bring the schema to the newest migration (reference data is loaded a layer up:
        footprint.security.reference_data.prepare_database)."""
        config = Config()
        config.set_main_option("script_location", str(files("footprint.store") / "migrations"))
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def dispose(self) -> None:
        self.engine.dispose()
