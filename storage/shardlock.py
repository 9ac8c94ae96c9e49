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
"""

from __future__ import annotations

from collections.abc import Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Self

from storage.errors import StorageError

if TYPE_CHECKING:
    from storage.pg import PgConnection

__all__ = ["LAYOUT_KEY", "SHARD_KEY", "ShardLease", "ShardsTakenError", "hold_shards"]

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


class ShardsTakenError(StorageError):
    """Another live process on the database runs one of these shards, or another count."""


class ShardLease:
    """The held locks (a connection of their own); :meth:`close` lets them go."""

    def __init__(self, conn: PgConnection, shard_count: int, shard_ids: tuple[int, ...]) -> None:
        self._conn = conn
        self.shard_count = shard_count
        self.shard_ids = shard_ids

    def close(self) -> None:
        """End the session: the server drops its locks."""
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
    from storage.pg import connect, redact  # noqa: PLC0415  (psycopg only with PostgreSQL)

    count, ids = _shards(shard_count, shard_ids)
    conn = connect(url)
    try:
        for setting, value in KEEPALIVES:
            conn.execute(f"SET {setting} = {value}")
        conn.execute("SELECT pg_advisory_lock_shared(?, ?)", (LAYOUT_KEY, count))
        others = [
            int(row[0])
            for row in conn.execute(
                "SELECT DISTINCT objid::bigint FROM pg_locks WHERE locktype = 'advisory'"
                " AND granted AND objsubid = 2 AND classid = ?::bigint::oid AND objid <> ?"
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
            if conn.execute("SELECT pg_try_advisory_lock(?, ?)", (SHARD_KEY, shard)).fetchall()
            != [(True,)]
        ]
        if taken:
            raise ShardsTakenError(
                f"shard(s) {_listed(taken)} of {count} already run in another bot process on "
                f"{redact(url)}: stop it, or give each process its own MLEBOT_SHARD_IDS"
            )
    except BaseException:
        conn.close()
        raise
    return ShardLease(conn, count, ids)
