"""One bot process per SQLite file, enforced by the operating system.

``mle-bot run`` holds an exclusive ``flock`` on ``<database>.lock`` for as long as it runs; a
second ``run`` on the same file (a second container, a forgotten terminal, a second shard
process) is refused at start-up with one line instead of sharing the file with no shared claims
or caches. The kernel drops the lock when the process exits in any way, ``kill -9`` included,
so a restart is never blocked by a stale lock file (the file itself stays, empty).

A PostgreSQL database is shared by design: several processes, but one per shard.
:func:`one_process_per_shard` holds the server's advisory locks for the process's shards
(:mod:`storage.shardlock` says why and how), and the bot watches them while it runs: after a
lost database session it takes the same locks again, or stops. Other tools (``mle-bot
health``, tests that read the file) take no lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from bot.settings import ENV_NAMES, Settings, SettingsError, is_sqlite

if TYPE_CHECKING:
    from storage.shardlock import ShardLease


def lock_path(database: Path) -> Path:
    """The lock file beside the database: ``<database>.lock``."""
    return database.with_name(database.name + ".lock")


@contextlib.contextmanager
def one_process_per_sqlite_file(database: Path | str) -> Iterator[None]:
    """Hold the database's lock while the body runs; :class:`SettingsError` if another process
    holds it. Does nothing for a PostgreSQL URL."""
    if not is_sqlite(database):
        yield
        return
    path = lock_path(Path(database))
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise SettingsError(
            ENV_NAMES["database"],
            f"cannot create the lock file {path} ({exc.strerror})",
            "make the database's directory writable",
        ) from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SettingsError(
                ENV_NAMES["database"],
                f"another bot process is already running on {database} (it holds {path})",
                "stop that process first; to run several processes, use PostgreSQL "
                "(MLEBOT_DATABASE=postgresql://...) with MLEBOT_SHARD_COUNT and MLEBOT_SHARD_IDS",
            ) from None
        yield
    finally:
        os.close(fd)  # releases the lock


@contextlib.contextmanager
def one_process_per_shard(settings: Settings) -> Iterator[ShardLease | None]:
    """On PostgreSQL, hold this process's shards (every guild, without shards) while the body
    runs; :class:`SettingsError` when another live process runs one of them or uses another
    shard count. Does nothing on SQLite (:func:`one_process_per_sqlite_file` covers it).

    Yields the lease (``None`` on SQLite): the bot watches it while it runs
    (:meth:`~storage.shardlock.ShardLease.watch`, :func:`bot.client.run_bot`), and stops when
    a lost database session cannot take the same shards back.

    Raises :class:`~storage.errors.StorageError` when the server cannot be reached.
    """
    if is_sqlite(settings.database):
        yield None
        return
    from storage.shardlock import ShardsTakenError, hold_shards  # noqa: PLC0415 (psycopg)

    try:
        lease = hold_shards(str(settings.database), settings.shard_count, settings.shard_ids)
    except ShardsTakenError as exc:
        raise SettingsError(
            ENV_NAMES["shard_ids"] if settings.shard_count else ENV_NAMES["database"],
            str(exc),
            "each process on one PostgreSQL database runs its own MLEBOT_SHARD_IDS of the same "
            "MLEBOT_SHARD_COUNT",
        ) from None
    with lease:
        yield lease
