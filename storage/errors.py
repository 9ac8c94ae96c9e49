"""Errors raised by :mod:`storage`. Every message names the file and says what to do next."""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "DatabaseCorruptError",
    "DatabaseTooNewError",
    "DatabaseUnreadableError",
    "MigrationError",
    "PostStateError",
    "StorageError",
    "UnrecognizedDatabaseError",
]


class StorageError(Exception):
    """Base class for every error this package raises on purpose."""


class DatabaseUnreadableError(StorageError):
    """The database file (or its directory) cannot be opened: permissions, a directory, I/O."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(
            f"cannot open the database {path}: {reason}. "
            "Check that the path is a file the bot's user can read and write, "
            "in a directory it can write (SQLite keeps -wal and -shm files beside it)."
        )
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
    """An SQLite database that belongs to some other program (or to nobody we know)."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(
            f"{path} is an SQLite database but not one of this bot's ({reason}). "
            "It was left untouched: point the bot at another file."
        )
        self.path = path


class DatabaseTooNewError(StorageError):
    """The database was migrated by a newer version of the bot than this one."""

    def __init__(self, path: Path, found: int, known: int) -> None:
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
