"""Shared fixtures. Conformance data is read from ../shared/ (beside the clone, as in CI)."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from footprint.security.reference_data import prepare_database
from footprint.store import Database

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
PDQ_DIR = SHARED / "conformance" / "pdq"


@pytest.fixture(scope="session")
def pdq_expected() -> dict[str, dict[str, Any]]:
    expected = PDQ_DIR / "expected.json"
    if not expected.exists():
        pytest.fail(f"conformance data missing: {expected} (../shared must sit beside the repo)")
    data: dict[str, dict[str, Any]] = json.loads(expected.read_text())
    return data


def pdq_image_bytes(name: str) -> bytes:
    return (PDQ_DIR / name).read_bytes()


def _postgres_schema_url(base_url: str, schema: str) -> str:
    joiner = "&" if "?" in base_url else "?"
    return f"{base_url}{joiner}options=-csearch_path%3D{schema}"


@contextmanager
def fresh_database_url(folder: Path) -> Iterator[str]:
    """A fresh, migrated database: SQLite by default; when FOOTPRINT_DATABASE_URL names
    PostgreSQL (the second CI pass), a schema of its own in that database."""
    base_url = os.environ.get("FOOTPRINT_DATABASE_URL", "")
    if not base_url.startswith("postgresql"):
        url = f"sqlite:///{folder}/footprint.db"
        prepare_database(Database(url))
        yield url
        return
    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = create_engine(base_url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = _postgres_schema_url(base_url, schema)
    db = Database(url)
    prepare_database(db)
    db.dispose()
    try:
        yield url
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    with fresh_database_url(tmp_path) as url:
        yield url


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    db = Database(database_url)
    yield db
    db.dispose()


@pytest.fixture(autouse=True)
def _no_personal_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never act as the developer's own user or risk model."""
    for name in ("FOOTPRINT_USER", "FOOTPRINT_RISK_MODEL", "FOOTPRINT_CONFIG"):
        monkeypatch.delenv(name, raising=False)
