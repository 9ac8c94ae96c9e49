"""Shared fixtures: a fake Discord server on 127.0.0.1 (see tests/fakediscord), the test tiers,
and the ``bot_clock`` marker.

Tiers: ``python -m pytest -m "not slow"`` is the fast tier. Everything under ``tests/e2e`` and
``tests/ops`` (real bot processes) is ``slow`` by directory, and ``e2e`` too under tests/e2e (so
``-m "not slow or e2e"`` is the fast tier plus the end-to-end tests given); elsewhere a module
or test marks itself (brute force, property tests, subprocesses).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from tests.fakediscord.harness import GuildHandle
from tests.fakediscord.server import FakeDiscord
from tests.postgres import postgres_server, postgres_url

__all__ = ["postgres_server", "postgres_url"]  # fixtures for both engines (tests/postgres.py)

SLOW_DIRECTORIES = ("e2e", "ops")  # under tests/: every test there starts the bot as a process
TESTS = Path(__file__).resolve().parent


@pytest.hookimpl(tryfirst=True)  # before -m deselects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    slow = [TESTS / name for name in SLOW_DIRECTORIES]
    for item in items:
        if any(item.path.is_relative_to(directory) for directory in slow):
            item.add_marker(pytest.mark.slow)
        if item.path.is_relative_to(TESTS / "e2e"):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(autouse=True)
def _bot_clock(request: pytest.FixtureRequest) -> Iterator[None]:
    """``@pytest.mark.bot_clock("2026-12-02 15:00:00")``: the test runs at that instant.

    This process's wall clock moves there (time-machine, ticking) before the other fixtures
    start, and every bot process the test starts runs on the same clock (libfaketime); see
    ``tests/e2e/conftest.py``. Skips, saying why, where libfaketime is missing.
    """
    marker = request.node.get_closest_marker("bot_clock")
    if marker is None:
        yield
        return
    from tests.e2e.conftest import pinned_clock  # noqa: PLC0415  (only tests that pin need it)

    with pinned_clock(*marker.args):
        yield


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    """A running fake Discord with one guild; the test fails if it saw anything Discord rejects."""
    fake = FakeDiscord()
    fake.add_guild("ML Study Group", channels=("general", "challenges"))
    await fake.start()
    try:
        yield fake
    finally:
        await fake.close()
    fake.assert_no_failures()


@pytest.fixture
def fake_guild(fake_discord: FakeDiscord) -> GuildHandle:
    """The fake's guild, with a default member ``learner`` to act as."""
    return GuildHandle(fake_discord, next(iter(fake_discord.guilds.values())))
