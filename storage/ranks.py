"""Rank counts: how many ranked members each points total has, per guild and period.

A member's rank (competition ranking: equal points, equal rank) is one plus the members
with more points, so with these counts it is a sum over the guild's *distinct* totals,
whatever the guild's size. The table (migration 0007) is derived from the member rows'
totals, which the 0002/0004 triggers keep; this module keeps the counts in step, in the
same transaction as each write that can move a member's totals or hide them:

* :func:`track` around recording/undoing a completion, opting out and forgetting: the
  affected member rows are read before and after, and only the differences are written
  (at most two totals per period and member);
* :func:`recount` for a guild's period after a new season start, which recounts every
  member's season totals at once.

On PostgreSQL other processes write too: :func:`track` holds a shared lock on the guild
and then the member's lock, :func:`recount` (and the settings transaction that starts a
season, before its trigger recounts the members' totals) an exclusive lock on the guild,
so a recount sees no member write of another process half done, nor one in between.

Every function runs on the writer's thread inside the caller's transaction (see
:meth:`storage.db.Database.write`), on the writer's connection (SQLite's or PostgreSQL's):
one code path, no trigger.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from storage.db import Connection
from storage.dialect import SQLITE, Dialect
from storage.models import Period

__all__ = ["RANKED_PERIODS", "lock_guild", "recount", "track"]

#: The periods counted here (the week board ranks one week's completions, not totals).
RANKED_PERIODS = (Period.ALL_TIME, Period.SEASON)

_SNAPSHOT = (
    "SELECT guild_id, user_id, opted_out, completions_all, points_all, completions_season,"
    " points_season FROM members WHERE "
)
# One guild: a primary-key lookup. Every guild (forgetting a member everywhere, rare): a scan.
_ONE_GUILD = _SNAPSHOT + "guild_id = ? AND user_id = ?"
_ALL_GUILDS = _SNAPSHOT + "user_id = ?"
_ADD = (
    "INSERT INTO rank_counts (guild_id, period, points, members) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (guild_id, period, points) DO UPDATE"
    " SET members = rank_counts.members + excluded.members"
)
_REMOVE = (
    "UPDATE rank_counts SET members = members - ? WHERE guild_id = ? AND period = ? AND points = ?"
)
_DROP_EMPTY = (
    "DELETE FROM rank_counts WHERE guild_id = ? AND period = ? AND points = ? AND members = 0"
)
_RECOUNT = {
    Period.ALL_TIME: (
        "INSERT INTO rank_counts (guild_id, period, points, members)"
        " SELECT guild_id, 'all_time', points_all, count(*) FROM members"
        " WHERE guild_id = ? AND completions_all > 0 AND opted_out = 0"
        " GROUP BY guild_id, points_all"
    ),
    Period.SEASON: (
        "INSERT INTO rank_counts (guild_id, period, points, members)"
        " SELECT guild_id, 'season', points_season, count(*) FROM members"
        " WHERE guild_id = ? AND completions_season > 0 AND opted_out = 0"
        " GROUP BY guild_id, points_season"
    ),
}

# (guild, user) -> {period: points} for the periods the member is ranked in.
_Entries = dict[tuple[int, int], dict[Period, int]]


def _entries(conn: Connection, user_id: int, guild_id: int | None) -> _Entries:
    found: _Entries = {}
    rows = (
        conn.execute(_ALL_GUILDS, (user_id,))
        if guild_id is None
        else conn.execute(_ONE_GUILD, (guild_id, user_id))
    )
    for guild, user, opted_out, n_all, p_all, n_season, p_season in rows:
        ranked: dict[Period, int] = {}
        if not opted_out:
            if n_all > 0:
                ranked[Period.ALL_TIME] = p_all
            if n_season > 0:
                ranked[Period.SEASON] = p_season
        found[(guild, user)] = ranked
    return found


@contextmanager
def track(
    conn: Connection, user_id: int, guild_id: int | None, dialect: Dialect = SQLITE
) -> Iterator[None]:
    """Keep the counts in step with whatever the block does to the member's rows.

    ``guild_id=None`` tracks the member in every guild (forgetting them everywhere). The
    block must change no other member's totals. Nothing is written if the block raises.
    Where other processes write too, the member's guild is locked (shared: against a
    :func:`recount`), then the member (``dialect.lock_member``), always in that order.
    """
    locked = _lock_guilds(conn, user_id, guild_id, dialect)
    if dialect.lock_member is not None:
        conn.execute(dialect.lock_member, (user_id,))
    before = _entries(conn, user_id, guild_id)
    if dialect.lock_guild_shared is not None:
        # Everywhere: a guild row written by another process between the guild read and the
        # member lock. Out of order, so this may deadlock: PostgreSQL then aborts one side,
        # and a write job is retried (storage.db).
        for late in sorted({guild for guild, _ in before} - locked):
            conn.execute(dialect.lock_guild_shared, (late,))
    yield
    after = _entries(conn, user_id, guild_id)
    delta: Counter[tuple[int, Period, int]] = Counter()
    for key in before.keys() | after.keys():
        old, new = before.get(key, {}), after.get(key, {})
        for period in RANKED_PERIODS:
            if old.get(period) != new.get(period):
                if period in old:
                    delta[(key[0], period, old[period])] -= 1
                if period in new:
                    delta[(key[0], period, new[period])] += 1
    _apply(conn, delta)


def _lock_guilds(
    conn: Connection, user_id: int, guild_id: int | None, dialect: Dialect
) -> set[int]:
    """Shared guild locks for :func:`track` (none on SQLite), in guild id order."""
    if dialect.lock_guild_shared is None:
        return set()
    if guild_id is not None:
        guilds = {guild_id}
    else:
        rows = conn.execute("SELECT guild_id FROM members WHERE user_id = ?", (user_id,))
        guilds = {guild for (guild,) in rows}
    for guild in sorted(guilds):
        conn.execute(dialect.lock_guild_shared, (guild,))
    return guilds


def lock_guild(conn: Connection, guild_id: int, dialect: Dialect = SQLITE) -> None:
    """Keep every other process's :func:`track` out of the guild until the transaction ends
    (nothing on SQLite, whose one writer does). Taken by :func:`recount`; a transaction whose
    own statements recount the guild's members (a new season start) takes it first."""
    if dialect.lock_guild is not None:
        conn.execute(dialect.lock_guild, (guild_id,))


def _apply(conn: Connection, delta: Counter[tuple[int, Period, int]]) -> None:
    emptied: list[tuple[int, str, int]] = []
    for (guild, period, points), change in delta.items():
        if change > 0:
            conn.execute(_ADD, (guild, period.value, points, change))
        elif change < 0:
            # Below 0 (or no row) means the counts drifted: the write fails rather than
            # drift further (CHECK members >= 0).
            if conn.execute(_REMOVE, (-change, guild, period.value, points)).rowcount != 1:
                raise sqlite3.IntegrityError(f"rank counts miss {period} {points} in {guild}")
            emptied.append((guild, period.value, points))
    if emptied:
        conn.executemany(_DROP_EMPTY, emptied)


def recount(
    conn: Connection, guild_id: int, periods: Sequence[Period], dialect: Dialect = SQLITE
) -> None:
    """Count the guild's ``periods`` again from its member rows (one pass per period).

    Exclusive against other processes' member writes in the guild (:func:`lock_guild`).
    """
    lock_guild(conn, guild_id, dialect)
    for period in periods:
        conn.execute(
            "DELETE FROM rank_counts WHERE guild_id = ? AND period = ?", (guild_id, period.value)
        )
        conn.execute(_RECOUNT[period], (guild_id,))
