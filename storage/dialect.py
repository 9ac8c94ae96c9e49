"""The few pieces of SQL that differ between the two engines, one object per engine.

Repositories write portable SQL (``?`` and ``:name`` parameters, ``ON CONFLICT``,
``RETURNING``, window functions, row values) and take the rest from
:attr:`storage.db.Database.dialect`, so no ``if engine == ...`` is spread around them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["POSTGRES", "SQLITE", "Dialect", "Engine"]

Engine = Literal["sqlite", "postgres"]


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
)
