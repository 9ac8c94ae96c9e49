"""PostgreSQL's own start-up: refusing databases it must not touch, migrations under an
advisory lock, parameter translation (the repositories' behaviour on PostgreSQL is tested by
every other storage test, through the parametrized ``store`` fixture)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from storage import pg
from storage.db import Migration, load_migrations, open_database
from storage.errors import (
    DatabaseTooNewError,
    DatabaseUnreadableError,
    MigrationError,
    StorageError,
    UnrecognizedDatabaseError,
    write_problem,
)
from storage.store import open_store
from tests.postgres import PostgresServer

LATEST = len(load_migrations(pg.MIGRATIONS))


def test_both_engines_have_the_same_schema_versions() -> None:
    assert [m.version for m in load_migrations(pg.MIGRATIONS)] == [
        m.version for m in load_migrations()
    ]


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT ? + ?", "SELECT %s + %s"),
        ("WHERE a = :guild AND b = :guild_2", "WHERE a = %(guild)s AND b = %(guild_2)s"),
        ("SELECT x::bigint, '?:a%', \"q?\"", "SELECT x::bigint, '?:a%%', \"q?\""),
        ("SELECT 'it''s ?' -- what? :no\n, ?", "SELECT 'it''s ?' -- what? :no\n, %s"),
        ("SELECT 5 % 2", "SELECT 5 %% 2"),
    ],
)
def test_parameters_are_translated_outside_literals(sql: str, expected: str) -> None:
    assert pg.translate(sql) == expected


def test_a_password_is_never_shown() -> None:
    assert pg.redact("postgresql://bot:s3cret@db:5432/x?sslmode=require") == (
        "postgresql://bot:***@db:5432/x?sslmode=require"
    )
    assert pg.redact("postgresql:///x?host=/tmp") == "postgresql:///x?host=/tmp"


async def test_an_unreachable_server_is_a_clear_error_without_the_password() -> None:
    with pytest.raises(DatabaseUnreadableError) as caught:
        await open_database("postgresql://bot:s3cret@127.0.0.1:1/mlebot?connect_timeout=2")
    assert "s3cret" not in str(caught.value)
    assert "PostgreSQL server is running" in str(caught.value)


def execute(url: str, *statements: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement.encode())


def tables(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
        ).fetchall()
    return [row[0] for row in rows]


@pytest.mark.slow  # a database of its own (~1 s)
async def test_a_foreign_database_is_refused_untouched(postgres_server: PostgresServer) -> None:
    url = postgres_server.new_database(migrated=False)
    execute(url, "CREATE TABLE invoices (id int)")
    with pytest.raises(UnrecognizedDatabaseError, match="not one of this bot's"):
        await open_database(url)
    assert tables(url) == ["invoices"]


async def test_a_too_new_or_foreign_schema_is_refused_untouched(
    postgres_server: PostgresServer,
) -> None:
    url = postgres_server.clean_database()
    try:
        execute(url, "UPDATE mlebot_schema SET version = 99")
        with pytest.raises(DatabaseTooNewError, match="version 99"):
            await open_database(url)
        execute(url, f"UPDATE mlebot_schema SET version = {LATEST}, application_id = 7")
        with pytest.raises(UnrecognizedDatabaseError, match="mlebot_schema"):
            await open_database(url)
    finally:
        execute(url, f"UPDATE mlebot_schema SET version = {LATEST}, application_id = 1296847426")
    async with await open_database(url) as db:
        assert db.schema_version == LATEST


@pytest.mark.slow  # a database of its own, migrated step by step
def test_every_version_migrates_to_the_next(postgres_server: PostgresServer) -> None:
    url = postgres_server.new_database(migrated=False)
    for version in range(1, LATEST + 1):
        assert pg.migrate_postgres(url, target_version=version) == (version - 1, version)
    assert pg.migrate_postgres(url) == (LATEST, LATEST)


@pytest.mark.slow  # a database of its own
def test_processes_starting_together_migrate_once(postgres_server: PostgresServer) -> None:
    url = postgres_server.new_database(migrated=False)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: pg.migrate_postgres(url), range(4)))
    assert sorted(results) == [(0, LATEST), (LATEST, LATEST), (LATEST, LATEST), (LATEST, LATEST)]


@pytest.mark.slow  # a database of its own
def test_a_failed_migration_leaves_the_database_as_it_was(
    postgres_server: PostgresServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = postgres_server.new_database(migrated=False)
    pg.migrate_postgres(url, target_version=2)
    broken = Migration(LATEST + 1, "9999_broken.sql", "CREATE TABLE half (x int); SELEC 1;")
    migrations = (*load_migrations(pg.MIGRATIONS), broken)
    monkeypatch.setattr(pg, "load_migrations", lambda _folder: migrations)
    with pytest.raises(MigrationError, match=r"9999_broken\.sql"):
        pg.migrate_postgres(url)
    assert "half" not in tables(url)
    assert "rank_counts" not in tables(url)  # 0007 was rolled back with the rest
    monkeypatch.undo()
    assert pg.migrate_postgres(url) == (2, LATEST)


async def test_reads_and_writes_on_two_stores_see_committed_data_only(
    postgres_server: PostgresServer,
) -> None:
    url = postgres_server.clean_database()
    async with await open_database(url) as one, await open_database(url) as two:
        async with one.transaction() as tx:
            await tx.execute(
                "INSERT INTO members (guild_id, user_id, first_seen_us) VALUES (1, ?, 0)",
                (2**62,),
            )
            assert await two.fetch("SELECT count(*) FROM members") == [(0,)]
        assert await two.fetch("SELECT user_id FROM members") == [(2**62,)]
        rows = await asyncio.gather(*(two.fetch("SELECT 1") for _ in range(20)))
        assert rows == [[(1,)]] * 20  # more reads at once than the pool has connections


async def test_the_writer_reconnects_after_losing_its_connection(
    postgres_server: PostgresServer,
) -> None:
    url = postgres_server.clean_database()
    insert = "INSERT INTO members (guild_id, user_id, first_seen_us) VALUES (1, ?, 0)"
    async with await open_database(url) as db:
        await db.execute(insert, (1,))
        execute(  # what a server restart or a network cut does to the bot's sessions
            url,
            "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND application_name = 'mlebot'",
        )
        # The group fails on the dead connection before anything is sent (BEGIN), so its
        # write is retried alone, as after any failed group, on a new connection.
        await db.execute(insert, (2,))
        await db.execute(insert, (3,))
        assert await db.fetch("SELECT user_id FROM members ORDER BY 1") == [(1,), (2,), (3,)]


async def test_reads_go_on_after_the_server_dropped_their_connections(
    postgres_server: PostgresServer,
) -> None:
    url = postgres_server.clean_database()
    async with await open_database(url) as db:
        # Every read connection open and idle (four reads at once), then all cut off.
        await asyncio.gather(*(db.fetch("SELECT pg_sleep(0.05)") for _ in range(pg.POOL_SIZE)))
        assert await reader_pids(url) == pg.POOL_SIZE
        execute(url, TERMINATE)
        assert await db.fetch("SELECT count(*) FROM members") == [(0,)]
        await db.execute("INSERT INTO members (guild_id, user_id, first_seen_us) VALUES (1, 2, 0)")
        assert await reader_pids(url) == 1  # the dead ones were closed, one new one
        rows = await asyncio.gather(*(db.fetch("SELECT 2") for _ in range(20)))
        assert rows == [[(2,)]] * 20


async def test_a_failed_or_cancelled_read_leaves_the_reads_working(
    postgres_server: PostgresServer,
) -> None:
    url = postgres_server.clean_database()
    async with await open_database(url) as db:
        with pytest.raises(psycopg.errors.DivisionByZero):
            await db.fetch("SELECT 1 / ?", (0,))
        with pytest.raises(psycopg.errors.UndefinedTable):
            await db.fetch("SELECT * FROM no_such_table")
        slow = asyncio.ensure_future(db.fetch("SELECT pg_sleep(30)"))
        await asyncio.sleep(0.2)
        slow.cancel()
        with pytest.raises(asyncio.CancelledError):
            await slow
        async with asyncio.timeout(5):  # not stuck behind the cancelled statement
            assert await db.fetch("SELECT 1 / ?", (1,)) == [(1,)]
            assert await reader_pids(url) == 1


async def test_statements_are_prepared_and_integers_typed_as_literals(
    postgres_server: PostgresServer,
) -> None:
    url = postgres_server.clean_database()
    insert = "INSERT INTO members (guild_id, user_id, first_seen_us) VALUES (1, ?, 0)"
    count = "SELECT count(*) FROM members WHERE guild_id = ?"
    prepared = "SELECT statement FROM pg_prepared_statements"
    async with await open_database(url) as db:
        # Small ints would otherwise travel as smallint, and smallint + smallint overflows;
        # integer is what functions such as repeat() and the two-key advisory locks take
        # (a bigint would not match them).
        assert await db.fetch("SELECT ? + ?, ? * ?", (30_000, 30_000, 2**31, 2**31)) == [
            (60_000, 2**62)
        ]
        assert await db.fetch("SELECT repeat('ab', ?)", (3,)) == [("ababab",)]
        for user in (1, 2):
            await db.execute(insert, (user,))
            assert await db.fetch(count, (1,)) == [(user,)]
        # Run twice on one connection: parsed and planned once, then only executed.
        read = {row[0] for row in await db.fetch(prepared)}
        assert pg.translate(count).replace("%s", "$1") in read
        written = await db.write(lambda conn: conn.execute(prepared).fetchall())
        assert pg.translate(insert).replace("%s", "$1") in {row[0] for row in written}


def test_begin_savepoint_and_release_travel_with_the_next_statement(
    postgres_server: PostgresServer,
) -> None:
    """The group commit's statements, as :func:`storage.db._run_group` sends them: the held
    back ones change nothing until the next statement, and errors stay where they were."""
    url = postgres_server.clean_database()
    insert = "INSERT INTO members (guild_id, user_id, first_seen_us) VALUES (1, ?, 0)"
    conn = pg.connect(url)
    try:
        pid: int = conn.execute("SELECT pg_backend_pid()").fetchall()[0][0]
        conn.execute("BEGIN")
        conn.execute("SAVEPOINT write")
        assert conn.in_transaction
        assert session_state(url, pid) == "idle"  # nothing sent yet
        conn.execute(insert, (1,))
        assert session_state(url, pid) == "idle in transaction"
        conn.execute("RELEASE write")
        conn.execute("SAVEPOINT write")
        with pytest.raises(psycopg.errors.UniqueViolation):  # the job's own error
            conn.execute(insert, (1,))
        assert conn.in_transaction
        conn.execute("ROLLBACK TO write")
        conn.execute("RELEASE write")
        conn.execute("SAVEPOINT write")
        conn.execute(insert, (2,))
        conn.execute("RELEASE write")
        assert count_members(url) == 0  # committed data only
        conn.execute("COMMIT")
        assert not conn.in_transaction
        assert count_members(url) == 2
        conn.execute("BEGIN")
        conn.execute("ROLLBACK")  # a transaction that never sent a statement
        assert not conn.in_transaction
    finally:
        conn.close()


def session_state(url: str, pid: int) -> str:
    with psycopg.connect(url, autocommit=True) as other:
        row = other.execute("SELECT state FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()
    assert row is not None
    return str(row[0])


def count_members(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as other:
        row = other.execute("SELECT count(*) FROM members").fetchone()
    assert row is not None
    return int(row[0])


TERMINATE = (
    "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity"
    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
    " AND application_name = 'mlebot'"
)


async def reader_pids(url: str) -> int:
    """The read-only sessions the bot has open on ``url`` (its writer, connected, excluded)."""
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND application_name = 'mlebot' AND pid <> pg_backend_pid()"
        ).fetchall()
    return int(rows[0][0]) - 1


async def test_two_processes_writing_for_one_member_keep_the_rank_counts_exact(
    postgres_server: PostgresServer,
) -> None:
    url = postgres_server.clean_database()
    async with await open_store(url) as one, await open_store(url) as two:
        for user in (7, 8):  # the first completions create the member rows, then more
            await asyncio.gather(
                *(
                    store.progress.record_completion(1, user, f"c{i}", points=i)
                    for i, store in enumerate([one, two] * 10)
                )
            )
        await asyncio.gather(
            *(store.progress.undo_completion(1, 7, f"c{i}") for i, store in enumerate([one, two]))
        )
        counts = await one.db.fetch("SELECT period, points, members FROM rank_counts ORDER BY 1, 2")
    # Without the member lock (Dialect.lock_member) this drifts: both processes read the
    # member's totals before either wrote.
    expected = [("all_time", 189, 1), ("all_time", 190, 1), ("season", 189, 1), ("season", 190, 1)]
    assert counts == expected


async def test_a_commit_cut_off_is_reported_as_unknown_and_not_retried(
    postgres_server: PostgresServer,
) -> None:
    """The connection dies *during* COMMIT (a deferred trigger ends the session then): the
    group may or may not be committed, so its writes are not retried (that could write them
    twice) and each caller is told the outcome is unknown."""
    url = postgres_server.new_database()
    execute(
        url,
        "CREATE FUNCTION die() RETURNS trigger LANGUAGE plpgsql AS $$"
        " BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NULL; END $$",
        "CREATE CONSTRAINT TRIGGER die_at_commit AFTER INSERT ON audit_log"
        " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.action = 'die')"
        " EXECUTE FUNCTION die()",
    )
    insert = "INSERT INTO audit_log (guild_id, at_us, action) VALUES (1, 0, ?)"
    async with await open_database(url) as db:
        await db.execute(insert, ("first",))  # the next ones queue behind this commit
        results = await asyncio.gather(
            db.execute(insert, ("before",)),
            db.execute(insert, ("die",)),
            db.execute(insert, ("after",)),
            return_exceptions=True,
        )
        assert all(isinstance(r, StorageError) for r in results), results
        assert all("may or may not be saved" in str(r) for r in results)
        # Not retried; the writer works again on a new connection.
        await db.execute(insert, ("later",))
        rows = await db.fetch("SELECT action FROM audit_log ORDER BY audit_id")
    assert [row[0] for row in rows] == ["first", "later"]  # the session died before COMMIT


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (psycopg.errors.DiskFull("could not extend file"), "full"),
        (psycopg.errors.ReadOnlySqlTransaction("read-only transaction"), "read_only"),
        (psycopg.errors.AdminShutdown("terminating connection"), "unreachable"),
        (psycopg.errors.ConnectionFailure("connection failure"), "unreachable"),
        (psycopg.OperationalError("server closed the connection unexpectedly"), "unreachable"),
        (psycopg.errors.UniqueViolation("duplicate key"), None),
    ],
)
def test_postgresql_errors_name_the_write_problem(error: Exception, kind: str | None) -> None:
    wrapped = StorageError("write failed")
    wrapped.__cause__ = error
    problem = write_problem(wrapped)
    assert (problem.kind if problem else None) == kind
    if problem is not None:
        assert problem.advice
