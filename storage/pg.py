"""PostgreSQL, the second engine: start-up checks, migrations, and the same two sides.

The shape is SQLite's (:mod:`storage.db`), so repositories and their write jobs are the
same on both engines:

* writes: one *synchronous* psycopg connection on the writer's thread, with the same group
  commit (one transaction per group, a savepoint per job). :class:`PgConnection` gives jobs
  the part of ``sqlite3.Connection`` they use, translating ``?`` and ``:name`` parameters;
* reads: a few long-lived autocommit connections on the event loop (:class:`_PgReads`),
  so every read sees committed data only;
* start-up: ``mlebot_schema`` (migration 0001) marks the database as ours and holds the
  schema version, like SQLite's ``application_id`` and ``user_version``; a foreign or
  too-new database is refused before anything is written. Migrations
  (``storage/migrations_pg``) run in one transaction under an advisory lock, so several
  processes starting together apply each migration once.

Values travel as parameters (server-side binding) and statements run more than once are
prepared, so the server parses and plans them once per connection rather than at every
run (planning cost more than running most of the repositories' reads). Parameters are
typed as the literals of client-side binding were: an int as ``integer`` or ``bigint`` by
its size, a string untyped, so the server types it from where it is used, as SQLite's
dynamic typing does. A parameter in a place that gives it no type (a bare ``? IS NULL``)
needs a ``CAST`` in the repository's SQL. ``sum()`` over ``BIGINT`` is ``NUMERIC`` in
PostgreSQL; the schema stores no ``NUMERIC``, so it is loaded as ``int``.

psycopg is imported here only; :mod:`storage.db` imports this module when a URL is opened.
"""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import pq
from psycopg.adapt import AdaptersMap, Dumper, Loader, PyFormat
from psycopg.types.numeric import IntDumper

from storage.db import APPLICATION_ID, Database, Params, Row, _WriterThread, load_migrations
from storage.dialect import POSTGRES
from storage.errors import (
    DatabaseTooNewError,
    DatabaseUnreadableError,
    MigrationError,
    StorageError,
    UnrecognizedDatabaseError,
    first_line,
)

__all__ = [
    "MIGRATIONS",
    "PgConnection",
    "connect",
    "migrate_postgres",
    "open_postgres",
    "redact",
    "translate",
]

MIGRATIONS = "migrations_pg"
#: ``pg_advisory_xact_lock`` key taken while migrating ('MLRB', as SQLite's application_id).
LOCK_KEY = APPLICATION_ID
CONNECT_TIMEOUT_S = 10
POOL_SIZE = 4
#: A statement is prepared (parsed and planned once per connection) from its second run.
PREPARE_THRESHOLD = 1
#: Prepared statements a connection keeps (psycopg's default is 100).
PREPARED_MAX = 512

# Tokens that may hold a "?", ":" or "%" that is not a parameter: string literals, quoted
# names, comments and "::" casts are kept as they are.
_TOKENS = re.compile(
    r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|::|:([A-Za-z_][A-Za-z0-9_]*)|\?|%"
)


@functools.lru_cache(maxsize=1024)
def translate(sql: str) -> str:
    """SQLite-style parameters to psycopg's: ``?`` -> ``%s``, ``:name`` -> ``%(name)s``.

    Every ``%`` doubles (psycopg reads ``%%`` as ``%``, inside string literals too); the
    ``?`` and ``:`` of literals, quoted names, comments and ``::`` casts are left alone.
    """

    def replace(match: re.Match[str]) -> str:
        text = match[0]
        if text == "?":
            return "%s"
        if text == "%":
            return "%%"
        if match[1] is not None:
            return f"%({match[1]})s"
        return text.replace("%", "%%")

    return _TOKENS.sub(replace, sql)


