"""Fixtures: a real database per test on each engine, and a clock tests can move.

``store`` (and ``database``, what it opens) run every test that uses them twice: on an
SQLite file in ``tmp_path`` and on a fresh PostgreSQL database (:mod:`tests.postgres`).
Tests of something only SQLite has (files, WAL bytes, PRAGMAs, kill -9 of a writer on a
file) are marked ``sqlite_only`` and run once.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage.store import Store, open_store
from tests.postgres import ENGINES


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "engine" in metafunc.fixturenames:
        if metafunc.definition.get_closest_marker("sqlite_only"):
            engines: list[object] = ["sqlite"]
        elif metafunc.definition.get_closest_marker("slow_on_postgres"):
            engines = ["sqlite", pytest.param("postgres", marks=pytest.mark.slow)]
        else:
            engines = list(ENGINES)
        metafunc.parametrize("engine", engines, indirect=True)


class FakeClock:
    """Starts at a fixed instant; ``advance`` moves it. Each read ticks 1 ms forward so
    writes made one after another get distinct, ordered times."""

    def __init__(self, start: datetime = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "bot.db"


@pytest.fixture
def engine(request: pytest.FixtureRequest) -> str:
    """``sqlite`` or ``postgres`` (every test using it runs on both, see above)."""
    return str(request.param)


@pytest.fixture
def database(engine: str, db_path: Path, request: pytest.FixtureRequest) -> Path | str:
    """What :func:`~storage.store.open_store` opens: a file, or a fresh PostgreSQL database."""
    if engine == "sqlite":
        return db_path
    return str(request.getfixturevalue("postgres_url"))


FreshDatabase = Callable[[], AbstractContextManager[Path | str]]


@pytest.fixture
def fresh_database(engine: str, request: pytest.FixtureRequest) -> FreshDatabase:
    """Makes an empty database on the test's engine each time it is called (property tests
    open one per example); SQLite's file is removed when the ``with`` block ends."""
    server = request.getfixturevalue("postgres_server") if engine == "postgres" else None

    @contextmanager
    def make() -> Iterator[Path | str]:
        if server is None:
            with tempfile.TemporaryDirectory() as directory:
                yield Path(directory) / "bot.db"
            return
        yield server.clean_database()

    return make


@pytest.fixture
async def store(database: Path | str, clock: FakeClock) -> AsyncIterator[Store]:
    async with await open_store(database, clock=clock) as opened:
        yield opened
