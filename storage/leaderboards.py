"""Leaderboards: top N, pages, and a member's standing with neighbours.

Ranking: competition ranking on points ("1224"): members with equal points share a rank.
Within equal points, whoever *reached* that total first (the time of their latest counted
completion) is listed first, then the lower user id, so the order is total and stable.
Opted-out members and members with nothing in the period are not ranked.

Speed: all-time and season boards read per-member totals kept by triggers, through partial
covering indexes in ranking order, so top-N reads N index entries and a rank counts the
index entries above the member; neither touches completions (streaks are kept on the
member row too, see :mod:`storage.streaks`). The week board reads the guild-week slice of
the completions index. Every method is one SQL statement, i.e. one round trip.
``EXPLAIN QUERY PLAN`` output for each is printed by ``bench/bench_storage.py``.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

from storage._codec import from_us, week_text
from storage.db import Database, Row
from storage.models import LeaderboardRow, MemberRank, MemberStanding, Period
from storage.streaks import current_streak_sql

__all__ = ["LeaderboardRepository", "leaderboard_sql"]

# Each board is a relation (user_id, display_name, points, completions, reached, run_end,
# run_length, best_streak) in one guild. The WHERE terms repeat the partial indexes' WHERE
# verbatim so they are usable.
_STREAKS = "m.run_end AS run_end, m.run_length AS run_length, m.best_streak AS best_streak"
_BOARDS = {
    Period.ALL_TIME: (
        "SELECT user_id, display_name, points_all AS points, completions_all AS completions,"  # noqa: S608
        f" reached_all_us AS reached, {_STREAKS} FROM members AS m"
        " WHERE guild_id = :guild AND completions_all > 0 AND opted_out = 0"
    ),
    Period.SEASON: (
        "SELECT user_id, display_name, points_season AS points,"  # noqa: S608
        " completions_season AS completions, reached_season_us AS reached,"
        f" {_STREAKS} FROM members AS m"
        " WHERE guild_id = :guild AND completions_season > 0 AND opted_out = 0"
    ),
    Period.WEEK: (
        "SELECT c.user_id AS user_id, m.display_name AS display_name, c.points AS points,"  # noqa: S608
        f" 1 AS completions, c.completed_at_us AS reached, {_STREAKS}"
        " FROM completions AS c JOIN members AS m"
        "   ON m.guild_id = c.guild_id AND m.user_id = c.user_id"
        " WHERE c.guild_id = :guild AND m.opted_out = 0 AND c.iso_week = coalesce(:week,"
        "   (SELECT max(iso_week) FROM challenge_posts WHERE guild_id = :guild AND state = 'sent'))"
    ),
}

_ORDER = "ORDER BY points DESC, reached, user_id"
# The columns of a listed row r: (user_id, display_name, points, completions, reached,
# current streak, best streak, how many rank above the first listed row). That count is
# computed once per statement; the other ranks follow from positions.
_COLUMNS = (
    "r.user_id, r.display_name, r.points, r.completions, r.reached,"
    f" {current_streak_sql('r')}, r.best_streak, {{above_first}}"
)

# Keyset conditions: rows listed before / after the member, in leaderboard order. The
# member's values come from scalar subqueries, which the planner treats as constants and
# so turns into index ranges (a join with ``me`` made it scan the guild).
_MP = "(SELECT points FROM me)"
_BEFORE_ME = (
    f"b.points >= {_MP} AND (b.points > {_MP}"  # noqa: S608
    " OR (b.reached, b.user_id) < (SELECT reached, user_id FROM me))"
)
_AFTER_ME = (
    f"b.points <= {_MP} AND (b.points < {_MP}"  # noqa: S608
    " OR (b.reached, b.user_id) > (SELECT reached, user_id FROM me))"
)


# Ranked members on totals in a range, from the rank counts (storage.ranks, migration
# 0007): a sum over the guild's distinct totals.
_COUNTS = (
    "(SELECT coalesce(sum(k.members), 0) FROM rank_counts AS k"
    " WHERE k.guild_id = :guild AND k.period = :period{where})"
)


def _members_on(period: Period, where: str) -> str:
    """SQL: how many ranked members have points matching ``where`` (over ``b.points``).

    All-time and season boards sum the rank counts; the week board counts its rows.
    """
    if period is Period.WEEK:
        return f"(SELECT count(*) FROM board AS b{' WHERE ' + where if where else ''})"  # noqa: S608
    return _COUNTS.format(where=" AND " + where.replace("b.points", "k.points") if where else "")


def leaderboard_sql(period: Period) -> dict[str, str]:
    """The statements behind each method for ``period`` (the benchmark explains them).

    Composed from this module's literals only; values always travel as parameters.

    ``standing`` counts the members with more points than the member (for all-time and
    season boards a sum over the rank counts' distinct totals, for the week board a scan
    of its index), the members tied but listed earlier (an index seek within the tie), and
    fetches the neighbours by keyset, so it never skips rows with OFFSET. The first
    neighbour's rank comes from the same count, minus the members between it and the
    member. ``rank`` is the member's rank alone: two sums over the rank counts.
    """
    board = f"WITH board AS NOT MATERIALIZED ({_BOARDS[period]})"
    # The first page (the common case) starts at rank 1: CASE skips the count.
    above_offset = f"b.points > (SELECT points FROM board {_ORDER} LIMIT 1 OFFSET :offset)"  # noqa: S608
    top_columns = _COLUMNS.format(
        above_first="CASE WHEN :offset = 0 THEN 0 ELSE "
        + _members_on(period, above_offset)
        + " END"
    )
    between = f"b.points > {_MP} AND b.points <= (SELECT max(points) FROM listed)"  # noqa: S608
    standing_columns = _COLUMNS.format(
        above_first="(SELECT n FROM above) - " + _members_on(period, between)  # noqa: S608
    )
    statements = {
        # Straight off the ranking index: no materialization, no re-sort.
        "top": (
            f"{board} SELECT {top_columns} FROM board AS r {_ORDER}"  # noqa: S608
            " LIMIT :limit OFFSET :offset"
        ),
        "standing": (
            f"{board}, me AS MATERIALIZED (SELECT * FROM board WHERE user_id = :user),"  # noqa: S608
            f" above AS MATERIALIZED (SELECT {_members_on(period, f'b.points > {_MP}')} AS n),"
            " tied AS MATERIALIZED (SELECT count(*) AS n FROM board AS b"
            f"   WHERE b.points = {_MP}"
            "   AND (b.reached, b.user_id) < (SELECT reached, user_id FROM me)),"
            f" before AS MATERIALIZED (SELECT * FROM board AS b WHERE {_BEFORE_ME}"
            "   ORDER BY b.points, b.reached DESC, b.user_id DESC LIMIT :radius),"
            f" after AS MATERIALIZED (SELECT * FROM board AS b WHERE {_AFTER_ME}"
            "   ORDER BY b.points DESC, b.reached, b.user_id LIMIT :radius),"
            " listed AS MATERIALIZED (SELECT * FROM before UNION ALL SELECT * FROM me"
            "   UNION ALL SELECT * FROM after)"
            f" SELECT {standing_columns}, (SELECT n FROM above) + (SELECT n FROM tied)"
            f" FROM listed AS r {_ORDER}"
        ),
        "count": f"{board} SELECT {_members_on(period, '')}",
    }
    if period is not Period.WEEK:
        points, completions = _TOTALS[period]
        statements["rank"] = (
            f"SELECT m.{points}, 1 + {_members_on(period, f'b.points > m.{points}')},"  # noqa: S608
            f" {_members_on(period, '')} FROM members AS m"
            f" WHERE m.guild_id = :guild AND m.user_id = :user AND m.{completions} > 0"
            " AND m.opted_out = 0"
        )
    return statements


#: Pages from further down read OFFSET index entries first: on the reader's thread.
_SMALL_OFFSET = 500

_TOTALS = {
    Period.ALL_TIME: ("points_all", "completions_all"),
    Period.SEASON: ("points_season", "completions_season"),
}

_SQL = {period: leaderboard_sql(period) for period in Period}


def _ranked(rows: list[Row], first_position: int) -> list[LeaderboardRow]:
    """Rows in order -> LeaderboardRows; ``first_position`` is the first row's 0-based index."""
    if not rows:
        return []
    result: list[LeaderboardRow] = []
    rank = rows[0][7] + 1
    previous_points = rows[0][2]
    for i, (user_id, name, points, completions, reached, current, best, *_) in enumerate(rows):
        if points != previous_points:
            # Everyone listed earlier has more points, so the rank is the position + 1.
            rank = first_position + i + 1
            previous_points = points
        reached_at = from_us(reached)
        result.append(
            LeaderboardRow(rank, user_id, name, points, completions, current, best, reached_at)
        )
    return result


