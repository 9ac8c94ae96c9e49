"""The few pieces of SQL that differ between the two engines, one object per engine.

Repositories write portable SQL (``?`` and ``:name`` parameters, ``ON CONFLICT``,
``RETURNING``, window functions, row values) and take the rest from
:attr:`storage.db.Database.dialect`, so no ``if engine == ...`` is spread around them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["GUILD_KEY", "POSTGRES", "SQLITE", "Dialect", "Engine"]

Engine = Literal["sqlite", "postgres"]

#: The guild locks' key space ('MLRG'), in the two-int form of advisory locks: apart from
#: the member locks (one bigint, the user id), so a guild id never meets a user id. The
#: second int is ``hashint8(guild_id)``: two guilds may share a lock, which only makes them
#: wait for each other now and then.
GUILD_KEY = 0x4D4C5247


@dataclass(frozen=True, slots=True)
class Dialect:
    """SQL spelled per engine."""

    engine: Engine
    #: Null-safe "differs" / "equals" (SQLite ``IS NOT`` / ``IS``).
    distinct: str
    not_distinct: str
    #: Opens the writer's transactions (SQLite takes the write lock up front).
    begin: str
    #: ``True`` when other processes may write the same database (PostgreSQL): results
    #: cached on the strength of this process's write counter are not safe.
    shared: bool
    #: Serializes, until the transaction ends, the writes that move one member's totals
    #: (a parameter: the user id), so :func:`storage.ranks.track` reads before and after
    #: with no other process in between. ``None``: SQLite's one writer already does.
    lock_member: str | None = None
    #: Shared and exclusive locks on one guild's rank counts until the transaction ends (a
    #: parameter: the guild id): :func:`storage.ranks.track` takes the shared one *before*
    #: the member lock, :func:`storage.ranks.recount` the exclusive one, so a season's
    #: recount never interleaves with another process's member write. ``None``: SQLite.
    lock_guild_shared: str | None = None
    lock_guild: str | None = None


SQLITE = Dialect(
    engine="sqlite", distinct="IS NOT", not_distinct="IS", begin="BEGIN IMMEDIATE", shared=False
)
POSTGRES = Dialect(
    engine="postgres",
    distinct="IS DISTINCT FROM",
    not_distinct="IS NOT DISTINCT FROM",
    begin="BEGIN",
    shared=True,
    lock_member="SELECT pg_advisory_xact_lock(?)",
    lock_guild_shared=f"SELECT pg_advisory_xact_lock_shared({GUILD_KEY}, hashint8(?::bigint))",
    lock_guild=f"SELECT pg_advisory_xact_lock({GUILD_KEY}, hashint8(?::bigint))",
)
