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


def make_engine(url: str, **options: Any) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, **options)
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

    def upgrade(self) -> None:
        """Bring the schema to the newest migration, then load reference data."""
        from footprint.store.reference_data import load_organisations

        config = Config()
        config.set_main_option("script_location", str(files("footprint.store") / "migrations"))
        with self.engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
        with self.unit_of_work() as session:
            load_organisations(session)

    def dispose(self) -> None:
        self.engine.dispose()
