"""Disk full, read-only or locked database: the member hears "could not save, try again later",
the moderators are told once per incident, and writes work again as soon as the cause goes.

Every failure is a real SQLite error on a real file: a full disk is ``PRAGMA max_page_count``
at the file's current size, a read-only database is the same file opened ``mode=ro``, a lock
is a second connection holding the write lock.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import aiosqlite
import pytest
from discord import app_commands

from bot.errors import SAVE_FAILED, answer_error
from bot.storage_alarm import StorageAlarm
from storage.db import Database, _SqliteReads, _WriterThread, migrate
from storage.errors import DatabaseUnreadableError, write_problem
from storage.store import Store, open_store
from tests.bot.fakes import FakeInteraction

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
NOTE = "x" * 200


class Moderators:
    """Records what ``notify_moderators`` would have sent."""

    def __init__(self) -> None:
        self.told: list[tuple[int, str]] = []

    async def __call__(self, guild_id: int, text: str) -> None:
        self.told.append((guild_id, text))


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    async with await open_store(tmp_path / "bot.db", clock=lambda: NOW) as opened:
        yield opened


async def fill_the_disk(store: Store) -> sqlite3.Error:
    """Cap the file at its current size, then write until SQLite says it is full."""
    (pages,) = (await store.db.fetch("PRAGMA page_count"))[0]
    await store.db.execute(f"PRAGMA max_page_count = {pages:d}")
    for user in range(1, 10_000):
        try:
            await store.progress.record_completion(1, user, "c1", points=1, note=NOTE)
        except sqlite3.Error as error:
            return error
    raise AssertionError("the database never filled up")


async def answer(error: BaseException, alarm: StorageAlarm, guild_id: int = 1) -> str:
    interaction = FakeInteraction(
        guild_id=guild_id, client=SimpleNamespace(storage_alarm=alarm, closing=False)
    )
    wrapped = app_commands.CommandInvokeError(SimpleNamespace(name="done"), error)  # type: ignore[arg-type]
    await answer_error(interaction, wrapped)  # type: ignore[arg-type]
    (sent,) = interaction.sent
    assert sent.kwargs == {"ephemeral": True}
    return str(sent.args[0])


async def test_disk_full_is_answered_told_once_and_recovers_without_restart(
    store: Store,
) -> None:
    error = await fill_the_disk(store)
    problem = write_problem(error)
    assert problem is not None
    assert problem.kind == "full"
    moderators, clock = Moderators(), Clock()
    alarm = StorageAlarm(moderators, clock=clock)

    assert await answer(error, alarm) == SAVE_FAILED
    clock.now += 60
    again = await fill_the_disk(store)
    assert await answer(again, alarm) == SAVE_FAILED
    assert await answer(again, alarm, guild_id=2) == SAVE_FAILED

    # Once per guild in this incident, saying what to do.
    assert [guild for guild, _ in moderators.told] == [1, 2]
    assert "disk holding the database is full" in moderators.told[0][1]

    # Space comes back: the same open store takes the write, no restart.
    await store.db.execute("PRAGMA max_page_count = 1073741823")
    result = await store.progress.record_completion(1, 99_999, "c1", points=1, note=NOTE)
    assert result.recorded

    # A failure long after is a new incident: the moderators hear about it again.
    clock.now += 31 * 60
    await store.db.execute("PRAGMA max_page_count = 1")  # below the size: every new page fails
    late = await fill_the_disk(store)
    assert await answer(late, alarm) == SAVE_FAILED
    assert [guild for guild, _ in moderators.told] == [1, 2, 1]
    assert alarm.incidents == 2


async def test_read_only_database(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    version = migrate(path)
    uri = f"{path.as_uri()}?mode=ro"
    # The same file opened read-only, as the writer thread's connection (storage.db's own
    # writer class: only its connection differs from what open_database builds).
    writer = _WriterThread(
        lambda: sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    )
    reader = await aiosqlite.connect(uri, uri=True, isolation_level=None)
    async with Store.over(Database(path, writer, _SqliteReads(reader), version)) as store:
        with pytest.raises(sqlite3.Error) as caught:
            await store.progress.record_completion(1, 7, "c1", points=1)
    problem = write_problem(caught.value)
    assert problem is not None
    assert problem.kind == "read_only"
    moderators = Moderators()
    assert await answer(caught.value, StorageAlarm(moderators)) == SAVE_FAILED
    assert "read-only" in moderators.told[0][1]


async def test_locked_database_says_another_process_may_hold_it(store: Store) -> None:
    await store.db.execute("PRAGMA busy_timeout = 50")
    other = sqlite3.connect(store.db.path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(sqlite3.Error) as caught:
            await store.progress.record_completion(1, 7, "c1", points=1)
    finally:
        other.execute("ROLLBACK")
        other.close()
    problem = write_problem(caught.value)
    assert problem is not None
    assert problem.kind == "locked"
    assert "another process may hold it" in problem.advice
    moderators = Moderators()
    assert await answer(caught.value, StorageAlarm(moderators)) == SAVE_FAILED
    assert "another process may hold it" in moderators.told[0][1]
    # The lock is gone: the write goes through.
    assert (await store.progress.record_completion(1, 7, "c1", points=1)).recorded


def test_other_database_errors_stay_bugs() -> None:
    with pytest.raises(sqlite3.Error) as caught:
        sqlite3.connect(":memory:").execute("SELECT * FROM no_such_table")
    assert write_problem(caught.value) is None
    assert write_problem(RuntimeError("database or disk is full")) is None  # text is not enough


@pytest.mark.slow  # waits out SQLite's 5 s busy timeout
async def test_locked_at_start_up_says_another_process_may_hold_it(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    migrate(path)
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(DatabaseUnreadableError, match="Another process may hold it"):
            await open_store(path, verify=False)
    finally:
        other.execute("ROLLBACK")
        other.close()
