from __future__ import annotations

from collections.abc import Iterator

import pytest

from footprint.store import Database
from tests.conftest import fresh_database_url
from tests.web.site import Site, build_site


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """One served operation per test module (signing users up costs an argon2 hash each)."""
    folder = tmp_path_factory.mktemp("web")
    with fresh_database_url(folder) as url:
        db = Database(url)
        yield build_site(db, folder)
        db.dispose()
