"""Opening the database: checks, PRAGMAs, migrations, and the two connections.

Storage conventions (the repositories follow them):

* Instants are ``INTEGER`` microseconds since the Unix epoch, UTC (columns ending ``_us``);
  the API takes and returns aware ``datetime`` values only.
* ISO weeks are ``TEXT`` ``'2026-W48'``; calendar dates ``TEXT`` ``'YYYY-MM-DD'``.
* Discord ids are ``INTEGER``.

Connections (all autocommit): one *writer*, used only from its own thread, and two
read-only readers. Writes are serialized on the writer (an ``asyncio.Lock`` for explicit
transactions, and group commit for :meth:`Database.write`: jobs that arrive while a commit
is in flight share the next transaction, each in its own savepoint). Small reads run on the
event loop's thread (:meth:`Database.fetch`), large ones on an ``aiosqlite`` reader's
thread (:meth:`Database.fetch_large`). In WAL mode readers see only committed data: a
moderator's half-done transaction is never visible, and reads do not queue behind writes.

Every write is counted when it begins and when it has settled, so
:meth:`Database.write_epoch` tells a reader whether any write ran between two moments; a
repository may reuse a read's result while the epoch stays the same (the leaderboards do).
This relies on the design's one process per database: writes made by another process are
not seen by the counter, which is why reused results also expire after a few seconds.

Start-up (:func:`open_database`) first inspects an existing file on a *read-only*
connection, so a corrupt, foreign or too-new file is refused without a single byte
changing. Only then is it opened for writing, switched to WAL and migrated.

PostgreSQL (:mod:`storage.pg`, a ``postgresql://`` URL) has the same shape: a writer thread
with a synchronous connection running the same jobs (typed with :class:`Connection`, the
part of ``sqlite3.Connection`` they use), and pooled readers. :meth:`Database.write_epoch`
is ``None`` there: other processes write too.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import random
import re
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from queue import SimpleQueue
from types import TracebackType
from typing import Any, Protocol, Self, TypeAlias, TypeVar

import aiosqlite

from storage._checkpoint import WRITER_PRAGMAS, Checkpointer
from storage.dialect import SQLITE, Dialect
from storage.errors import (
    DatabaseCorruptError,
    DatabaseTooNewError,
    DatabaseUnreadableError,
    MigrationError,
    StorageError,
    UnrecognizedDatabaseError,
)

__all__ = [
    "APPLICATION_ID",
    "Connection",
    "Cursor",
    "Database",
    "Migration",
    "Params",
    "Row",
    "Transaction",
    "WriteJob",
    "is_postgres_url",
    "load_migrations",
    "migrate",
    "open_database",
]

#: ``PRAGMA application_id`` of our files ('MLRB'); set by migration 0001.
APPLICATION_ID = 1296847426
#: STRICT tables need 3.37; RETURNING 3.35.
MIN_SQLITE_VERSION = (3, 37, 0)
BUSY_TIMEOUT_MS = 5000

#: SQLSTATEs that fail a write job for another transaction's sake (:func:`_retryable`); such
#: a job is run again in a transaction of its own, up to ``RETRIES`` times, each after a
#: random pause of up to ``RETRY_PAUSE_S`` times the attempt's number.
RETRY_SQLSTATES = frozenset({"40P01", "40001"})
RETRIES = 5
RETRY_PAUSE_S = 0.02

_SQLITE_HEADER = b"SQLite format 3\x00"
_MIGRATION_NAME = re.compile(r"(\d{4})_[a-z0-9_]+\.sql")
# Primary result codes that mean the file's *contents* are bad; any other failure to open
# (permissions, read-only file system, locked, I/O) is reported as unreadable.
_CORRUPT_CODES = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}

Params: TypeAlias = Sequence[object] | Mapping[str, object]
Row: TypeAlias = tuple[Any, ...]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Migration:
    """One numbered SQL file from ``storage/migrations``."""

    version: int
    name: str
    sql: str


def load_migrations(folder_name: str = "migrations") -> tuple[Migration, ...]:
    """The packaged migrations, ordered; their numbers must run 1, 2, 3... without gaps.

    ``storage/migrations`` are SQLite's, ``storage/migrations_pg`` PostgreSQL's: the same
    schema versions, each in its engine's SQL.
    """
    folder = resources.files("storage").joinpath(folder_name)
    found: list[Migration] = []
    for entry in folder.iterdir():
        match = _MIGRATION_NAME.fullmatch(entry.name)
        if match:
            found.append(Migration(int(match[1]), entry.name, entry.read_text("utf-8")))
    found.sort(key=lambda m: m.version)
    numbers = [m.version for m in found]
    if numbers != list(range(1, len(found) + 1)):
        raise MigrationError(f"migrations must be numbered 1..N without gaps, found {numbers}")
    return tuple(found)


def _statements(script: str) -> Iterator[str]:
    """Split a migration into statements (triggers contain ``;`` so a plain split won't do).

    ``executescript`` is not used because it commits any open transaction first, and the
    whole migration run must be one transaction.
    """
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            yield buffer
            buffer = ""
    if buffer.strip():
        yield buffer  # trailing comments execute as a no-op; a cut-off statement fails loudly


def _error_code(error: sqlite3.Error) -> int:
    return getattr(error, "sqlite_errorcode", 0) & 0xFF


def _classify(path: Path, error: sqlite3.Error) -> StorageError:
    if _error_code(error) in _CORRUPT_CODES:
        return DatabaseCorruptError(path, str(error))
    return DatabaseUnreadableError(path, str(error))


def _inspect_existing(path: Path, known: int, *, verify: bool) -> None:
    """Refuse a file we must not touch. Read-only: nothing here can modify the file."""
    try:
        with path.open("rb") as handle:
            header = handle.read(len(_SQLITE_HEADER))
    except OSError as error:
        raise DatabaseUnreadableError(path, error.strerror or str(error)) from error
    if not header:
        return  # an empty file is an empty database
    if header != _SQLITE_HEADER:
        raise DatabaseCorruptError(path, "the file does not start with the SQLite header")
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, isolation_level=None)
    except sqlite3.Error as error:
        raise _classify(path, error) from error
    try:
        application_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        has_tables = conn.execute("SELECT EXISTS (SELECT 1 FROM sqlite_schema)").fetchone()[0]
        if application_id not in (0, APPLICATION_ID):
            raise UnrecognizedDatabaseError(path, f"application_id is {application_id:#x}")
        if version == 0 and has_tables:
            raise UnrecognizedDatabaseError(path, "it has tables but no schema version")
        if version > known:
            raise DatabaseTooNewError(path, version, known)
        if verify:
            problems = [row[0] for row in conn.execute("PRAGMA quick_check(5)")]
            if problems != ["ok"]:
                raise DatabaseCorruptError(path, "quick_check: " + "; ".join(problems))
    except sqlite3.Error as error:
        raise _classify(path, error) from error
    finally:
        conn.close()


def _inspect_or_create(path: Path, known: int, *, verify: bool) -> None:
    if path.exists():
        if not path.is_file():
            raise DatabaseUnreadableError(path, "it is not a regular file")
        _inspect_existing(path, known, verify=verify)
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DatabaseUnreadableError(path, error.strerror or str(error)) from error


def _apply(conn: sqlite3.Connection, path: Path, pending: Sequence[Migration]) -> None:
    for migration in pending:
        for statement in _statements(migration.sql):
            try:
                conn.execute(statement)
            except sqlite3.Error as error:
                first_line = statement.strip().splitlines()[0] if statement.strip() else ""
                raise MigrationError(
                    f"migration {migration.name} failed on {path} at {first_line!r}: {error}. "
                    "Nothing was applied (the transaction was rolled back)."
                ) from error
        conn.execute(f"PRAGMA user_version = {migration.version:d}")
    broken = conn.execute("PRAGMA foreign_key_check").fetchmany(5)
    if broken:
        raise MigrationError(f"migrations left foreign-key violations in {path}: {broken}")


def migrate(path: Path, *, target_version: int | None = None, verify: bool = True) -> int:
    """Check ``path`` and bring it to ``target_version`` (default: the latest). Blocking.

    Creates the file (and its parent directory) if missing, switches it to WAL and applies
    the pending migrations in *one* transaction, so a failure leaves the file as it was.
    Returns the schema version the file ends at. :func:`open_database` calls this in a
    thread; tests call it directly to build databases at older versions.
    """
    if sqlite3.sqlite_version_info < MIN_SQLITE_VERSION:
        raise StorageError(
            f"SQLite {sqlite3.sqlite_version} is too old; this bot needs "
            f"{'.'.join(map(str, MIN_SQLITE_VERSION))} or newer (STRICT tables)."
        )
    migrations = load_migrations()
    target = len(migrations) if target_version is None else target_version
    if not 0 <= target <= len(migrations):
        raise ValueError(f"target_version must be 0..{len(migrations)}, got {target}")
    path = path.absolute()
    _inspect_or_create(path, len(migrations), verify=verify)
    try:
        conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
    except sqlite3.Error as error:
        raise _classify(path, error) from error
    try:
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode != "wal":
            raise StorageError(f"cannot switch {path} to WAL (journal_mode stayed {mode!r})")
        conn.execute("PRAGMA foreign_keys = ON")
        # IMMEDIATE takes the write lock before reading the version, so two processes
        # starting together cannot both apply the same migration.
        conn.execute("BEGIN IMMEDIATE")
        try:
            version: int = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > len(migrations):
                raise DatabaseTooNewError(path, version, len(migrations))
            if version < target:
                _apply(conn, path, migrations[version:target])
                version = target
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return version
    except sqlite3.Error as error:
        raise _classify(path, error) from error
    finally:
        conn.close()


class Cursor(Protocol):
    """What a write job gets back from :meth:`Connection.execute` (as ``sqlite3.Cursor``)."""

    @property
    def rowcount(self) -> int:
        """Rows changed by the statement."""
        ...

    def fetchone(self) -> Any:
        """The next row, or ``None``."""
        ...

    def fetchall(self) -> list[Any]:
        """The remaining rows (none for a statement that returns nothing)."""
        ...

    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    """The part of ``sqlite3.Connection`` write jobs use; PostgreSQL's writer offers it too.

    SQL takes ``?`` or ``:name`` parameters on both engines (see :mod:`storage.pg`).
    """

    @property
    def in_transaction(self) -> bool:
        """Whether a transaction is open (even one a failed statement has aborted)."""
        ...

    def execute(self, sql: str, parameters: Params = ..., /) -> Cursor:
        """Run one statement."""
        ...

    def executemany(self, sql: str, parameters: Iterable[Params], /) -> Cursor:
        """Run one statement once per parameter set."""
        ...

    def close(self) -> None:
        """Close the connection."""
        ...


WriteJob: TypeAlias = Callable[[Connection], T]


class Reads(Protocol):
    """An engine's read side: committed data only."""

    async def fetch(self, sql: str, params: Params) -> list[Row]:
        """A small read."""
        ...

    async def fetch_large(self, sql: str, params: Params) -> list[Row]:
        """A read that may take milliseconds."""
        ...

    async def close(self) -> None:
        """Release the connections."""
        ...


def _set_result(future: asyncio.Future[T], result: T) -> None:
    if not future.done():
        future.set_result(result)


def _set_exception(future: asyncio.Future[Any], error: BaseException) -> None:
    if not future.done():
        future.set_exception(error)


class _WriterThread:
    """The writer connection, used only from its own thread; jobs run one by one, in order.

    Like ``aiosqlite``'s thread, but a job is any function of the connection, so a whole
    group of writes is one hand-off. A job that was queued runs even if its ``await`` is
    cancelled (the queue is FIFO and never unqueues).
    """

    def __init__(
        self, connect: Callable[[], Connection], name: str = "mlebot-sqlite-writer"
    ) -> None:
        self._connect = connect
        self._jobs: SimpleQueue[tuple[asyncio.Future[Any], Callable[[], Any]] | None]
        self._jobs = SimpleQueue()
        self._conn: Connection | None = None
        self._thread = threading.Thread(target=self._work, name=name, daemon=True)
        self._thread.start()

    def _work(self) -> None:
        while (item := self._jobs.get()) is not None:
            future, job = item
            loop = future.get_loop()
            try:
                result = job()
            except BaseException as error:  # handed to the awaiting task
                if not loop.is_closed():
                    loop.call_soon_threadsafe(_set_exception, future, error)
            else:
                if not loop.is_closed():
                    loop.call_soon_threadsafe(_set_result, future, result)

    def _connection(self) -> Connection:
        if self._conn is not None and getattr(self._conn, "broken", False):
            # PostgreSQL restarted or dropped us: the write that saw it failed; reconnect.
            with contextlib.suppress(Exception):
                self._conn.close()
            self._conn = None
        if self._conn is None:
            self._conn = self._connect()
        return self._conn

    async def run(self, job: WriteJob[T]) -> T:
        """``job(connection)`` on the thread; its result or exception."""
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._jobs.put((future, lambda: job(self._connection())))
        return await future

    async def stop(self) -> None:
        """Close the connection once every queued job has run; then end the thread."""

        def close() -> None:
            if self._conn is not None:
                self._conn.close()

        try:
            await self.run(lambda _conn: close())
        finally:
            self._jobs.put(None)


def _begin(conn: Connection, begin: str, checkpointer: Checkpointer | None) -> None:
    """Start a write transaction; first, outside it, the checkpointer's turn (SQLite)."""
    if checkpointer is not None:
        checkpointer.before_write(conn)
    conn.execute(begin)


def _run_group(
    conn: Connection,
    jobs: Sequence[WriteJob[Any]],
    begin: str = SQLITE.begin,
    checkpointer: Checkpointer | None = None,
) -> list[_Outcome]:
    """One transaction for ``jobs``, each in its own savepoint. On the writer thread.

    A job that raises is rolled back to its savepoint alone and its error is its outcome;
    the others commit. Raises only when the transaction as a whole could not commit (or a
    job's error rolled it back), so nothing of the group was written.
    """
    _begin(conn, begin, checkpointer)
    outcomes: list[_Outcome] = []
    try:
        for job in jobs:
            conn.execute("SAVEPOINT write")
            try:
                outcomes.append((True, job(conn)))
            except Exception as error:  # the job's own outcome
                if not conn.in_transaction:  # e.g. SQLITE_FULL rolls back the whole group
                    raise _GroupLostError from error
                conn.execute("ROLLBACK TO write")
                outcomes.append((False, error))
            conn.execute("RELEASE write")
        try:
            conn.execute("COMMIT")
        except Exception as error:
            if getattr(conn, "broken", False):  # PostgreSQL: lost while committing
                raise _CommitUnknownError from error
            raise
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return outcomes


def _retryable(error: object) -> bool:
    """Whether ``error`` is another transaction's fault, not the job's: PostgreSQL aborted
    it to break a deadlock (SQLSTATE 40P01) or a serialization failure (40001). sqlite3's
    errors carry no ``sqlstate`` (SQLite's one writer has neither)."""
    return getattr(error, "sqlstate", None) in RETRY_SQLSTATES


def _run_alone(
    conn: Connection, job: WriteJob[Any], begin: str = SQLITE.begin, retries: int = RETRIES
) -> _Outcome:
    """``job`` in a transaction of its own: after its group failed as a whole, or after it
    lost a deadlock (or a serialization failure) inside its group.

    A job that loses to another process is run again, up to ``retries`` more times after
    a short random pause. Not in its group's transaction: that still holds the locks of the
    jobs before it (a ``ROLLBACK TO`` its savepoint releases only the job's own locks, the
    ones taken since the savepoint), so the same cycle would form again; alone, the job
    holds nothing while it waits.
    """
    for attempt in range(retries + 1):
        try:
            outcome: _Outcome = _run_group(conn, [job], begin)[0]
        except _CommitUnknownError as unknown:
            return (False, _commit_unknown(unknown))
        except _GroupLostError as lost:
            outcome = (False, lost.__cause__ or lost)
        except Exception as error:  # the job's own outcome
            outcome = (False, error)
        if outcome[0] or not _retryable(outcome[1]) or attempt == retries:
            return outcome
        time.sleep(random.uniform(0, RETRY_PAUSE_S * (attempt + 1)))
    raise AssertionError("unreachable")  # pragma: no cover


class _GroupLostError(Exception):
    """A job's error ended the group's transaction: the group is retried job by job."""


class _CommitUnknownError(Exception):
    """The connection was lost during ``COMMIT``: the group may or may not be committed, so
    it must not be retried (that could write it twice); its callers are told so."""


_Outcome: TypeAlias = tuple[bool, Any]


def _commit_unknown(unknown: _CommitUnknownError) -> StorageError:
    error = StorageError(
        "the connection to the database was lost while committing: this write may or may "
        f"not be saved ({unknown.__cause__})"
    )
    error.__cause__ = unknown.__cause__
    return error


class Transaction:
    """Statements run inside :meth:`Database.transaction`, on the writer connection."""

    def __init__(self, writer: _WriterThread) -> None:
        self._writer = writer

    async def execute(self, sql: str, params: Params = ()) -> list[Row]:
        """Run one statement in the transaction; returns its rows (e.g. ``RETURNING``)."""
        return await self._writer.run(lambda conn: conn.execute(sql, params).fetchall())

    async def run(self, job: WriteJob[T]) -> T:
        """Run ``job(connection)`` in the transaction (several statements, one hand-off)."""
        return await self._writer.run(job)


class Database:
    """The open database. Repositories in this package are its only users of SQL.

    Use as ``async with await open_database(path) as db:`` or call :meth:`close`.
    """

    def __init__(
        self,
        location: Path | str,
        writer: _WriterThread,
        reads: Reads,
        schema_version: int,
        dialect: Dialect = SQLITE,
        *,
        checkpointer: Checkpointer | None = None,
    ) -> None:
        #: The file (SQLite) or the URL without its password (PostgreSQL).
        self.location = str(location)
        self._path = location if isinstance(location, Path) else None
        self.schema_version = schema_version
        #: The engine's SQL where it differs (:mod:`storage.dialect`).
        self.dialect = dialect
        self._writer = writer
        self._reads = reads
        #: Copies SQLite's WAL into the file off the writer's thread (None on PostgreSQL).
        self.checkpointer = checkpointer
        self._write_lock = asyncio.Lock()
        self._writes_begun = 0
        self._writes_settled = 0
        self._barriers: set[asyncio.Task[None]] = set()
        self._pending: list[tuple[WriteJob[Any], asyncio.Future[Any]]] = []
        self._committer: asyncio.Task[None] | None = None
        self._closed = False
        #: Transactions committed by :meth:`write` (group commits), for tests and benches.
        self.group_commits = 0

    @property
    def path(self) -> Path:
        """The SQLite file; PostgreSQL has none (:class:`StorageError`)."""
        if self._path is None:
            raise StorageError(f"{self.location} is not a file")
        return self._path

    def write_epoch(self) -> int | None:
        """Changes whenever a write begins or settles; ``None`` while one may be running.

        Two equal values mean no write ran in between: a read made between them can be
        reused until the epoch changes. Always ``None`` on PostgreSQL, where other
        processes write too and this process's counter proves nothing.
        """
        if self.dialect.shared or self._writes_begun != self._writes_settled or self._pending:
            return None
        return self._writes_begun

    @asynccontextmanager
    async def _writing(self) -> AsyncIterator[None]:
        """Hold the write lock and count the write as begun, then as settled."""
        async with self._write_lock:
            self._writes_begun += 1
            try:
                yield
            except BaseException:
                self._settle_later()
                raise
            self._writes_settled += 1
            if self.checkpointer is not None:
                self.checkpointer.nudge()

    def _settle_later(self) -> None:
        """Settle a write that ended with an error, once it has really stopped.

        A cancelled ``await`` does not unqueue the job from the writer's thread: it may
        still commit. A no-op queued behind it finishes after it (the queue is FIFO), so
        the write counts as settled only then.
        """

        def settled(barrier: asyncio.Task[None]) -> None:
            self._barriers.discard(barrier)
            self._writes_settled += 1
            if not barrier.cancelled():
                barrier.exception()  # retrieved: a closed connection is fine here

        barrier = asyncio.ensure_future(self._writer.run(lambda _conn: None))
        self._barriers.add(barrier)
        barrier.add_done_callback(settled)

    async def fetch(self, sql: str, params: Params = ()) -> list[Row]:
        """One read statement (committed data only), run right here on the loop's thread.

        The repositories' reads are index lookups of a few dozen microseconds, less than
        the hand-off to a connection thread and back (two thread switches and a wake-up of
        the loop) costs. WAL readers never wait for the writer. Reads that scan a guild's
        rows (exports, week boards) use :meth:`fetch_large` instead.
        """
        return await self._reads.fetch(sql, params)

    async def fetch_large(self, sql: str, params: Params = ()) -> list[Row]:
        """:meth:`fetch` on the reader's own thread, for reads that may take milliseconds."""
        return await self._reads.fetch_large(sql, params)

    async def write(self, job: WriteJob[T]) -> T:
        """Run ``job(connection)`` in a transaction; return its result once committed.

        Group commit: jobs that arrive while a commit is in flight wait for it, then all
        run in *one* transaction, each inside its own savepoint, so a burst of writes costs
        a few commits rather than one each. A job that raises is rolled back alone (its
        error is raised here) and the rest of its group commits; if the group's
        transaction fails as a whole, each job is retried in a transaction of its own. On
        PostgreSQL a job that lost a deadlock to another process's transaction (or a
        serialization failure) is run again alone, a few times, once its group has
        committed (:func:`_run_alone`): its caller sees no error for a conflict it did not
        cause.
        The result is returned only after the ``COMMIT`` that holds the job's rows, so a
        caller that acknowledges it acknowledges only what is durable.

        ``job`` runs on the writer's thread: plain ``sqlite3`` calls, no ``await``; it
        must not commit, and should be quick (the group waits for it). A job whose caller
        is cancelled still runs and may commit.
        """
        if self._closed:
            raise StorageError("the database is closed")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._pending.append((job, future))
        if self._committer is None:
            self._committer = asyncio.ensure_future(self._commit_pending())
        return await future

    async def _commit_pending(self) -> None:
        """Commit the queued jobs group by group until none is left (one task at a time)."""
        group: list[tuple[WriteJob[Any], asyncio.Future[Any]]] = []
        try:
            while self._pending:
                group, self._pending = self._pending, []
                jobs = [job for job, _ in group]
                async with self._writing():
                    try:
                        outcomes = await self._writer.run(
                            functools.partial(
                                _run_group,
                                jobs=jobs,
                                begin=self.dialect.begin,
                                checkpointer=self.checkpointer,
                            )
                        )
                    except _CommitUnknownError as unknown:
                        outcomes = [(False, _commit_unknown(unknown)) for _ in jobs]
                    except Exception:  # the group failed as a whole: one by one
                        outcomes = [
                            await self._writer.run(
                                functools.partial(_run_alone, job=job, begin=self.dialect.begin)
                            )
                            for job in jobs
                        ]
                    else:
                        self.group_commits += 1
                        await self._run_lost_again(jobs, outcomes)
                for (_, future), (ok, value) in zip(group, outcomes, strict=True):
                    if ok:
                        _set_result(future, value)
                    else:
                        _set_exception(future, value)
        except BaseException as error:  # cancelled (loop shutting down): nobody waits forever
            for _, future in group:  # in flight: the thread may still commit it
                _set_exception(
                    future, StorageError(f"write interrupted, maybe committed: {error!r}")
                )
            for _, future in self._pending:
                _set_exception(future, StorageError(f"write not committed: {error!r}"))
            self._pending = []
            raise
        finally:
            self._committer = None

    async def _run_lost_again(self, jobs: list[WriteJob[Any]], outcomes: list[_Outcome]) -> None:
        """The jobs of a committed group that lost to another process: alone, now that the
        group's locks are released (:func:`_run_alone`)."""
        for index, (ok, value) in enumerate(outcomes):
            if not ok and _retryable(value):
                outcomes[index] = await self._writer.run(
                    functools.partial(_run_alone, job=jobs[index], begin=self.dialect.begin)
                )

    async def checkpoint(self) -> bool:
        """``PRAGMA wal_checkpoint(TRUNCATE)`` on the writer, outside any transaction.

        Copies every committed page into the main file and empties the ``-wal`` file. False
        when a reader held the WAL (busy): SQLite's next automatic checkpoint finishes it.
        Nothing to do on PostgreSQL (always ``True``).
        """
        if self.dialect.engine != "sqlite":
            return True
        async with self._writing():
            busy = await self._writer.run(
                lambda conn: conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            )
        return not busy

    async def tables(self) -> dict[str, list[str]]:
        """The schema's tables (ours, not the engine's bookkeeping) and their columns, in order."""
        if self.dialect.engine == "sqlite":
            names = await self.fetch(
                "SELECT name FROM sqlite_schema WHERE type = 'table'"
                " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
            )
            return {
                name: [row[1] for row in await self.fetch(f"PRAGMA table_info({name})")]
                for (name,) in names
            }
        rows = await self.fetch(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name <> 'mlebot_schema'"
            " ORDER BY table_name, ordinal_position"
        )
        found: dict[str, list[str]] = {}
        for table, column in rows:
            found.setdefault(table, []).append(column)
        return found

    async def execute(self, sql: str, params: Params = ()) -> list[Row]:
        """One write statement, committed (with whatever shares its group) before this returns."""
        return await self.write(lambda conn: conn.execute(sql, params).fetchall())

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT``, or ``ROLLBACK`` if anything raises.

        Holds the write lock throughout. Statements queue on the writer's thread in
        order, so even when this task is cancelled mid-way (or mid-``BEGIN``), the
        ``ROLLBACK`` queued here runs after them and the connection never stays inside a
        transaction.
        """
        async with self._writing():
            try:
                begin, checkpointer = self.dialect.begin, self.checkpointer
                await self._writer.run(lambda conn: _begin(conn, begin, checkpointer))
                yield Transaction(self._writer)
                await self._writer.run(lambda conn: conn.execute("COMMIT"))
            except BaseException:
                await self._rollback()
                raise

    async def _rollback(self) -> None:
        def rollback(conn: Connection) -> None:
            if conn.in_transaction:  # BEGIN itself may have failed
                conn.execute("ROLLBACK")

        await self._writer.run(rollback)

    async def close(self) -> None:
        """Close both connections (idempotent); the writer goes last to checkpoint the WAL.

        Writes already queued are committed first.
        """
        if self._closed:
            return
        self._closed = True
        if self._committer is not None:
            with contextlib.suppress(Exception):
                await asyncio.shield(self._committer)
        await self._reads.close()
        if self.checkpointer is not None:  # before the writer, which closes last
            await asyncio.to_thread(self.checkpointer.stop)
        async with self._write_lock:
            try:
                # Only an optimisation: a full disk or read-only file must not fail close().
                if self.dialect.engine == "sqlite":
                    with contextlib.suppress(sqlite3.OperationalError):
                        await self._writer.run(lambda conn: conn.execute("PRAGMA optimize"))
            finally:
                await self._writer.stop()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


_PRAGMAS = (
    "PRAGMA foreign_keys = ON",
    f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS:d}",
    # In WAL mode NORMAL survives a process crash (kill -9); only power loss can
    # drop the last commits. FULL would add an fsync to every write.
    "PRAGMA synchronous = NORMAL",
    # Deleted rows are overwritten with zeros, not just unlinked: after /forget-me the
    # member's name and notes are gone from the file (the WAL is checkpointed by the
    # deletion, see MembersRepository.forget_member).
    "PRAGMA secure_delete = ON",
)


def _connect_plain(path: Path, *pragmas: str, check_same_thread: bool) -> sqlite3.Connection:
    conn = sqlite3.connect(
        path, isolation_level=None, check_same_thread=check_same_thread, cached_statements=256
    )
    try:
        for pragma in (*_PRAGMAS, *pragmas):
            conn.execute(pragma)
    except BaseException:
        conn.close()
        raise
    return conn


async def _connect(path: Path, *pragmas: str) -> aiosqlite.Connection:
    conn = await aiosqlite.connect(path, isolation_level=None, cached_statements=256)
    try:
        for pragma in (*_PRAGMAS, *pragmas):
            await conn.execute_fetchall(pragma)
    except BaseException:
        await conn.close()
        raise
    return conn


class _SqliteReads:
    """Small reads inline on the loop's thread, large ones on an ``aiosqlite`` thread."""

    def __init__(
        self, reader: aiosqlite.Connection, inline: sqlite3.Connection | None = None
    ) -> None:
        self._reader = reader
        self._inline = inline
        self._closed = False

    async def fetch(self, sql: str, params: Params) -> list[Row]:
        if self._closed:
            raise StorageError("the database is closed")
        if self._inline is None:  # built without one: on the reader's thread
            return await self.fetch_large(sql, params)
        return self._inline.execute(sql, params).fetchall()

    async def fetch_large(self, sql: str, params: Params) -> list[Row]:
        return list(await self._reader.execute_fetchall(sql, params))  # type: ignore[arg-type]

    async def close(self) -> None:
        self._closed = True
        await self._reader.close()
        if self._inline is not None:
            self._inline.close()
            self._inline = None


def postgres() -> Any:
    """:mod:`storage.pg`, imported on first use (psycopg is an optional dependency)."""
    try:
        from storage import pg  # noqa: PLC0415
    except ImportError as error:
        raise StorageError(
            f"a postgresql:// database needs psycopg ({error.name} is missing): "
            "pip install 'mle-roadmap-bot[postgres]'"
        ) from error
    return pg


def is_postgres_url(target: Path | str) -> bool:
    """Whether ``target`` names a PostgreSQL database (``postgresql://`` or ``postgres://``)."""
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


async def open_database(target: Path | str, *, verify: bool = True) -> Database:
    """Open (creating if needed) and migrate the database at ``target``.

    ``target`` is an SQLite file, or a ``postgresql://`` URL (:mod:`storage.pg`: same
    checks, its own migrations; ``verify`` does not apply).

    Raises :class:`~storage.errors.DatabaseCorruptError`,
    :class:`~storage.errors.DatabaseUnreadableError`,
    :class:`~storage.errors.UnrecognizedDatabaseError`,
    :class:`~storage.errors.DatabaseTooNewError` or :class:`~storage.errors.MigrationError`,
    each with a message a person can act on; a refused file is left untouched.
    ``verify=False`` skips ``PRAGMA quick_check`` (a full read of the file) at start-up.
    """
    if is_postgres_url(target):
        opened: Database = await postgres().open_postgres(str(target))
        return opened
    path = await asyncio.to_thread(Path(target).absolute)
    version = await asyncio.to_thread(migrate, path, verify=verify)
    writer = _WriterThread(lambda: _connect_plain(path, *WRITER_PRAGMAS, check_same_thread=False))
    try:
        await writer.run(lambda _conn: None)  # connects: a failure is reported here
    except sqlite3.Error as error:
        await writer.stop()
        raise _classify(path, error) from error
    try:
        reader = await _connect(path, "PRAGMA query_only = ON")
    except BaseException as error:
        await writer.stop()
        if isinstance(error, sqlite3.Error):
            raise _classify(path, error) from error
        raise
    try:
        inline = _connect_plain(path, "PRAGMA query_only = ON", check_same_thread=True)
    except BaseException as error:
        await reader.close()
        await writer.stop()
        if isinstance(error, sqlite3.Error):
            raise _classify(path, error) from error
        raise
    checkpointer = Checkpointer(path, lambda: _connect_plain(path, check_same_thread=True))
    return Database(path, writer, _SqliteReads(reader, inline), version, checkpointer=checkpointer)