def _params(guild_id: int, period: Period, week: tuple[int, int] | None) -> dict[str, object]:
    return {
        "guild": guild_id,
        "period": period.value,
        "week": None if week is None or period is not Period.WEEK else week_text(week),
    }


T = TypeVar("T")


class _Reuse(Generic[T]):
    """Results of guild-wide reads, reused while no write has run since they were read.

    Valid because every write goes through this process's :class:`~storage.db.Database`,
    whose :meth:`~storage.db.Database.write_epoch` changes with each one (the design runs
    one process per database). A result read while a write was running, or during which
    one began, is not kept. Results also expire after ``max_age`` seconds, which bounds
    staleness should another process write anyway. At most ``size`` results are kept.
    """

    def __init__(self, db: Database, size: int, max_age: float, monotonic: Callable[[], float]):
        self._db = db
        self._size = size
        self._max_age = max_age
        self._monotonic = monotonic
        self._epoch: int | None = None
        self._results: dict[Hashable, tuple[float, T]] = {}

    async def get(self, key: Hashable, read: Callable[[], Awaitable[T]]) -> T:
        epoch = self._db.write_epoch()
        now = self._monotonic()
        if epoch is not None:
            if epoch != self._epoch:  # something was written: nothing kept is valid
                self._results.clear()
                self._epoch = epoch
            kept = self._results.get(key)
            if kept is not None and now - kept[0] < self._max_age:
                return kept[1]
        result = await read()
        # The epoch cannot come back to a value once it moved, so an unchanged epoch means
        # no write began or ended while we read.
        if self._size and epoch is not None and self._db.write_epoch() == epoch:
            if len(self._results) >= self._size:
                del self._results[next(iter(self._results))]  # the oldest
            self._results[key] = (now, result)
        return result


