"""A real PostgreSQL for the tests: one server per test session, one database per test.

The server is ``MLEBOT_TEST_POSTGRES_URL`` when set (a database URL whose user may create
databases), else one started from the ``pgserver`` wheel in the session's temporary
directory. One database is migrated once per session; each test gets it emptied
(every table emptied, ids restarted: 0.01 s, where ``CREATE DATABASE ... TEMPLATE`` of a
migrated template took 0.75 s here and ``TRUNCATE`` 0.1 s), so every test starts from the
same clean state.
Tests that need a database of their own (migrations, ``db copy``) call
:meth:`PostgresServer.new_database`.
When neither is possible the PostgreSQL parameters skip with one line saying why.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
import uuid
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ENV = "MLEBOT_TEST_POSTGRES_URL"


def _integrity_errors() -> tuple[type[Exception], ...]:
    try:
        import psycopg  # noqa: PLC0415
    except ImportError:
        return (sqlite3.IntegrityError,)
    return (sqlite3.IntegrityError, psycopg.IntegrityError)


#: A constraint or rule trigger refused a write, on either engine.
INTEGRITY_ERRORS = _integrity_errors()


def _read_only_errors() -> tuple[type[Exception], ...]:
    try:
        import psycopg  # noqa: PLC0415
    except ImportError:
        return (sqlite3.OperationalError,)
    return (sqlite3.OperationalError, psycopg.errors.ReadOnlySqlTransaction)


#: A read connection refused to write, on either engine.
READ_ONLY_ERRORS = _read_only_errors()
#: Both engines, for ``params=`` of the ``store``/``db`` fixtures.
ENGINES = ("sqlite", "postgres")


def with_database(url: str, name: str) -> str:
    """``url`` pointing at database ``name`` (query, e.g. pgserver's socket host, kept)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


@dataclass
class PostgresServer:
    """A server the tests may create databases on."""

    admin_url: str
    #: Started for this session and removed after it: no need to drop each test's database.
    throwaway: bool = False
    template: str | None = None
    created: list[str] = field(default_factory=list)
    shared: str | None = None

    def clean_database(self) -> str:
        """The session's migrated database, emptied: every table truncated, ids restarted."""
        import psycopg  # noqa: PLC0415

        if self.shared is None:
            self.shared = self.new_database()
            return self.shared
        with psycopg.connect(self.shared, autocommit=True) as conn:
            tables = [
                row[0]
                for row in conn.execute(
                    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                    " AND tablename <> 'mlebot_schema'"
                )
            ]
            try:
                # DELETE with triggers off (rules such as "a sent post stays sent" would
                # refuse it): 10x faster than TRUNCATE on these small tables. Superuser only.
                with conn.transaction():
                    conn.execute("SET LOCAL session_replication_role = replica")
                    for table in tables:
                        conn.execute(f'DELETE FROM "{table}"'.encode())
                    conn.execute(
                        "SELECT setval(format('%I', sequencename), 1, false) FROM pg_sequences"
                        " WHERE schemaname = current_schema()"
                    )
            except psycopg.errors.InsufficientPrivilege:
                conn.execute(
                    (
                        "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY"
                    ).encode()
                    + b" CASCADE"
                )
        return self.shared

    def _admin(self) -> object:
        import psycopg  # noqa: PLC0415

        return psycopg.connect(self.admin_url, autocommit=True)

    def new_database(self, *, migrated: bool = True) -> str:
        """A fresh, empty database (migrated to the latest version unless told otherwise)."""
        import psycopg  # noqa: PLC0415

        from storage.pg import migrate_postgres  # noqa: PLC0415

        name = f"mlebot_test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            if migrated and self.template is None:
                template = f"mlebot_template_{uuid.uuid4().hex[:8]}"
                conn.execute(f'CREATE DATABASE "{template}"')
                migrate_postgres(with_database(self.admin_url, template))
                self.template = template
                self.created.append(template)
            suffix = f' TEMPLATE "{self.template}"' if migrated else ""
            conn.execute(f'CREATE DATABASE "{name}"{suffix}')
        self.created.append(name)
        return with_database(self.admin_url, name)

    def drop(self, url: str) -> None:
        """Drop a database made by :meth:`new_database` (connections are closed by force)."""
        import psycopg  # noqa: PLC0415

        name = urlsplit(url).path.lstrip("/")
        if self.throwaway:
            return
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if name in self.created:
            self.created.remove(name)

    def drop_all(self) -> None:
        """Drop every database this session made (for a server that outlives the session)."""
        for url in [with_database(self.admin_url, name) for name in reversed(self.created)]:
            self.drop(url)


def start_server(base: Path) -> tuple[PostgresServer | None, str, object]:
    """(server, why not, handle to stop). ``server`` is ``None`` when there is none.

    ``base`` is a directory of its own, not under pytest's ``basetemp``: pytest removes old
    numbered directories there, which another pytest run on the machine could do while
    this server still runs.
    """
    url = os.environ.get(ENV)
    if url:
        return PostgresServer(url), "", None
    try:
        import psycopg  # noqa: PLC0415

        with warnings.catch_warnings():  # platformdirs: "XDG_RUNTIME_DIR is not set"
            warnings.simplefilter("ignore")
            import pgserver  # noqa: PLC0415
    except ImportError as error:
        return None, f"PostgreSQL tests skipped: {error.name} is not installed ({ENV} unset)", None
    try:
        with warnings.catch_warnings():  # platformdirs: "XDG_RUNTIME_DIR is not set"
            warnings.simplefilter("ignore")
            server = pgserver.get_server(  # type: ignore[attr-defined]
                base / "pgdata", cleanup_mode="stop"
            )
    except Exception as error:
        return None, f"PostgreSQL tests skipped: pgserver could not start ({error})", None
    with psycopg.connect(server.get_uri(), autocommit=True) as conn:
        # A throw-away server: durability buys nothing here.
        for setting in ("fsync", "synchronous_commit", "full_page_writes"):
            conn.execute(f"ALTER SYSTEM SET {setting} = off")
        conn.execute("SELECT pg_reload_conf()")
    return PostgresServer(server.get_uri(), throwaway=True), "", server


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """The session's PostgreSQL (skips the test when there is none)."""
    base = Path(tempfile.mkdtemp(prefix="mlebot-test-pg-"))
    try:
        server, why, handle = start_server(base)
        if server is None:
            pytest.skip(why)
        try:
            yield server
        finally:
            if handle is None:
                server.drop_all()
            else:
                handle.cleanup()  # type: ignore[attr-defined]
    finally:
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """An empty database at the latest schema version, for one test."""
    return postgres_server.clean_database()
