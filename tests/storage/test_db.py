"""Opening the database: PRAGMAs, migrations, and refusing files it must not touch.

Tests of files, PRAGMAs and SQLite's migrations take ``tmp_path`` and run on SQLite only;
those of the writer (transactions, group commit, savepoints, close) take ``database`` and
run on both engines (PostgreSQL's own start-up and migrations: ``test_pg.py``).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from storage import db as db_module
from storage.db import (
    APPLICATION_ID,
    Connection,
    Database,
    Migration,
    load_migrations,
    migrate,
    open_database,
)
from storage.errors import (
    DatabaseCorruptError,
    DatabaseTooNewError,
    DatabaseUnreadableError,
    MigrationError,
    UnrecognizedDatabaseError,
)
from tests.postgres import INTEGRITY_ERRORS, READ_ONLY_ERRORS

LATEST = len(load_migrations())
INSERT_MEMBER = "INSERT INTO members (guild_id, user_id, first_seen_us) VALUES (1, 1, 0)"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def schema(path: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT type, name, sql FROM sqlite_schema WHERE sql IS NOT NULL ORDER BY name"
        ).fetchall()
    conn.close()
    return rows


def seed(path: Path, version: int) -> None:
    """Data that a database at ``version`` could hold, written with that version's schema."""
    if version < 1:
        return
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute(
        "INSERT INTO guild_settings (guild_id, channel_id, weekday, post_time, timezone,"
        " season_start, season_start_us, updated_at_us)"
        " VALUES (1, 10, 0, '09:00', 'UTC', '2026-01-01', 1767225600000000, 0)"
    )
    # Claimed, then sent: the way every version's ledger does it (0004 refuses a post
    # inserted as sent).
    conn.execute(
        "INSERT INTO challenge_posts (guild_id, iso_week, challenge_id, channel_id, state,"
        " scheduled_for_us, claimed_at_us) VALUES (1, '2026-W01', 'c1', 10, 'claimed', 0, 0)"
    )
    conn.execute(
        "UPDATE challenge_posts SET state = 'sent', message_id = 99, posted_at_us = 0"
        " WHERE guild_id = 1 AND iso_week = '2026-W01'"
    )
    for user, at, points in (
        (7, 1_700_000_000_000_000, 5),
        (7, 1_800_000_000_000_000, 10),
        (8, 1_800_000_000_000_000, 10),
        (9, 1_800_000_000_000_000, 10),
    ):
        conn.execute(
            "INSERT OR IGNORE INTO members (guild_id, user_id, first_seen_us) VALUES (1, ?, 0)",
            (user,),
        )
        conn.execute(
            "INSERT INTO completions (guild_id, user_id, challenge_id, iso_week, points,"
            " completed_at_us, source) VALUES (1, ?, ?, '2026-W01', ?, ?, 'button')",
            (user, f"c{at}", points, at),
        )
    conn.close()


def test_migrations_are_numbered_without_gaps() -> None:
    assert [m.version for m in load_migrations()] == list(range(1, LATEST + 1))
    assert LATEST >= 2


