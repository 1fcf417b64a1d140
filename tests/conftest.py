"""Shared fixtures. Conformance data is read from ../shared/ (beside the clone, as in CI)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

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
