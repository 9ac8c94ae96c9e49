"""One bot process per SQLite file, enforced by the operating system.

``mle-bot run`` holds an exclusive ``flock`` on ``<database>.lock`` for as long as it runs; a
second ``run`` on the same file (a second container, a forgotten terminal, a second shard
process) is refused at start-up with one line instead of sharing the file with no shared claims
or caches. The kernel drops the lock when the process exits in any way, ``kill -9`` included,
so a restart is never blocked by a stale lock file (the file itself stays, empty).

A PostgreSQL database is shared by design: no lock. Other tools (``mle-bot health``, tests that
read the file) do not take the lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from bot.settings import ENV_NAMES, SettingsError, is_sqlite


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