async def test_open_empty_creates_directory_and_sets_pragmas(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / "bot.db"
    async with await open_database(path) as db:
        assert db.schema_version == LATEST
        assert await db.fetch("PRAGMA journal_mode") == [("wal",)]
        assert await db.fetch("PRAGMA foreign_keys") == [(1,)]
        assert await db.fetch("PRAGMA synchronous") == [(1,)]  # NORMAL
        assert (await db.fetch("PRAGMA busy_timeout"))[0][0] >= 1000
        assert await db.fetch("PRAGMA application_id") == [(APPLICATION_ID,)]
        assert await db.execute("PRAGMA foreign_keys") == [(1,)]
        # Commits never checkpoint: a thread of the database's own does (test_checkpoint.py).
        assert await db.execute("PRAGMA wal_autocheckpoint") == [(0,)]
    assert path.exists()


async def test_reader_connection_cannot_write(database: Path | str) -> None:
    async with await open_database(database) as db:
        with pytest.raises(READ_ONLY_ERRORS):
            await db.fetch("DELETE FROM members")


@pytest.mark.parametrize("start", range(LATEST))
def test_migrates_from_every_earlier_version(tmp_path: Path, start: int) -> None:
    fresh = tmp_path / "fresh.db"
    migrate(fresh)
    old = tmp_path / "old.db"
    assert migrate(old, target_version=start) == start
    seed(old, start)
    assert migrate(old) == LATEST
    assert schema(old) == schema(fresh)
    with sqlite3.connect(old) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        if start >= 1:  # 0002's backfill counted what 0001 already held
            totals = conn.execute(
                "SELECT points_all, completions_all, points_season, completions_season"
                " FROM members WHERE user_id = 7"
            ).fetchone()
            assert totals == (15, 2, 10, 1)
            # 0004's backfill: the one sent week, completed, is a run of one.
            streak = conn.execute(
                "SELECT best_streak, run_end, run_length, streaks_stale FROM members"
                " WHERE user_id = 7"
            ).fetchone()
            assert streak == (1, "2026-W01", 1, 0)
            # 0005: existing guilds get discussion threads (on), existing posts no thread row.
            assert conn.execute("SELECT threads FROM guild_settings").fetchall() == [(1,)]
            assert conn.execute("SELECT count(*) FROM post_threads").fetchone() == (0,)
        if 1 <= start < 7:  # 0007's backfill: per total, how many ranked members have it.
            counts = conn.execute(
                "SELECT period, points, members FROM rank_counts ORDER BY period, points"
            ).fetchall()
            assert counts == [("all_time", 10, 2), ("all_time", 15, 1), ("season", 10, 3)]
    conn.close()


#: Released migrations never change (issue 13): a database migrated by one release must
#: mean the same to the next. Fix a mistake with a new migration. Add each migration here
#: when it is released.
RELEASED = {
    "0001_initial.sql": "64751050ec5d392a26fadadd6f28c7ddd70333b8518e84e1f176be1870623de0",
    "0002_leaderboard_totals.sql": (
        "f96b3b5e53c9558cffafe89a36b745d2500698e0602ca9ccc7f07ef57b5a1104"
    ),
    "0003_schedule_timing_changed.sql": (
        "38edb1b432fc1617e38019db9de3c720942822791e95098abe1536084b0c4b48"
    ),
    "0004_streaks_on_write.sql": "8a754e5fed624cda5780fdc5eaaa905da94e254b92f706e33f8fc04f349f34e3",
}


def test_released_migrations_are_unchanged() -> None:
    found = {
        m.name: hashlib.sha256(m.sql.encode("utf-8")).hexdigest()
        for m in load_migrations()
        if m.name in RELEASED
    }
    assert found == RELEASED


def test_migrating_twice_is_a_no_op(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    migrate(path)
    before = schema(path)
    assert migrate(path) == LATEST
    assert schema(path) == before


def test_failed_migration_rolls_back_everything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "bot.db"
    migrate(path, target_version=1)
    before = schema(path)
    broken = (
        *load_migrations(),
        Migration(LATEST + 1, "9999_broken.sql", "CREATE TABLE t (x);\nSELECT nope FROM t;\n"),
    )
    monkeypatch.setattr(db_module, "load_migrations", lambda: broken)
    with pytest.raises(MigrationError, match=r"9999_broken\.sql"):
        migrate(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (1,)
        tables = conn.execute("SELECT count(*) FROM sqlite_schema WHERE name = 't'").fetchone()
        assert tables == (0,)
    conn.close()
    assert schema(path) == before


def test_statement_splitter_keeps_triggers_whole() -> None:
    script = (
        "CREATE TABLE a (x);\n"
        "CREATE TRIGGER t AFTER INSERT ON a\nBEGIN\n  SELECT 1;\n  SELECT 2;\nEND;\n"
        "-- trailing comment\n"
    )
    parts = list(db_module._statements(script))
    assert len(parts) == 3
    assert "SELECT 2;" in parts[1]


async def test_too_new_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    migrate(path)
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {LATEST + 5}")
    conn.close()
    before = digest(path)
    with pytest.raises(DatabaseTooNewError, match=f"version {LATEST + 5}.*up to {LATEST}"):
        await open_database(path)
    assert digest(path) == before


@pytest.mark.parametrize(
    "content",
    [b"this is not a database at all" * 100, b"\x00" * 4096, os.urandom(8192)],
    ids=["text", "zeros", "random"],
)
async def test_garbage_file_is_refused_untouched(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bot.db"
    path.write_bytes(content)
    with pytest.raises(DatabaseCorruptError, match="untouched"):
        await open_database(path)
    assert path.read_bytes() == content
    assert not path.with_name("bot.db-wal").exists()


async def _filled(path: Path) -> None:
    async with await open_database(path) as db:
        for i in range(3000):
            await db.execute(
                "INSERT INTO members (guild_id, user_id, display_name, first_seen_us)"
                " VALUES (1, ?, ?, 0)",
                (i, "x" * 50),
            )


async def test_corrupt_page_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    await _filled(path)
    data = bytearray(path.read_bytes())
    page = 4096
    assert len(data) > 6 * page
    data[4 * page : 5 * page] = b"\xff" * page  # scribble over a b-tree page
    path.write_bytes(bytes(data))
    with pytest.raises(DatabaseCorruptError, match=r"quick_check|malformed"):
        await open_database(path)
    assert path.read_bytes() == bytes(data)


async def test_truncated_file_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    await _filled(path)
    data = path.read_bytes()[: 3 * 4096]
    path.write_bytes(data)
    with pytest.raises(DatabaseCorruptError):
        await open_database(path)
    assert path.read_bytes() == data


async def test_foreign_sqlite_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    conn.close()
    before = digest(path)
    with pytest.raises(UnrecognizedDatabaseError, match="no schema version"):
        await open_database(path)
    assert digest(path) == before


async def test_other_application_id_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA application_id = 42")
        conn.execute("PRAGMA user_version = 1")
    conn.close()
    with pytest.raises(UnrecognizedDatabaseError, match="application_id"):
        await open_database(path)


async def test_directory_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(DatabaseUnreadableError, match="not a regular file"):
        await open_database(tmp_path)


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads anything")
async def test_unreadable_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    migrate(path)
    path.chmod(0)
    try:
        with pytest.raises(DatabaseUnreadableError):
            await open_database(path)
    finally:
        path.chmod(0o600)


async def test_unwritable_parent_directory_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(DatabaseUnreadableError, match="cannot open"):
        await open_database(blocker / "sub" / "bot.db")


async def test_empty_file_is_an_empty_database(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    path.write_bytes(b"")
    async with await open_database(path) as db:
        assert db.schema_version == LATEST


async def test_transaction_rolls_back_on_error(database: Path | str) -> None:
    async with await open_database(database) as db:

        async def fail_midway() -> None:
            async with db.transaction() as tx:
                await tx.execute(INSERT_MEMBER)
                raise RuntimeError("boom")

        with pytest.raises(RuntimeError):
            await fail_midway()
        assert await db.fetch("SELECT count(*) FROM members") == [(0,)]
        # The connection is usable again, and not stuck in a transaction.
        async with db.transaction() as tx:
            await tx.execute(INSERT_MEMBER)
        assert await db.fetch("SELECT count(*) FROM members") == [(1,)]


async def test_reader_never_sees_an_open_transaction(database: Path | str) -> None:
    async with await open_database(database) as db:
        async with db.transaction() as tx:
            await tx.execute(INSERT_MEMBER)
            assert await db.fetch("SELECT count(*) FROM members") == [(0,)]
        assert await db.fetch("SELECT count(*) FROM members") == [(1,)]


async def test_cancelled_transaction_leaves_the_connection_usable(database: Path | str) -> None:
    async with await open_database(database) as db:
        entered = asyncio.Event()

        async def slow_transaction() -> None:
            async with db.transaction() as tx:
                await tx.execute(INSERT_MEMBER)
                entered.set()
                await asyncio.sleep(10)

        task = asyncio.create_task(slow_transaction())
        await entered.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await db.fetch("SELECT count(*) FROM members") == [(0,)]
        # Cancelled while BEGIN is still queued on the thread.
        begin = asyncio.create_task(slow_transaction())
        await asyncio.sleep(0)
        begin.cancel()
        with pytest.raises(asyncio.CancelledError):
            await begin
        async with db.transaction() as tx:
            await tx.execute(INSERT_MEMBER)
        assert await db.fetch("SELECT count(*) FROM members") == [(1,)]


async def test_close_is_idempotent(database: Path | str) -> None:
    db = await open_database(database)
    await db.close()
    await db.close()


@pytest.mark.sqlite_only  # PostgreSQL has no epoch (other processes write): next test
async def test_write_epoch_moves_with_every_write(database: Path | str) -> None:
    async with await open_database(database) as db:
        before = db.write_epoch()
        assert before is not None
        await db.fetch("SELECT count(*) FROM members")
        assert db.write_epoch() == before  # reads do not move it
        async with db.transaction() as tx:
            assert db.write_epoch() is None  # a write is running
            await tx.execute(INSERT_MEMBER)
        after = db.write_epoch()
        assert after is not None
        assert after != before
        with pytest.raises(INTEGRITY_ERRORS):
            await db.execute(INSERT_MEMBER)  # a failed write moves it too, once settled
        await settled(db)
        assert db.write_epoch() not in (before, after)


async def test_write_epoch_is_none_where_other_processes_write(
    database: Path | str, engine: str
) -> None:
    async with await open_database(database) as db:
        assert (db.write_epoch() is None) == (engine == "postgres")
        await db.execute(INSERT_MEMBER)
        assert (db.write_epoch() is None) == (engine == "postgres")


async def settled(db: Database) -> int:
    """The epoch once no write is running (10 s at most); SQLite only."""
    for _ in range(10_000):
        epoch = db.write_epoch()
        if epoch is not None:
            return epoch
        await asyncio.sleep(0.001)
    raise AssertionError("the write never settled")


# About 0.1-0.5 s of work on the writer's thread, then one audit row.
SLOW_WRITE = (
    "INSERT INTO audit_log (guild_id, at_us, action)"
    " SELECT 1, x, 'slow' FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL"
    " SELECT x + 1 FROM c WHERE x < 1000000) SELECT max(x) AS x FROM c)"
)


@pytest.mark.sqlite_only  # it waits for the write epoch
async def test_a_cancelled_write_settles_only_when_its_statement_has_run(
    database: Path | str,
) -> None:
    async with await open_database(database) as db:
        task = asyncio.create_task(db.execute(SLOW_WRITE))
        await asyncio.sleep(0.02)  # queued on the writer's thread, running
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # The statement still runs to its commit: until it has, no read may be reused.
        assert db.write_epoch() is None
        await settled(db)
        assert await db.fetch("SELECT count(*) FROM audit_log WHERE action = 'slow'") == [(1,)]


def insert_member(user: int) -> Callable[[Connection], int]:
    def job(conn: Connection) -> int:
        conn.execute(
            "INSERT INTO members (guild_id, user_id, first_seen_us) VALUES (1, ?, 0)", (user,)
        )
        return user

    return job


def committed_members(database: Path | str) -> set[int]:
    """Members as another connection sees them: only what is committed."""
    if isinstance(database, str):
        import psycopg  # noqa: PLC0415

        with psycopg.connect(database) as pg:
            return {row[0] for row in pg.execute("SELECT user_id FROM members")}
    with sqlite3.connect(database) as conn:
        found = {row[0] for row in conn.execute("SELECT user_id FROM members")}
    conn.close()
    return found


async def test_writes_arriving_together_share_commits(database: Path | str) -> None:
    async with await open_database(database) as db:
        results = await asyncio.gather(*(db.write(insert_member(u)) for u in range(200)))
        assert results == list(range(200))
        # Queued before the first commit began: a few commits at most, not 200.
        assert 1 <= db.group_commits <= 5
        assert committed_members(database) == set(range(200))


async def test_a_write_returns_only_once_its_commit_is_durable(database: Path | str) -> None:
    async with await open_database(database) as db:

        async def write_then_look(user: int) -> None:
            await db.write(insert_member(user))
            # Acknowledged: another connection (another process) sees it already.
            assert user in committed_members(database)

        await asyncio.gather(*(write_then_look(u) for u in range(20)))


async def test_a_failing_write_fails_alone_and_the_group_commits(database: Path | str) -> None:
    async with await open_database(database) as db:
        await db.write(insert_member(5))

        def fails_midway(conn: Connection) -> None:
            conn.execute("INSERT INTO members (guild_id, user_id, first_seen_us) VALUES (1, 6, 0)")
            conn.execute("INSERT INTO members (guild_id, user_id, first_seen_us) VALUES (1, 5, 0)")

        results = await asyncio.gather(
            db.write(insert_member(1)),
            db.write(insert_member(2)),
            db.write(fails_midway),  # 6 must not stay: its savepoint is rolled back
            db.write(insert_member(5)),  # a duplicate: fails alone
            db.write(insert_member(3)),
            return_exceptions=True,
        )
        assert list(results[:2]) == [1, 2]
        assert isinstance(results[2], INTEGRITY_ERRORS)
        assert isinstance(results[3], INTEGRITY_ERRORS)
        assert results[4] == 3
        assert committed_members(database) == {1, 2, 3, 5}


async def test_a_write_that_ends_the_transaction_costs_only_itself(database: Path | str) -> None:
    """If one write's error rolls back the whole group (as SQLITE_FULL would), every other
    write of the group is retried in a transaction of its own."""
    async with await open_database(database) as db:
        await db.write(insert_member(100))  # the next ones queue behind this commit

        def ends_the_transaction(conn: Connection) -> None:
            conn.execute("INSERT INTO members (guild_id, user_id, first_seen_us) VALUES (1, 9, 0)")
            conn.execute("ROLLBACK")
            raise sqlite3.OperationalError("database or disk is full")

        blocker = db.write(lambda conn: conn.execute("SELECT 1").fetchall())
        results = await asyncio.gather(
            blocker,
            db.write(insert_member(1)),
            db.write(ends_the_transaction),
            db.write(insert_member(2)),
            return_exceptions=True,
        )
        assert results[1] == 1
        assert isinstance(results[2], sqlite3.OperationalError)
        assert results[3] == 2
        assert committed_members(database) == {100, 1, 2}
        # The connection is not left inside a transaction.
        assert await db.write(insert_member(3)) == 3


async def test_queued_writes_commit_before_close(database: Path | str) -> None:
    db = await open_database(database)
    pending = [asyncio.ensure_future(db.write(insert_member(u))) for u in range(10)]
    await asyncio.sleep(0)
    await db.close()
    assert [await p for p in pending] == list(range(10))
    assert committed_members(database) == set(range(10))
