"""One live bot process per shard on a PostgreSQL database, enforced by the server.

Several processes share a PostgreSQL database by design, and the ledgers' claims are the
database's (unique keys): two processes can never both *claim* one post. Recovery is another
matter: a process that finds a post ``claimed`` and never confirmed takes it for the leftover
of a sender that died, looks for the message on Discord and, not finding it, sends the post
again (``scheduler/jobs.py``). That is right only while no other *live* process owns the
guild, as on SQLite, where one process holds the file (``bot/dblock.py``). Two processes
started with the same ``MLEBOT_SHARD_IDS`` (a replica too many), or with different
``MLEBOT_SHARD_COUNT`` values (then they disagree on which shard a guild is on), would both
own some guilds, and one could re-send a post the other has in flight.

So ``mle-bot run`` holds, for as long as it runs, session-level advisory locks on one
connection of its own:

* ``(LAYOUT_KEY, shard_count)``, shared: every process on the database uses the same count
  (a process with another count sees it in ``pg_locks`` and is refused);
* ``(SHARD_KEY, shard_id)``, exclusive, for each shard it runs (a process without shards
  runs shard 0 of 1), so a second process for one shard is refused.

The server drops a session's locks when the session ends, ``kill -9`` of the bot included
(its socket closes), so a restart is never refused by a lock left behind. A process whose host
died closes nothing: the session asks the server to probe an idle TCP connection after 30 s
(``tcp_keepalives_*``, by default the system's two hours), so its locks go within about a
minute.

While the bot runs, :meth:`ShardLease.watch` checks the session on a thread of its own every
``CHECK_EVERY_S`` (5 s): one round trip asking ``pg_locks`` whether the session still holds
every lock. A session can be lost while the process lives on (PostgreSQL restarted, the
network cut, the backend terminated): its locks are gone, and another process could start on
the shards while this one still schedules posts. The watcher then connects again and takes
exactly the same locks, trying for up to ``GRACE_S`` (30 s) while the server cannot be
reached. If another live process took one of them meanwhile, or the server stays unreachable
that long, this process no longer owns its shards: the watcher reports it once (the bot logs
one error line and shuts down cleanly, exit code 1) and never takes them again. The grace is
shorter than the minute after which the server itself drops a silent session (the keepalives
above), so a process cut off from the server gives its shards up before another can take them.
On the client side the lease's connection gives up on a silent server after
``CLIENT_TIMEOUT_S`` (10 s: libpq's ``tcp_user_timeout`` and keepalives), so a check never
hangs on a cut network.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from storage.errors import DatabaseUnreadableError, StorageError, first_line

if TYPE_CHECKING:
    import psycopg

__all__ = [
    "CHECK_EVERY_S",
    "GRACE_S",
    "LAYOUT_KEY",
    "SHARD_KEY",
    "ShardLease",
    "ShardWatch",
    "ShardsTakenError",
    "hold_shards",
]

log = logging.getLogger(__name__)

#: Advisory lock key spaces (the two-int form; ``storage.pg`` migrates under a bigint key,
#: which is a separate key space). 'MLRL' and 'MLRS'.
LAYOUT_KEY = 0x4D4C524C
SHARD_KEY = 0x4D4C5253
#: The server probes the session's idle TCP connection after 30 s, every 10 s, 3 times
#: (ignored over a Unix socket, which cannot outlive its host).
KEEPALIVES = (
    ("tcp_keepalives_idle", 30),
    ("tcp_keepalives_interval", 10),
    ("tcp_keepalives_count", 3),
)
#: How often the watcher checks that the session still holds the locks (seconds).
CHECK_EVERY_S = 5.0
#: How long the watcher keeps trying to take the locks again while the server cannot be
#: reached, before this process gives its shards up (seconds).
GRACE_S = 30.0
#: Pause between two attempts to take the locks again (seconds).
RETRY_EVERY_S = 2.0
#: The lease's connection: a server that answers nothing for this long is lost (seconds).
CLIENT_TIMEOUT_S = 10
CONNECT_TIMEOUT_S = 10

_HELD = (
    "SELECT count(*) FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'advisory'"
    " AND granted AND objsubid = 2 AND classid IN (%s::bigint::oid, %s::bigint::oid)"
)


class ShardsTakenError(StorageError):
    """Another live process on the database runs one of these shards, or another count."""


def _connect(url: str) -> psycopg.Connection[Any]:
    """The lease's own session (autocommit), quick to notice a server gone silent."""
    import psycopg  # noqa: PLC0415  (psycopg only with PostgreSQL)

    from storage.pg import redact  # noqa: PLC0415

    try:
        return psycopg.connect(
            url,
            autocommit=True,
            connect_timeout=CONNECT_TIMEOUT_S,
            application_name="mlebot-shards",
            keepalives=1,
            keepalives_idle=CLIENT_TIMEOUT_S,
            keepalives_interval=max(1, CLIENT_TIMEOUT_S // 3),
            keepalives_count=3,
            tcp_user_timeout=CLIENT_TIMEOUT_S * 1000,
        )
    except psycopg.OperationalError as error:
        raise DatabaseUnreadableError(redact(url), first_line(error)) from error


def _take(conn: psycopg.Connection[Any], url: str, count: int, ids: tuple[int, ...]) -> None:
    """Take the locks on ``conn``; :class:`ShardsTakenError` when another process has one."""
    from storage.pg import redact  # noqa: PLC0415

    for setting, value in KEEPALIVES:
        conn.execute(f"SET {setting} = {value}".encode())
    conn.execute("SELECT pg_advisory_lock_shared(%s, %s)", (LAYOUT_KEY, count))
    others = [
        int(row[0])
        for row in conn.execute(
            "SELECT DISTINCT objid::bigint FROM pg_locks WHERE locktype = 'advisory'"
            " AND granted AND objsubid = 2 AND classid = %s::bigint::oid AND objid <> %s"
            " AND database = (SELECT oid FROM pg_database"
            " WHERE datname = current_database())",
            (LAYOUT_KEY, count),
        ).fetchall()
    ]
    if others:
        raise ShardsTakenError(
            f"another bot process on {redact(url)} runs with {others[0]} shard(s) in all, "
            f"this one with {count}: every process on one database needs the same "
            "MLEBOT_SHARD_COUNT"
        )
    taken = [
        shard
        for shard in ids
        if conn.execute("SELECT pg_try_advisory_lock(%s, %s)", (SHARD_KEY, shard)).fetchall()
        != [(True,)]
    ]
    if taken:
        raise ShardsTakenError(
            f"shard(s) {_listed(taken)} of {count} already run in another bot process on "
            f"{redact(url)}: stop it, or give each process its own MLEBOT_SHARD_IDS"
        )


class ShardLease:
    """The held locks (a connection of their own); :meth:`close` lets them go."""

    def __init__(
        self, url: str, conn: psycopg.Connection[Any], shard_count: int, shard_ids: tuple[int, ...]
    ) -> None:
        self._url = url
        self._conn = conn
        self.shard_count = shard_count
        self.shard_ids = shard_ids
        #: Times the locks were taken again on a new session (after a lost one).
        self.renewals = 0
        self._watch: ShardWatch | None = None

    def backend_pid(self) -> int:
        """The server process of the lease's session (for operators and tests)."""
        return int(self._conn.info.backend_pid)

    def check(self) -> None:
        """One round trip: raises when the session, or any of its locks, is gone. Blocking."""
        row = self._conn.execute(_HELD, (LAYOUT_KEY, SHARD_KEY)).fetchone()
        held = 0 if row is None else int(row[0])
        if held != len(self.shard_ids) + 1:
            raise StorageError(f"the session holds {held} of {len(self.shard_ids) + 1} locks")

    def renew(self) -> None:
        """A new session taking exactly the same locks. Blocking.

        Raises :class:`ShardsTakenError` (nothing held) when another live process took one,
        and :class:`~storage.errors.DatabaseUnreadableError` when the server cannot be reached.
        """
        self._conn.close()  # whatever the old session still held goes with it
        conn = _connect(self._url)
        try:
            _take(conn, self._url, self.shard_count, self.shard_ids)
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        self.renewals += 1

    def keep(self, grace: float = GRACE_S, stop: threading.Event | None = None) -> str | None:
        """Check the locks; after a lost session take them again. ``None`` while they are
        held (again), else why this process no longer owns its shards. Blocking: up to
        ``grace`` seconds of attempts while the server cannot be reached (``stop`` ends
        them early, returning ``None``)."""
        try:
            self.check()
        except Exception as error:  # any failure: the session is not to be trusted
            lost = first_line(error)
        else:
            return None
        shards = f"shard(s) {_listed(self.shard_ids)} of {self.shard_count}"
        log.warning(
            "the database session holding %s was lost (%s); taking them again", shards, lost
        )
        give_up = time.monotonic() + grace
        while True:
            try:
                self.renew()
            except ShardsTakenError as taken:
                return (
                    f"this process no longer owns {shards}: its database session was lost and "
                    f"{taken}; stopping"
                )
            except Exception as error:  # unreachable, or the session died again
                left = give_up - time.monotonic()
                if left <= 0:
                    return (
                        f"this process no longer owns {shards}: its database session was lost "
                        f"and the server stayed unreachable for {grace:g} s "
                        f"({first_line(error)}); stopping"
                    )
                pause = min(RETRY_EVERY_S, left)
                if stop is None:
                    time.sleep(pause)
                elif stop.wait(pause):
                    return None
            else:
                log.info("%s held again on a new database session", shards)
                return None

    def watch(
        self,
        on_lost: Callable[[str], None],
        *,
        every: float = CHECK_EVERY_S,
        grace: float = GRACE_S,
    ) -> ShardWatch:
        """Start checking the locks every ``every`` seconds on a thread of its own (see the
        module's docstring); ``on_lost(reason)`` is called once, on that thread, when this
        process no longer owns its shards. Stop it before :meth:`close`."""
        self._watch = ShardWatch(self, on_lost, every, grace)
        return self._watch

    def close(self) -> None:
        """End the session: the server drops its locks.

        Not while a watcher's check is still under way on it (one stuck on a silent server
        after :meth:`ShardWatch.stop` gave up waiting): closing a connection another thread
        is using is not safe, and the process's exit closes the socket anyway."""
        if self._watch is not None and self._watch.running():
            log.warning("the shard locks' session is busy; it ends with the process")
            return
        if not self._conn.closed:
            # Let go before closing: the server ends a closed session a moment later, and a
            # process started right after this one must not find these locks still held.
            try:
                self._conn.execute("SELECT pg_advisory_unlock_all()")
            except Exception as error:  # a lost session holds nothing any more
                log.debug("letting go of the shard locks: %s", first_line(error))
        self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class ShardWatch:
    """The thread of :meth:`ShardLease.watch`; :meth:`stop` ends it."""

    def __init__(
        self, lease: ShardLease, on_lost: Callable[[str], None], every: float, grace: float
    ) -> None:
        self._lease = lease
        self._on_lost = on_lost
        self._every = every
        self._grace = grace
        self._stop = threading.Event()
        #: Why the shards were lost, once they were.
        self.lost: str | None = None
        self._thread = threading.Thread(target=self._run, name="mlebot-shard-watch", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            reason = self._lease.keep(self._grace, self._stop)
            if self._stop.is_set():
                return
            if reason is not None:
                self.lost = reason
                self._on_lost(reason)
                return

    def running(self) -> bool:
        """Whether the thread is still alive (checking, or waiting for the next check)."""
        return self._thread.is_alive()

    def stop(self, timeout: float = 1.0) -> None:
        """Stop checking; waits up to ``timeout`` s for a check under way (a daemon thread:
        one stuck on a silent server never holds the process up)."""
        self._stop.set()
        self._thread.join(timeout)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _shards(
    shard_count: int | None, shard_ids: Iterable[int] | None
) -> tuple[int, tuple[int, ...]]:
    count = 1 if shard_count is None else shard_count
    ids = tuple(range(count)) if shard_ids is None else tuple(sorted(shard_ids))
    return count, ids


def _listed(ids: Iterable[int]) -> str:
    return ",".join(str(shard) for shard in ids)


def hold_shards(
    url: str, shard_count: int | None = None, shard_ids: Iterable[int] | None = None
) -> ShardLease:
    """Take the locks of a process running ``shard_ids`` of ``shard_count`` (``None``: one
    process, every guild). Blocking (a start-up step, before the event loop).

    Raises :class:`ShardsTakenError` (nothing held) when another live process runs one of the
    shards or uses another shard count, and
    :class:`~storage.errors.DatabaseUnreadableError` when the server cannot be reached.
    """
    count, ids = _shards(shard_count, shard_ids)
    conn = _connect(url)
    try:
        _take(conn, url, count, ids)
    except BaseException:
        conn.close()
        raise
    return ShardLease(url, conn, count, ids)