class LeaderboardRepository:
    """Read-only rankings for a guild over a :class:`~storage.models.Period`.

    ``week`` matters only for ``Period.WEEK``: default is the guild's latest sent post.
    Pages and counts are the same for every viewer, so they are reused until the next
    write (or for ``reuse_for`` seconds at most, see :class:`_Reuse`); ``kept=0``
    disables that. A member's own standing is always read.
    """

    def __init__(
        self,
        db: Database,
        *,
        kept: int = 256,
        reuse_for: float = 5.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._db = db
        self._pages = _Reuse[tuple[LeaderboardRow, ...]](db, kept, reuse_for, monotonic)
        self._counts = _Reuse[int](db, kept, reuse_for, monotonic)

    async def top(
        self,
        guild_id: int,
        period: Period,
        *,
        limit: int = 10,
        offset: int = 0,
        week: tuple[int, int] | None = None,
    ) -> list[LeaderboardRow]:
        """``limit`` rows from 0-based position ``offset`` (page ``p`` = offset ``p*limit``)."""
        if limit < 0 or offset < 0:
            raise ValueError(f"limit and offset must be >= 0, got {limit} and {offset}")

        async def read() -> tuple[LeaderboardRow, ...]:
            params = _params(guild_id, period, week) | {"limit": limit, "offset": offset}
            read = self._db.fetch_large if offset > _SMALL_OFFSET else self._db.fetch
            return tuple(_ranked(await read(_SQL[period]["top"], params), offset))

        return list(await self._pages.get((guild_id, period, week, limit, offset), read))

    async def count_ranked(
        self, guild_id: int, period: Period, *, week: tuple[int, int] | None = None
    ) -> int:
        """How many members are ranked (for "page 3 of 12")."""

        async def read() -> int:
            read = self._db.fetch_large if period is Period.WEEK else self._db.fetch
            rows = await read(_SQL[period]["count"], _params(guild_id, period, week))
            return int(rows[0][0])

        return await self._counts.get((guild_id, period, week), read)

    async def rank(self, guild_id: int, user_id: int, period: Period) -> MemberRank | None:
        """The member's rank, points and how many are ranked; ``None`` if unranked.

        All-time and season: one statement over the rank counts, in time independent of
        the guild's size. The week board falls back to :meth:`standing`.
        """
        if period is Period.WEEK:
            standing = await self.standing(guild_id, user_id, period, radius=0)
            if standing is None:
                return None
            ranked = await self.count_ranked(guild_id, period)
            return MemberRank(standing.row.rank, standing.row.points, ranked)
        params = {"guild": guild_id, "user": user_id, "period": period.value}
        rows = await self._db.fetch(_SQL[period]["rank"], params)
        return MemberRank(rows[0][1], rows[0][0], rows[0][2]) if rows else None

    async def standing(
        self,
        guild_id: int,
        user_id: int,
        period: Period,
        *,
        radius: int = 2,
        week: tuple[int, int] | None = None,
    ) -> MemberStanding | None:
        """The member's row and up to ``radius`` neighbours each side; ``None`` if unranked."""
        if radius < 0:
            raise ValueError(f"radius must be >= 0, got {radius}")
        params = _params(guild_id, period, week) | {"user": user_id, "radius": radius}
        # The week board counts its rows (thousands in a big guild): not on the loop's thread.
        read = self._db.fetch_large if period is Period.WEEK else self._db.fetch
        rows = await read(_SQL[period]["standing"], params)
        if not rows:
            return None
        position = rows[0][8]
        mine = next((i for i, row in enumerate(rows) if row[0] == user_id), None)
        if mine is None:  # defensive: the member's own row is always listed
            return None
        ranked = _ranked(rows, position - mine)
        return MemberStanding(row=ranked[mine], position=position, neighbours=tuple(ranked))
