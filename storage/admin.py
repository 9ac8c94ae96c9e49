"""Operator commands on a database: migrate it, copy an SQLite file into PostgreSQL.

``mle-bot db migrate`` and ``mle-bot db copy`` (``bot/__main__.py``) are thin wrappers around
:func:`migrate_database` and :func:`copy_sqlite_to_postgres`. Blocking functions (run them
in a thread from async code); psycopg is imported only when PostgreSQL is involved.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from storage.db import is_postgres_url, load_migrations, migrate, postgres
from storage.errors import DatabaseUnreadableError, StorageError

__all__ = [
    "COPY_ORDER",
    "CopyReport",
    "TableCount",
    "copy_sqlite_to_postgres",
    "migrate_database",
]

#: Every table of the schema, parents before children (foreign keys).
COPY_ORDER = (
    "guild_settings",
    "members",
    "challenge_posts",
    "completions",
    "audit_log",
    "post_threads",
    "reminder_settings",
    "reminder_sends",
    "rank_counts",
    "guild_rewards",
    "reward_grants",
)
#: Ids the database hands out: PostgreSQL's identity sequences continue after the copy.
_IDENTITIES = {"challenge_posts": "post_id", "audit_log": "audit_id"}


def _sqlite_version(path: Path) -> int:
    if not path.exists():
        return 0
    with closing(sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)) as conn:
        version: int = conn.execute("PRAGMA user_version").fetchone()[0]
    return version


def migrate_database(target: Path | str) -> tuple[int, int]:
    """Check ``target`` (a file or a ``postgresql://`` URL) and migrate it to the latest
    schema version; returns (version before, version after). Refuses what the bot refuses
    at start-up (a foreign, corrupt or too-new database), leaving it untouched."""
    if is_postgres_url(target):
        versions: tuple[int, int] = postgres().migrate_postgres(str(target))
        return versions
    path = Path(target)
    try:
        before = _sqlite_version(path)
    except sqlite3.Error:
        before = 0  # migrate() below reports what is wrong with the file
    return before, migrate(path)


@dataclass(frozen=True, slots=True)
class TableCount:
    """Rows of one table in the source and in the target, after the copy."""

    table: str
    source: int
    target: int


@dataclass(frozen=True, slots=True)
class CopyReport:
    """What :func:`copy_sqlite_to_postgres` did: the source's migration and each table."""

    source_versions: tuple[int, int]
    tables: tuple[TableCount, ...]

    def lines(self) -> list[str]:
        """The table of counts, for a terminal."""
        width = max(len(t.table) for t in self.tables)
        rows = [f"{'table':<{width}}  {'sqlite':>9}  {'postgresql':>10}"]
        rows += [f"{t.table:<{width}}  {t.source:>9}  {t.target:>10}" for t in self.tables]
        total = sum(t.source for t in self.tables)
        rows.append(f"{'total':<{width}}  {total:>9}  {sum(t.target for t in self.tables):>10}")
        return rows


def _key(row: Sequence[Any]) -> tuple[tuple[bool, str, Any], ...]:
    """Sort key for rows of mixed values (``None`` first), independent of any collation."""
    return tuple((value is not None, type(value).__name__, value) for value in row)


def copy_sqlite_to_postgres(
    source: Path, target: str, *, progress: Callable[[str], None] = lambda _line: None
) -> CopyReport:
    """Copy every table of the SQLite file ``source`` into the PostgreSQL database ``target``.

    The source is first brought to the latest schema version (what the bot does at start);
    the target is migrated and must hold no rows. All rows go in *one* transaction on the
    target, with its triggers off (the totals, streaks and rank counts are copied, not
    recomputed), then every table is compared row by row with the source before
    ``COMMIT``: on any difference nothing is committed and :class:`StorageError` says where.
    """
    pg_module = postgres()
    connect, migrate_postgres, redact = (
        pg_module.connect,
        pg_module.migrate_postgres,
        pg_module.redact,
    )
    if not source.is_file():
        raise DatabaseUnreadableError(source, "there is no such file")
    source_versions = migrate_database(source)
    _, target_version = migrate_postgres(target)
    if target_version != len(load_migrations()):  # cannot happen: both are the latest
        raise StorageError(f"{redact(target)} is at version {target_version}")
    uri = f"{source.absolute().as_uri()}?mode=ro"
    with closing(sqlite3.connect(uri, uri=True)) as src:
        columns = {
            table: [row[1] for row in src.execute(f"PRAGMA table_info({table})")]
            for table in COPY_ORDER
        }
        pg = connect(target)
        try:
            pg.execute("BEGIN")
            try:
                counts = _copy_all(src, pg, columns, redact(target), progress)
                pg.execute("COMMIT")
            except BaseException:
                if pg.in_transaction:
                    pg.execute("ROLLBACK")
                raise
        finally:
            pg.close()
    return CopyReport(source_versions, tuple(counts))


def _copy_all(
    src: sqlite3.Connection,
    pg: Any,
    columns: dict[str, list[str]],
    where: str,
    progress: Callable[[str], None],
) -> list[TableCount]:
    table_columns = postgres().table_columns
    for table in COPY_ORDER:
        if pg.execute(f"SELECT EXISTS (SELECT 1 FROM {table})").fetchone()[0]:  # noqa: S608
            raise StorageError(
                f"{where} is not empty ({table} has rows): copy into a new, empty database"
            )
        if sorted(table_columns(pg, table)) != sorted(columns[table]):
            raise StorageError(f"{table} has different columns in {where}")
    for table in COPY_ORDER:
        pg.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
    for table in COPY_ORDER:
        names = ", ".join(columns[table])
        rows = src.execute(f"SELECT {names} FROM {table}")  # noqa: S608
        with pg.raw.cursor().copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        progress(f"copied {table}")
    for table, column in _IDENTITIES.items():
        pg.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"  # noqa: S608
            f" coalesce((SELECT max({column}) FROM {table}), 0) + 1, false)"
        )
    for table in COPY_ORDER:
        pg.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
    counts = []
    for table in COPY_ORDER:
        names = ", ".join(columns[table])
        expected = sorted(src.execute(f"SELECT {names} FROM {table}").fetchall(), key=_key)  # noqa: S608
        copied = sorted(
            (tuple(row) for row in pg.execute(f"SELECT {names} FROM {table}").fetchall()),  # noqa: S608
            key=_key,
        )
        if copied != expected:
            first = next(
                (i for i, (a, b) in enumerate(zip(expected, copied, strict=False)) if a != b),
                min(len(expected), len(copied)),
            )
            raise StorageError(
                f"{table}: the copy differs from the source (rows {len(expected)} and "
                f"{len(copied)}, first difference at sorted row {first}); nothing was committed"
            )
        counts.append(TableCount(table, len(expected), len(copied)))
    return counts
