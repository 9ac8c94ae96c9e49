"""PostgreSQL, the second engine: start-up checks, migrations, and the same two sides.

The shape is SQLite's (:mod:`storage.db`), so repositories and their write jobs are the
same on both engines:

* writes: one *synchronous* psycopg connection on the writer's thread, with the same group
  commit (one transaction per group, a savepoint per job). :class:`PgConnection` gives jobs
  the part of ``sqlite3.Connection`` they use, translating ``?`` and ``:name`` parameters;
* reads: a ``psycopg_pool.AsyncConnectionPool`` on the event loop, autocommit, so every
  read sees committed data only;
* start-up: ``mlebot_schema`` (migration 0001) marks the database as ours and holds the
  schema version, like SQLite's ``application_id`` and ``user_version``; a foreign or
  too-new database is refused before anything is written. Migrations
  (``storage/migrations_pg``) run in one transaction under an advisory lock, so several
  processes starting together apply each migration once.

Values travel as literals composed by psycopg's client-side binding (``ClientCursor``): the
repositories' SQL was written for SQLite's dynamic typing, and a literal takes its type
from where it is used, as a parameter does in SQLite. ``sum()`` over ``BIGINT`` is
``NUMERIC`` in PostgreSQL; the schema stores no ``NUMERIC``, so it is loaded as ``int``.

psycopg is imported here only; :mod:`storage.db` imports this module when a URL is opened.
"""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import ClientCursor, pq
from psycopg.adapt import AdaptersMap, Loader
from psycopg_pool import AsyncConnectionPool

from storage.db import APPLICATION_ID, Database, Params, Row, _WriterThread, load_migrations
from storage.dialect import POSTGRES
from storage.errors import (
    DatabaseTooNewError,
    DatabaseUnreadableError,
    MigrationError,
    StorageError,
    UnrecognizedDatabaseError,
)

if TYPE_CHECKING:
    from psycopg import AsyncClientCursor

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


@functools.cache
def _adapters() -> AdaptersMap:
    adapters = AdaptersMap(psycopg.adapters)
    adapters.register_loader("numeric", _NumericAsInt)
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


class PgConnection:
    """A synchronous, autocommit psycopg connection behind :class:`storage.db.Connection`."""

    def __init__(self, conn: psycopg.Connection[Row]) -> None:
        self.raw = conn

    @property
    def broken(self) -> bool:
        """The connection was lost (server restart, network): the writer makes a new one."""
        return self.raw.closed

    @property
    def in_transaction(self) -> bool:
        """Whether a transaction is open (also when a failed statement aborted it)."""
        status = self.raw.info.transaction_status
        return status in (pq.TransactionStatus.INTRANS, pq.TransactionStatus.INERROR)

    def execute(self, sql: str, parameters: Params = (), /) -> _Result:
        """Run one statement; its rows are fetched at once."""
        cur = self.raw.cursor()
        cur.execute(translate(sql), _params(parameters))
        rows = cur.fetchall() if cur.description is not None else []
        return _Result(rows, cur.rowcount)

    def executemany(self, sql: str, parameters: Iterable[Params], /) -> _Result:
        """Run one statement once per parameter set."""
        cur = self.raw.cursor()
        cur.executemany(translate(sql), [_params(p) for p in parameters])
        return _Result([], cur.rowcount)

    def close(self) -> None:
        """Close the connection."""
        self.raw.close()


def connect(url: str) -> PgConnection:
    """A writer connection (autocommit; transactions are explicit). Blocking."""
    try:
        conn = psycopg.connect(
            url,
            autocommit=True,
            cursor_factory=ClientCursor,
            context=_adapters(),
            connect_timeout=CONNECT_TIMEOUT_S,
            application_name="mlebot",
        )
    except psycopg.OperationalError as error:
        raise DatabaseUnreadableError(redact(url), _first_line(error)) from error
    return PgConnection(conn)


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


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
                    conn.raw.execute(migration.sql.encode())  # several statements, no parameters
                except psycopg.Error as error:
                    raise MigrationError(
                        f"migration {migration.name} failed on {where}: {_first_line(error)}. "
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
        raise DatabaseUnreadableError(where, _first_line(error)) from error
    finally:
        conn.close()


class _PgReads:
    """Reads through a pool of autocommit connections on the event loop."""

    def __init__(self, pool: AsyncConnectionPool[Any]) -> None:
        self._pool = pool

    async def fetch(self, sql: str, params: Params) -> list[Row]:
        query, values = translate(sql), _params(params)
        for _ in range(POOL_SIZE):
            try:
                return await self._fetch(query, values)
            except psycopg.OperationalError:
                # A pooled connection the server dropped (restart, network): the pool
                # discards it on return. A read is safe to repeat on another connection.
                continue
        return await self._fetch(query, values)

    async def _fetch(self, query: str, values: Any) -> list[Row]:
        async with self._pool.connection() as conn:
            cur: AsyncClientCursor[Row] = conn.cursor()
            await cur.execute(query, values)
            return await cur.fetchall() if cur.description is not None else []

    async def fetch_large(self, sql: str, params: Params) -> list[Row]:
        return await self.fetch(sql, params)

    async def close(self) -> None:
        await self._pool.close()


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
    pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
        url,
        min_size=1,
        max_size=POOL_SIZE,
        open=False,
        kwargs={
            "autocommit": True,
            "cursor_factory": psycopg.AsyncClientCursor,
            "context": _adapters(),
            "application_name": "mlebot",
            # Reads only, like SQLite's query_only readers.
            "options": "-c default_transaction_read_only=on",
        },
        name="mlebot-reads",
    )
    try:
        await pool.open(wait=True, timeout=CONNECT_TIMEOUT_S)
    except BaseException as error:
        await pool.close()
        await writer.stop()
        if isinstance(error, Exception) and not isinstance(error, StorageError):
            raise DatabaseUnreadableError(where, _first_line(error)) from error
        raise
    return Database(where, writer, _PgReads(pool), version, POSTGRES)


def table_columns(conn: PgConnection, table: str) -> Sequence[str]:
    """The columns of ``table``, in order (``db copy`` compares them)."""
    rows = conn.execute(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
        (table,),
    ).fetchall()
    return [row[0] for row in rows]
