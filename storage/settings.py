"""Guild settings: the weekly schedule, season start and switches."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from storage import ranks
from storage._codec import opt_from_us, to_us, utc_now
from storage._kept import Kept
from storage.audit import record_audit
from storage.db import Database, Row
from storage.models import GuildSchedule, Period

__all__ = ["SettingsRepository"]

_SELECT = (
    "SELECT guild_id, channel_id, weekday, post_time, timezone, season_start, enabled,"
    " leaderboard_public, timing_changed_us, threads FROM guild_settings"
)


def _schedule(row: Row) -> GuildSchedule:
    return GuildSchedule(
        guild_id=row[0],
        channel_id=row[1],
        weekday=row[2],
        post_time=time.fromisoformat(row[3]),
        timezone=row[4],
        season_start=None if row[5] is None else date.fromisoformat(row[5]),
        enabled=bool(row[6]),
        leaderboard_public=bool(row[7]),
        timing_changed_at=opt_from_us(row[8]),
        threads=bool(row[9]),
    )


def _season_start_us(schedule: GuildSchedule) -> int | None:
    if schedule.season_start is None:
        return None
    local_midnight = datetime.combine(schedule.season_start, time(0), ZoneInfo(schedule.timezone))
    return to_us(local_midnight)


def _changes(old: GuildSchedule | None, new: GuildSchedule) -> str:
    fields = (
        "channel_id",
        "weekday",
        "post_time",
        "timezone",
        "season_start",
        "enabled",
        "leaderboard_public",
        "threads",
    )
    if old is None:
        return "created: " + ", ".join(f"{name}={getattr(new, name)}" for name in fields)
    return "; ".join(
        f"{name}: {getattr(old, name)} -> {getattr(new, name)}"
        for name in fields
        if getattr(old, name) != getattr(new, name)
    )


class SettingsRepository:
    """Get and set each guild's :class:`~storage.models.GuildSchedule`."""

    def __init__(self, db: Database, clock: Callable[[], datetime] = utc_now) -> None:
        self._db = db
        self._clock = clock
        self._kept = Kept[GuildSchedule | None]()

    async def get(self, guild_id: int, *, max_age: float = 0.0) -> GuildSchedule | None:
        """The guild's settings, or ``None`` if it was never configured.

        ``max_age`` > 0: a copy read at most that many seconds ago will do (members' reads,
        every interaction); this repository's own saves are always seen (:mod:`storage._kept`).
        """

        async def load() -> GuildSchedule | None:
            rows = await self._db.fetch(_SELECT + " WHERE guild_id = ?", (guild_id,))
            return _schedule(rows[0]) if rows else None

        return await self._kept.read(guild_id, max_age, load)

    async def list_all(self, *, enabled_only: bool = False) -> list[GuildSchedule]:
        """Every configured guild (the scheduler's start-up list), by guild id."""
        where = " WHERE enabled = 1" if enabled_only else ""
        rows = await self._db.fetch(_SELECT + where + " ORDER BY guild_id")
        return [_schedule(row) for row in rows]

    async def save(self, schedule: GuildSchedule, *, actor_id: int | None = None) -> None:
        """Create or replace the guild's settings.

        A new ``season_start`` recounts the guild's season totals in the same transaction
        (a trigger does it). With ``actor_id`` the change is written to the audit log.
        """
        now = self._clock()
        try:
            await self._save(schedule, now, actor_id)
        finally:
            self._kept.forget()

    async def _save(self, schedule: GuildSchedule, now: datetime, actor_id: int | None) -> None:
        dialect = self._db.dialect
        same = dialect.not_distinct
        async with self._db.transaction() as tx:
            previous = await tx.execute(_SELECT + " WHERE guild_id = ?", (schedule.guild_id,))
            old = _schedule(previous[0]) if previous else None
            season_moves = old is None or _season_start_us(old) != _season_start_us(schedule)
            if season_moves:  # before the trigger rewrites the members' season totals
                await tx.run(lambda conn: ranks.lock_guild(conn, schedule.guild_id, dialect))
            await tx.execute(
                "INSERT INTO guild_settings (guild_id, channel_id, weekday, post_time, timezone,"  # noqa: S608
                " season_start, season_start_us, enabled, leaderboard_public, updated_at_us,"
                " timing_changed_us, threads)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (guild_id) DO UPDATE SET channel_id = excluded.channel_id,"
                " weekday = excluded.weekday, post_time = excluded.post_time,"
                " timezone = excluded.timezone, season_start = excluded.season_start,"
                " season_start_us = excluded.season_start_us, enabled = excluded.enabled,"
                " leaderboard_public = excluded.leaderboard_public,"
                " threads = excluded.threads,"
                " updated_at_us = excluded.updated_at_us,"
                " timing_changed_us = CASE WHEN"
                + " AND".join(
                    f" guild_settings.{column} {same} excluded.{column}"
                    for column in ("weekday", "post_time", "timezone", "season_start", "enabled")
                )
                + " THEN guild_settings.timing_changed_us ELSE excluded.timing_changed_us END",
                (
                    schedule.guild_id,
                    schedule.channel_id,
                    schedule.weekday,
                    schedule.post_time.strftime("%H:%M"),
                    schedule.timezone,
                    None if schedule.season_start is None else schedule.season_start.isoformat(),
                    _season_start_us(schedule),
                    int(schedule.enabled),
                    int(schedule.leaderboard_public),
                    to_us(now),
                    to_us(now),
                    int(schedule.threads),
                ),
            )
            if season_moves:
                # The season totals were recounted (0002's triggers): so are their ranks.
                await tx.run(
                    lambda conn: ranks.recount(conn, schedule.guild_id, [Period.SEASON], dialect)
                )
            if actor_id is not None and old != schedule:
                await record_audit(
                    tx,
                    guild_id=schedule.guild_id,
                    at=now,
                    actor_id=actor_id,
                    action="settings",
                    detail=_changes(old, schedule),
                )
