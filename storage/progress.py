"""Completions: record and undo them, and read a member's history, totals and streaks.

Recording is idempotent: one completion per (guild, member, challenge), so double clicks
and retries come back ``ALREADY_DONE`` with the first record. Totals for leaderboards are
kept by triggers (migration 0002) in the same transaction as the completion, and rank
counts (:mod:`storage.ranks`) by this module in that transaction too.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime

from storage import ranks
from storage._codec import from_us, to_us, utc_now, week_from_text
from storage.audit import write_audit
from storage.db import Connection, Database, Row
from storage.dialect import Dialect
from storage.errors import StorageError
from storage.models import (
    CompletionRecord,
    CompletionResult,
    CompletionSource,
    CompletionStatus,
    ProgressSummary,
)
from storage.streaks import current_streak_sql

__all__ = ["ProgressRepository"]


@functools.cache
def _upsert_member(dialect: Dialect) -> str:
    return (
        "INSERT INTO members (guild_id, user_id, display_name, first_seen_us)"  # noqa: S608
        " VALUES (?, ?, ?, ?) ON CONFLICT (guild_id, user_id) DO UPDATE"
        " SET display_name = coalesce(excluded.display_name, members.display_name)"
        f" WHERE excluded.display_name {dialect.distinct} members.display_name"
        " AND excluded.display_name IS NOT NULL"
    )


# The week is the latest post of this challenge in the guild that was (being) sent: the
# post whose button was clicked. NULL when the challenge was never posted there.
_INSERT = (
    "INSERT INTO completions (guild_id, user_id, challenge_id, iso_week, points,"
    " completed_at_us, source, note)"
    " VALUES (:guild, :user, :challenge, (SELECT max(iso_week) FROM challenge_posts"
    "   WHERE guild_id = :guild AND challenge_id = :challenge AND state IN ('claimed', 'sent')),"
    " :points, :at, :source, :note)"
    " ON CONFLICT DO NOTHING RETURNING iso_week"
)
_COLUMNS = "guild_id, user_id, challenge_id, iso_week, points, completed_at_us, source, note"
_ONE = (
    f"SELECT {_COLUMNS} FROM completions"  # noqa: S608
    " WHERE guild_id = ? AND user_id = ? AND challenge_id = ?"
)
_HISTORY = (
    f"SELECT {_COLUMNS} FROM completions"  # noqa: S608
    " WHERE guild_id = ? AND user_id = ? ORDER BY completed_at_us, challenge_id"
)
_DELETE = (
    "DELETE FROM completions WHERE guild_id = ? AND user_id = ? AND challenge_id = ?"
    " RETURNING points"
)
_SUMMARY = (
    "SELECT m.display_name, m.opted_out, m.points_all, m.completions_all, m.points_season,"  # noqa: S608
    f" m.completions_season, {current_streak_sql('m')}, m.best_streak"
    " FROM members AS m WHERE m.guild_id = :guild AND m.user_id = :user"
)


def _completion(row: Row) -> CompletionRecord:
    return CompletionRecord(
        guild_id=row[0],
        user_id=row[1],
        challenge_id=row[2],
        week=None if row[3] is None else week_from_text(row[3]),
        points=row[4],
        completed_at=from_us(row[5]),
        source=CompletionSource(row[6]),
        note=row[7],
    )


def _summary(row: Row, guild_id: int, user_id: int) -> ProgressSummary:
    name, opted_out, points, count, season_points, season_count, current, best = row
    return ProgressSummary(
        guild_id=guild_id,
        user_id=user_id,
        display_name=name,
        opted_out=bool(opted_out),
        points=points,
        completions=count,
        season_points=season_points,
        season_completions=season_count,
        current_streak=current,
        best_streak=best,
    )


class ProgressRepository:
    """Record, undo and read members' completions."""

    def __init__(self, db: Database, clock: Callable[[], datetime] = utc_now) -> None:
        self._db = db
        self._clock = clock

    async def record_completion(
        self,
        guild_id: int,
        user_id: int,
        challenge_id: str,
        *,
        points: int,
        source: CompletionSource = CompletionSource.BUTTON,
        completed_at: datetime | None = None,
        note: str | None = None,
        display_name: str | None = None,
        actor_id: int | None = None,
    ) -> CompletionResult:
        """Record that ``user_id`` completed ``challenge_id`` worth ``points``.

        Creates the member on first sight and refreshes the cached ``display_name`` when
        given. ``actor_id`` (required for ``MODERATOR``) audits the completion (action
        ``mark``) in the same transaction. Already completed: nothing changes, and the
        result is ``ALREADY_DONE`` with the first record.

        One transaction (name, completion, totals, rank counts, audit), committed together
        with the writes that arrive meanwhile (:meth:`~storage.db.Database.write`); this
        returns once it is committed. A recorded result carries the member's summary as
        of that commit.
        """
        if source is CompletionSource.MODERATOR and actor_id is None:
            raise ValueError("a moderator completion needs the moderator's actor_id")
        if points < 0:
            raise ValueError(f"points must be >= 0, got {points}")
        now = self._clock()
        at = completed_at or now
        at_us, now_us = to_us(at), to_us(now)
        params = {
            "guild": guild_id,
            "user": user_id,
            "challenge": challenge_id,
            "points": points,
            "at": at_us,
            "source": source.value,
            "note": note,
        }

        dialect = self._db.dialect
        upsert_member = _upsert_member(dialect)

        def job(conn: Connection) -> tuple[Row | None, Row | None, Row | None]:
            """(inserted week row, earlier completion, summary): on the writer's thread."""
            with ranks.track(conn, user_id, guild_id, dialect):
                # Inside: the member row is locked only after the guild and member locks,
                # in the order a season start takes them (no deadlock against it).
                if display_name is not None:
                    conn.execute(upsert_member, (guild_id, user_id, display_name, now_us))
                inserted = conn.execute(_INSERT, params).fetchone()
            if inserted is None:
                # Done before; in this same transaction the earlier row is still there.
                return None, conn.execute(_ONE, (guild_id, user_id, challenge_id)).fetchone(), None
            if actor_id is not None:
                write_audit(
                    conn,
                    guild_id=guild_id,
                    at=now,
                    actor_id=actor_id,
                    action="mark",
                    target_user_id=user_id,
                    challenge_id=challenge_id,
                    detail=note,
                )
            summary = conn.execute(_SUMMARY, {"guild": guild_id, "user": user_id}).fetchone()
            return inserted, None, summary

        inserted, earlier, summary = await self._db.write(job)
        if inserted is None:
            if earlier is None:  # cannot happen: the conflict was with this row
                raise StorageError(f"completion of {challenge_id} conflicted but is missing")
            return CompletionResult(CompletionStatus.ALREADY_DONE, _completion(earlier))
        week = inserted[0]
        return CompletionResult(
            CompletionStatus.RECORDED,
            CompletionRecord(
                guild_id=guild_id,
                user_id=user_id,
                challenge_id=challenge_id,
                week=None if week is None else week_from_text(week),
                points=points,
                completed_at=from_us(at_us),
                source=source,
                note=note,
            ),
            None if summary is None else _summary(summary, guild_id, user_id),
        )

    async def undo_completion(
        self,
        guild_id: int,
        user_id: int,
        challenge_id: str,
        *,
        actor_id: int | None = None,
        reason: str | None = None,
    ) -> bool:
        """Remove a completion; ``False`` if there was none (undoing twice is a no-op).

        With ``actor_id`` (a moderator's ``unmark``) the removal is audited in the same
        transaction; nothing is audited when there was nothing to remove.
        """
        at = self._clock()
        dialect = self._db.dialect

        def job(conn: Connection) -> bool:
            with ranks.track(conn, user_id, guild_id, dialect):
                removed = conn.execute(_DELETE, (guild_id, user_id, challenge_id)).fetchall()
            if removed and actor_id is not None:
                write_audit(
                    conn,
                    guild_id=guild_id,
                    at=at,
                    actor_id=actor_id,
                    action="unmark",
                    target_user_id=user_id,
                    challenge_id=challenge_id,
                    detail=reason,
                )
            return bool(removed)

        return await self._db.write(job)

    async def get_completion(
        self, guild_id: int, user_id: int, challenge_id: str
    ) -> CompletionRecord | None:
        """The member's completion of one challenge, if any."""
        rows = await self._db.fetch(_ONE, (guild_id, user_id, challenge_id))
        return _completion(rows[0]) if rows else None

    async def history(self, guild_id: int, user_id: int) -> list[CompletionRecord]:
        """All of the member's completions in the guild, oldest first."""
        rows = await self._db.fetch(_HISTORY, (guild_id, user_id))
        return [_completion(row) for row in rows]

    async def summary(self, guild_id: int, user_id: int) -> ProgressSummary | None:
        """Totals (all time and season) and streaks; ``None`` for a member never seen."""
        rows = await self._db.fetch(_SUMMARY, {"guild": guild_id, "user": user_id})
        return _summary(rows[0], guild_id, user_id) if rows else None