def redact(url: str) -> str:
    """``url`` without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    user = netloc[0].split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[1]}"))


class _NumericAsInt(Loader):
    """``NUMERIC`` -> ``int`` when integral (``sum()`` of ``BIGINT``), else ``Decimal``."""

    def load(self, data: Any) -> int | Decimal:
        value = Decimal(bytes(data).decode())
        return int(value) if value == value.to_integral_value() else value


class _IntAsLiteral(IntDumper):
    """An ``int`` parameter typed as the same number written in SQL would be: ``integer``
    when it fits, else ``bigint`` (else ``numeric``).

    psycopg's default, the smallest type that holds the value, makes ``smallint`` of small
    numbers: ``? + ?`` would overflow at 32767.
    """

    def upgrade(self, obj: int, format: PyFormat) -> Dumper:
        if -(2**31) <= obj < 2**31:
            return self._int4_dumper
        return super().upgrade(obj, format)


@functools.cache
def _adapters() -> AdaptersMap:
    adapters = AdaptersMap(psycopg.adapters)
    adapters.register_loader("numeric", _NumericAsInt)
    adapters.register_dumper(int, _IntAsLiteral)
    return adapters


class _Result:
    """A statement's rows (all fetched) and row count: what ``sqlite3.Cursor`` offers jobs."""

    __slots__ = ("_rows", "rowcount")

    def __init__(self, rows: list[Row], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def fetchone(self) -> Row | None:
        return self._rows.pop(0) if self._rows else None

    def fetchall(self) -> list[Row]:
        rows, self._rows = self._rows, []
        return rows

    def __iter__(self) -> Iterator[Row]:
        return iter(self.fetchall())


def _params(params: Params) -> Any:
    return params if isinstance(params, dict) else tuple(params)


#: Statements that return nothing but an error, held back and sent in one pipeline with
#: the next statement, which saves a round trip each: the group commit's ``BEGIN``,
#: ``SAVEPOINT write`` and ``RELEASE write`` (:func:`storage.db._run_group`). A ``BEGIN``
#: that fails (the connection was lost) fails that next statement, before anything of
#: the transaction ran; a ``RELEASE`` goes with the ``COMMIT``, whose outcome is then
#: unknown if the connection is lost, as it would be for the ``COMMIT`` alone.
_DEFERRABLE = frozenset({"BEGIN", "SAVEPOINT write", "RELEASE write"})


class PgConnection:
    """A synchronous, autocommit psycopg connection behind :class:`storage.db.Connection`."""

    def __init__(self, conn: psycopg.Connection[Row]) -> None:
        self._raw = conn
        self._deferred: list[str] = []

    @property
    def raw(self) -> psycopg.Connection[Row]:
        """The psycopg connection, with every held-back statement sent."""
        if self._deferred:
            self._send(None, ())
        return self._raw

    @property
    def broken(self) -> bool:
        """The connection was lost (server restart, network): the writer makes a new one."""
        return self._raw.closed

    @property
    def in_transaction(self) -> bool:
        """Whether a transaction is open (also when a failed statement aborted it)."""
        if "BEGIN" in self._deferred:
            return True
        status = self._raw.info.transaction_status
        return status in (pq.TransactionStatus.INTRANS, pq.TransactionStatus.INERROR)

    def execute(self, sql: str, parameters: Params = (), /) -> _Result:
        """Run one statement; its rows are fetched at once."""
        if sql in _DEFERRABLE and not parameters:
            self._deferred.append(sql)
            return _Result([], -1)
        cur = self._send(sql, parameters)
        rows = cur.fetchall() if cur.description is not None else []
        return _Result(rows, cur.rowcount)

    def _send(self, sql: str | None, parameters: Params) -> psycopg.Cursor[Row]:
        """The held-back statements, then ``sql`` (if any): one round trip."""
        cur = self._raw.cursor()
        if not self._deferred:
            assert sql is not None
            return cur.execute(translate(sql), _params(parameters))
        deferred, self._deferred = self._deferred, []
        # On an error, the pipeline raises the first statement's error and skips the rest.
        with self._raw.pipeline():
            for statement in deferred:
                self._raw.cursor().execute(statement)
            if sql is not None:
                cur.execute(translate(sql), _params(parameters))
        return cur

    def executemany(self, sql: str, parameters: Iterable[Params], /) -> _Result:
        """Run one statement once per parameter set."""
        cur = self.raw.cursor()
        cur.executemany(translate(sql), [_params(p) for p in parameters])
        return _Result([], cur.rowcount)

    def close(self) -> None:
        """Close the connection (held-back statements are dropped; closing ends any transaction)."""
        self._deferred = []
        self._raw.close()


def connect(url: str) -> PgConnection:
    """A writer connection (autocommit; transactions are explicit). Blocking."""
    try:
        conn = psycopg.connect(url, **_options())
    except psycopg.OperationalError as error:
        raise DatabaseUnreadableError(redact(url), first_line(error)) from error
    conn.prepared_max = PREPARED_MAX
    return PgConnection(conn)


def _options(**extra: str) -> dict[str, Any]:
    """``psycopg.connect``'s arguments, for the writer and (with ``options``) the readers."""
    return {
        "autocommit": True,
        "prepare_threshold": PREPARE_THRESHOLD,
        "context": _adapters(),
        "connect_timeout": CONNECT_TIMEOUT_S,
        "application_name": "mlebot",
        **extra,
    }


def _read_options() -> dict[str, Any]:
    # Reads only, like SQLite's query_only readers. Prepared reads keep one generic plan,
    # planned once, as SQLite plans a statement without its values (the repositories'
    # statements and indexes are made for that); PostgreSQL's default re-plans some of
    # them at every run (the top-10 board: 0.4 ms of planning for 0.1 ms of execution).
    return _options(
        options="-c default_transaction_read_only=on -c plan_cache_mode=force_generic_plan"
    )


def _current_version(conn: PgConnection, where: str, known: int) -> int:
    """The schema version; refuse a database that is not ours or is too new. Reads only."""
    found = conn.execute("SELECT to_regclass('mlebot_schema') IS NOT NULL").fetchone()
    if not found or not found[0]:
        foreign = conn.execute(
            "SELECT count(*) FROM pg_catalog.pg_class AS c"
            " JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace"
            " WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'v', 'm', 'p', 'f')"
        ).fetchone()
        if foreign and foreign[0]:
            raise UnrecognizedDatabaseError(where, "it has tables but no mlebot_schema")
        return 0
    row = conn.execute("SELECT application_id, version FROM mlebot_schema").fetchone()
    if row is None or row[0] != APPLICATION_ID:
        raise UnrecognizedDatabaseError(where, f"mlebot_schema holds {row!r}")
    version: int = row[1]
    if version > known:
        raise DatabaseTooNewError(where, version, known)
    return version


def migrate_postgres(url: str, *, target_version: int | None = None) -> tuple[int, int]:
    """Check the database at ``url`` and bring it to ``target_version`` (default: latest).

    One transaction under an advisory lock: a failure leaves the database as it was, and
    processes starting together wait for each other. Returns the versions (before, after).
    Blocking.
    """
    migrations = load_migrations(MIGRATIONS)
    target = len(migrations) if target_version is None else target_version
    if not 0 <= target <= len(migrations):
        raise ValueError(f"target_version must be 0..{len(migrations)}, got {target}")
    where = redact(url)
    conn = connect(url)
    try:
        conn.execute("BEGIN")
        try:
            conn.execute("SELECT pg_advisory_xact_lock(?)", (LOCK_KEY,))
            before = version = _current_version(conn, where, len(migrations))
            for migration in migrations[version:target]:
                try:
                    # Several statements, no parameters: the simple query protocol.
                    conn.raw.execute(migration.sql.encode(), prepare=False)
                except psycopg.Error as error:
                    raise MigrationError(
                        f"migration {migration.name} failed on {where}: {first_line(error)}. "
                        "Nothing was applied (the transaction was rolled back)."
                    ) from error
                conn.execute("UPDATE mlebot_schema SET version = ?", (migration.version,))
                version = migration.version
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return before, version
    except psycopg.OperationalError as error:
        raise DatabaseUnreadableError(where, first_line(error)) from error
    finally:
        conn.close()


class _PgReads:
    """Reads on a few long-lived autocommit connections, opened when first needed.

    A read takes an idle connection (the most recently used: its statements are prepared
    and its server process is warm) or opens one, at most ``size`` at a time; more reads at
    once wait for a connection to come back. Cheaper than a pool's checkout per read.
    """

    def __init__(self, url: str, size: int = POOL_SIZE) -> None:
        self._url = url
        self._size = size
        self._idle: list[psycopg.AsyncConnection[Row]] = []
        self._free = asyncio.Semaphore(size)
        self._closed = False

    async def _open(self) -> psycopg.AsyncConnection[Row]:
        conn: psycopg.AsyncConnection[Row] = await psycopg.AsyncConnection.connect(
            self._url, **_read_options()
        )
        conn.prepared_max = PREPARED_MAX
        return conn

    async def fetch(self, sql: str, params: Params) -> list[Row]:
        query, values = translate(sql), _params(params)
        async with self._free:
            # A connection the server dropped (restart, network) fails its next statement:
            # it is closed, and the read (safe to repeat) runs on another one. There are at
            # most ``size`` idle ones, so the last attempt is on a new connection.
            for attempt in range(self._size + 1):
                if self._closed:
                    raise StorageError("the database is closed")
                conn = self._idle.pop() if self._idle else await self._open()
                try:
                    cur = conn.cursor()
                    await cur.execute(query, values)
                    rows = await cur.fetchall() if cur.description is not None else []
                except psycopg.OperationalError:
                    if not conn.closed or attempt == self._size:
                        await self._release(conn)
                        raise
                    continue
                except BaseException:
                    await self._release(conn)
                    raise
                await self._release(conn)
                return rows
        raise AssertionError("unreachable")  # pragma: no cover

    async def _release(self, conn: psycopg.AsyncConnection[Row]) -> None:
        """Back to the idle ones if it is ready for the next read, else closed."""
        if (
            not self._closed
            and not conn.closed
            and conn.info.transaction_status == pq.TransactionStatus.IDLE
        ):
            self._idle.append(conn)
        else:
            await conn.close()  # lost, or cancelled mid-statement: never reused

    async def fetch_large(self, sql: str, params: Params) -> list[Row]:
        return await self.fetch(sql, params)

    async def close(self) -> None:
        self._closed = True
        idle, self._idle = self._idle, []
        for conn in idle:
            await conn.close()


async def open_postgres(url: str) -> Database:
    """Check, migrate and open the PostgreSQL database at ``url`` (it must exist)."""
    where = redact(url)
    _, version = await asyncio.to_thread(migrate_postgres, url)
    writer = _WriterThread(lambda: connect(url), name="mlebot-postgres-writer")
    try:
        await writer.run(lambda _conn: None)  # connects: a failure is reported here
    except BaseException:
        await writer.stop()
        raise
    reads = _PgReads(url)
    try:
        await reads.fetch("SELECT 1", ())  # the first read connection: a failure shows here
    except BaseException as error:
        await reads.close()
        await writer.stop()
        if isinstance(error, Exception) and not isinstance(error, StorageError):
            raise DatabaseUnreadableError(where, first_line(error)) from error
        raise
    return Database(where, writer, reads, version, POSTGRES)


def table_columns(conn: PgConnection, table: str) -> Sequence[str]:
    """The columns of ``table``, in order (``db copy`` compares them)."""
    rows = conn.execute(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
        (table,),
    ).fetchall()
    return [row[0] for row in rows]
