"""Errors raised by :mod:`storage`. Every message names the file and says what to do next."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

__all__ = [
    "DatabaseCorruptError",
    "DatabaseTooNewError",
    "DatabaseUnreadableError",
    "MigrationError",
    "PostStateError",
    "StorageError",
    "UnrecognizedDatabaseError",
    "WriteProblem",
    "WriteProblemKind",
    "first_line",
    "write_problem",
]


class StorageError(Exception):
    """Base class for every error this package raises on purpose."""


def first_line(error: BaseException) -> str:
    """The first line of ``error``'s message (its type's name if it has none), for a
    one-line report."""
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


class DatabaseUnreadableError(StorageError):
    """The database file (or its directory) cannot be opened: permissions, a directory, I/O."""

    def __init__(self, path: Path | str, reason: str) -> None:
        if isinstance(path, str):  # a PostgreSQL URL (password removed)
            advice = (
                "Check that the PostgreSQL server is running and reachable, and that the URL's "
                "user, password and database name are right (the database must exist)."
            )
        elif "database is locked" in reason:  # SQLITE_BUSY's message, after the busy timeout
            advice = (
                "Another process may hold it (a second copy of the bot, a backup tool or an "
                "sqlite3 shell): stop that process and start the bot again."
            )
        else:
            advice = (
                "Check that the path is a file the bot's user can read and write, "
                "in a directory it can write (SQLite keeps -wal and -shm files beside it)."
            )
        super().__init__(f"cannot open the database {path}: {reason}. {advice}")
        self.path = path


class DatabaseCorruptError(StorageError):
    """The file is not an SQLite database, or SQLite's integrity check fails.

    The file is never modified: restore a backup or move the file away to start empty.
    """

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(
            f"the database {path} is corrupt or not an SQLite database ({reason}). "
            "It was left untouched: restore it from a backup, or move it away to start "
            "with an empty database."
        )
        self.path = path


class UnrecognizedDatabaseError(StorageError):
    """A database that belongs to some other program (or to nobody we know)."""

    def __init__(self, path: Path | str, reason: str) -> None:
        if isinstance(path, str):  # a PostgreSQL URL (password removed)
            text = (
                f"{path} is a PostgreSQL database but not one of this bot's ({reason}). "
                "It was left untouched: point the bot at an empty database of its own."
            )
        else:
            text = (
                f"{path} is an SQLite database but not one of this bot's ({reason}). "
                "It was left untouched: point the bot at another file."
            )
        super().__init__(text)
        self.path = path


class DatabaseTooNewError(StorageError):
    """The database was migrated by a newer version of the bot than this one."""

    def __init__(self, path: Path | str, found: int, known: int) -> None:
        super().__init__(
            f"the database {path} is at schema version {found}, but this version of the bot "
            f"only knows versions up to {known}. It was left untouched: run the newer bot, "
            "or restore a backup taken before the upgrade."
        )
        self.path = path
        self.found = found
        self.known = known


class MigrationError(StorageError):
    """A migration failed; its transaction was rolled back, so the file is as it was."""


class PostStateError(StorageError):
    """A challenge post cannot move from its current state to the one asked for."""


WriteProblemKind = Literal["full", "read_only", "locked", "io", "unreachable"]


@dataclass(frozen=True, slots=True)
class WriteProblem:
    """Why the running database cannot take a write now; none of these is a bug.

    SQLite itself recovers as soon as the cause goes (space freed, permission restored,
    the other process gone): the next write simply succeeds, no restart needed. ``advice``
    says what an operator should do.
    """

    kind: WriteProblemKind
    advice: str


_ADVICE: Final[dict[WriteProblemKind, str]] = {
    "full": (
        "the disk holding the database is full. Free some space there; the bot carries on "
        "by itself once there is room (no restart needed)."
    ),
    "read_only": (
        "the database has become read-only (file or directory permissions, or a read-only "
        "file system). Make it writable again; the bot carries on by itself."
    ),
    "locked": (
        "the database is locked: another process may hold it (a second copy of the bot, a "
        "backup tool or an sqlite3 shell). Stop that process; the bot carries on by itself."
    ),
    "io": (
        "the disk holding the database reported an I/O error. Check the disk; the bot "
        "carries on by itself once it can write again."
    ),
    "unreachable": (
        "the PostgreSQL server cannot be reached (stopped, restarting, or the network is "
        "down). Bring it back; the bot reconnects by itself (no restart needed)."
    ),
}

#: SQLite primary result codes (``sqlite3.Error.sqlite_errorcode & 0xFF``) for each problem.
_KINDS: Final[dict[int, WriteProblemKind]] = {
    sqlite3.SQLITE_FULL: "full",
    sqlite3.SQLITE_READONLY: "read_only",
    sqlite3.SQLITE_BUSY: "locked",
    sqlite3.SQLITE_LOCKED: "locked",
    sqlite3.SQLITE_IOERR: "io",
    sqlite3.SQLITE_CANTOPEN: "io",
}


#: PostgreSQL SQLSTATEs (psycopg errors' ``sqlstate``; a class when 2 characters long).
_SQLSTATE_KINDS: Final[dict[str, WriteProblemKind]] = {
    "53100": "full",  # disk_full
    "25006": "read_only",  # read_only_sql_transaction (a standby, or read-only by setting)
    "55P03": "locked",  # lock_not_available
    "57P01": "unreachable",  # admin_shutdown
    "57P02": "unreachable",  # crash_shutdown
    "57P03": "unreachable",  # cannot_connect_now
    "08": "unreachable",  # connection_exception
}


def _postgres_kind(error: BaseException) -> WriteProblemKind | None:
    """The problem behind a psycopg error, read from its SQLSTATE (psycopg not imported)."""
    if not type(error).__module__.startswith("psycopg"):
        return None
    state = getattr(error, "sqlstate", None)
    if isinstance(state, str):
        return _SQLSTATE_KINDS.get(state) or _SQLSTATE_KINDS.get(state[:2])
    # No SQLSTATE: the client lost the server (closed connection, refused, timed out).
    is_operational = any(cls.__name__ == "OperationalError" for cls in type(error).__mro__)
    return "unreachable" if is_operational else None


def write_problem(error: BaseException) -> WriteProblem | None:
    """The :class:`WriteProblem` behind ``error`` (or its causes), or ``None`` for any other
    error (a bug, a constraint, corruption...)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, sqlite3.Error):
            code = getattr(current, "sqlite_errorcode", None)
            kind = _KINDS.get(code & 0xFF) if isinstance(code, int) else None
            if kind is not None:
                return WriteProblem(kind, _ADVICE[kind])
        pg_kind = _postgres_kind(current)
        if pg_kind is not None:
            return WriteProblem(pg_kind, _ADVICE[pg_kind])
        current = current.__cause__ or current.__context__
    return None
