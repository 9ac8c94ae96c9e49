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
from storage.store import Store
from tests.scheduler.doubles import guild, new_store
from tests.scheduler.fakes import FakeClock


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """The bundled content (read once)."""
    return load_catalog()


@pytest.fixture
async def store(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Store]:
    """A real SQLite store on ``tmp_path`` with ``doubles.guild()`` configured."""
    store = await new_store(tmp_path, clock)
    await store.settings.save(guild())
    yield store
    await store.close()
