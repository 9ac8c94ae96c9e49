"""Reports for moderators: how many members keep up with the season, week by week.

Counts only, never names, so opted-out members are counted like everyone else (they asked to
be left off the leaderboard, not out of the totals). "This season" is what the season totals
and the export use: completions at or after the guild's ``season_start_us``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from storage._codec import to_us
from storage.db import Database
from storage.dialect import Dialect

__all__ = ["ReportsRepository", "SeasonActivity", "WeekWindow"]


@dataclass(frozen=True, slots=True)
class WeekWindow:
    """One week of the season: its challenge and the instants it runs between (UTC, aware).

    The caller computes the bounds from the guild's local calendar (``end`` excluded).
    """

    challenge_id: str
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class SeasonActivity:
    """Per window (same order): members who completed its challenge this season, and members
    who recorded any completion during it; plus everyone with a completion this season."""

    completions: tuple[int, ...]
    active: tuple[int, ...]
    participants: int


_SEASON_START = (
    "coalesce((SELECT season_start_us FROM guild_settings WHERE guild_id = :guild),"
    " -9223372036854775808)"
)
# One statement (one snapshot, one round trip), three kinds of rows: completions per challenge
# this season ('c', challenge id), distinct members per window ('a', window index; windows come
# as a JSON array of [start_us, end_us]) and distinct members this season ('p'). Each part is
# one pass over the guild's completions (the table is clustered by guild): for the windows,
# CROSS JOIN keeps the completions outside and the few materialised windows inside (4x faster
# than SQLite's own choice at 150k completions).
# The windows as rows (i, start_us, end_us), per engine.
_WINDOWS = {
    "sqlite": (
        "SELECT CAST(key AS INTEGER) AS i, json_extract(value, '$[0]') AS start_us,"
        " json_extract(value, '$[1]') AS end_us FROM json_each(:windows)"
    ),
    "postgres": (
        "SELECT ord - 1 AS i, (value->>0)::bigint AS start_us, (value->>1)::bigint AS end_us"
        " FROM jsonb_array_elements(CAST(:windows AS jsonb)) WITH ORDINALITY AS e(value, ord)"
    ),
}


@functools.cache
def _activity(dialect: Dialect) -> str:
    return (
        f"WITH w AS MATERIALIZED ({_WINDOWS[dialect.engine]})"  # noqa: S608 -- constant SQL
        " SELECT 'c', challenge_id, count(*) FROM completions"
        f" WHERE guild_id = :guild AND completed_at_us >= {_SEASON_START} GROUP BY challenge_id"
        " UNION ALL"
        # The key column holds challenge ids (text) above: the window index as text too.
        " SELECT 'a', CAST(w.i AS TEXT), count(DISTINCT c.user_id)"
        " FROM completions AS c CROSS JOIN w"
        " WHERE c.guild_id = :guild"
        "   AND c.completed_at_us >= w.start_us AND c.completed_at_us < w.end_us"
        " GROUP BY w.i"
        " UNION ALL"
        " SELECT 'p', NULL, count(DISTINCT user_id) FROM completions"
        f" WHERE guild_id = :guild AND completed_at_us >= {_SEASON_START}"
    )


class ReportsRepository:
    """Read-only counts for ``/admin report``."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def season_activity(self, guild_id: int, windows: Sequence[WeekWindow]) -> SeasonActivity:
        """Completions of each window's challenge this season, and active members per window."""
        spans = json.dumps([[to_us(w.start), to_us(w.end)] for w in windows])
        params = {"guild": guild_id, "windows": spans}
        rows = await self._db.fetch(_activity(self._db.dialect), params)
        per_challenge = {key: count for kind, key, count in rows if kind == "c"}
        active = {int(key): count for kind, key, count in rows if kind == "a"}
        participants = next((count for kind, _key, count in rows if kind == "p"), 0)
        return SeasonActivity(
            completions=tuple(int(per_challenge.get(w.challenge_id, 0)) for w in windows),
            active=tuple(int(active.get(index, 0)) for index in range(len(windows))),
            participants=int(participants),
        )
