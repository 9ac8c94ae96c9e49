"""Fixtures the scheduler tests share: the bundled catalog, and a store whose one guild posts
Mondays 09:00 UTC from 2026-W48 (``doubles.guild()``), stamped by the module's ``clock``.

Each test module defines its own ``clock`` fixture (where "now" starts differs by module).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from content.loader import load_catalog
from content.models import Catalog
from storage.store import Store, open_store
from tests.scheduler.doubles import guild
from tests.scheduler.fakes import FakeClock


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """The bundled content (read once)."""
    return load_catalog()


# The scheduler holds no SQL (the storage tests run on both engines in the fast tier): its
# PostgreSQL runs, ~100 tests, are in the full suite only.
@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.slow)])
def database(tmp_path: Path, request: pytest.FixtureRequest) -> Path | str:
    """Where ``store`` lives: an SQLite file on ``tmp_path`` (the one ``doubles.new_store``
    opens), or an empty PostgreSQL database (tests/postgres.py)."""
    if request.param == "postgres":
        return str(request.getfixturevalue("postgres_url"))
    return tmp_path / "db.sqlite3"


@pytest.fixture
async def store(database: Path | str, clock: FakeClock) -> AsyncIterator[Store]:
    """A real store with ``doubles.guild()`` configured, on each engine in turn."""
    store = await open_store(database, clock=clock.now)
    await store.settings.save(guild())
    yield store
    await store.close()
