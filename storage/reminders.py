"""Opt-in reminders: members' settings and the ledger of reminders sent (one per week).

Protocol for the scheduler: :meth:`RemindersRepository.claim` before sending a member's DM for
a week (only the caller that gets ``True`` sends), then :meth:`~RemindersRepository.finish`
with ``sent``, ``done`` (nothing sent: the week was already marked done) or ``failed``. A row
still ``claimed`` (:meth:`~RemindersRepository.unconfirmed`) is one whose sender died or hit a
transient error: the scheduler looks for the DM before sending it again, then finishes it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time

from storage._codec import from_us, to_us, utc_now, week_text
from storage._kept import Kept
from storage.db import Database, Row
from storage.models import ReminderPref

__all__ = ["RemindersRepository"]

_PREF_COLUMNS = "guild_id, user_id, weekday, remind_time, timezone, enabled, dm_closed"
_SELECT_PREF = f"SELECT {_PREF_COLUMNS} FROM reminder_settings"  # noqa: S608
_SAVE = (
    f"INSERT INTO reminder_settings ({_PREF_COLUMNS}, updated_at_us)"  # noqa: S608
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (guild_id, user_id) DO UPDATE SET"
    " weekday = excluded.weekday, remind_time = excluded.remind_time,"
    " timezone = excluded.timezone, enabled = excluded.enabled,"
    " dm_closed = excluded.dm_closed, updated_at_us = excluded.updated_at_us"
)
_CLAIM = (
    "INSERT INTO reminder_sends (guild_id, user_id, iso_week, state, due_us, claimed_at_us)"
    " VALUES (?, ?, ?, 'claimed', ?, ?) ON CONFLICT DO NOTHING RETURNING 1"
)
_FINISH = (
    "UPDATE reminder_sends SET state = ?, error = ?"
    " WHERE guild_id = ? AND user_id = ? AND iso_week = ? AND state = 'claimed'"
)
_FINISHED_STATES = ("sent", "done", "failed")


def _pref(row: Row) -> ReminderPref:
    return ReminderPref(
        guild_id=row[0],
        user_id=row[1],
        weekday=row[2],
        remind_time=time.fromisoformat(row[3]),
        timezone=row[4],
        enabled=bool(row[5]),
        dm_closed=bool(row[6]),
    )


class RemindersRepository:
    """Members' reminder settings and the per-week ledger of reminders."""

    def __init__(self, db: Database, clock: Callable[[], datetime] = utc_now) -> None:
        self._db = db
        self._clock = clock
        #: Per guild, the members with an untold "reminder bounced" notice (a few, if any).
        self._bounced: Kept[frozenset[int]] = Kept()

    async def get(self, guild_id: int, user_id: int) -> ReminderPref | None:
        """The member's reminder settings in the guild (on or off), if they ever set one."""
        rows = await self._db.fetch(
            _SELECT_PREF + " WHERE guild_id = ? AND user_id = ?", (guild_id, user_id)
        )
        return _pref(rows[0]) if rows else None

    async def save(self, pref: ReminderPref) -> None:
        """Create or replace the member's reminder settings."""
        await self._db.execute(
            _SAVE,
            (
                pref.guild_id,
                pref.user_id,
                pref.weekday,
                pref.remind_time.strftime("%H:%M"),
                pref.timezone,
                int(pref.enabled),
                int(pref.dm_closed),
                to_us(self._clock()),
            ),
        )
        self._bounced.forget()

    async def enabled(self, guild_id: int) -> list[ReminderPref]:
        """Every member of the guild whose reminder is on, by user id."""
        rows = await self._db.fetch(
            _SELECT_PREF + " WHERE guild_id = ? AND enabled = 1 ORDER BY user_id", (guild_id,)
        )
        return [_pref(row) for row in rows]

    async def switch_off_undeliverable(self, guild_id: int, user_id: int) -> None:
        """DMs are closed: reminder off, and the member is to be told at their next command."""
        await self._db.execute(
            "UPDATE reminder_settings SET enabled = 0, dm_closed = 1, updated_at_us = ?"
            " WHERE guild_id = ? AND user_id = ?",
            (to_us(self._clock()), guild_id, user_id),
        )
        self._bounced.forget()

    async def take_dm_closed_notice(
        self, guild_id: int, user_id: int, *, max_age: float = 0.0
    ) -> bool:
        """Whether the member has an untold "your reminder bounced" notice here; clears it, so
        they are told once.

        It is asked after every command, so the answer (nearly always no) comes from the
        guild's list of members with a notice, read at most ``max_age`` seconds ago; this
        repository's own writes are always seen (:mod:`storage._kept`).
        """

        async def load() -> frozenset[int]:
            rows = await self._db.fetch(
                "SELECT user_id FROM reminder_settings WHERE guild_id = ? AND dm_closed = 1",
                (guild_id,),
            )
            return frozenset(int(row[0]) for row in rows)

        if user_id not in await self._bounced.read(guild_id, max_age, load):
            return False
        rows = await self._db.execute(
            "UPDATE reminder_settings SET dm_closed = 0"
            " WHERE guild_id = ? AND user_id = ? AND dm_closed = 1 RETURNING 1",
            (guild_id, user_id),
        )
        self._bounced.forget()
        return bool(rows)

    async def claim(
        self, guild_id: int, user_id: int, week: tuple[int, int], *, due: datetime
    ) -> bool:
        """Take the right to remind the member for ``week``; ``False`` if it was taken before."""
        rows = await self._db.execute(
            _CLAIM, (guild_id, user_id, week_text(week), to_us(due), to_us(self._clock()))
        )
        return bool(rows)

    async def finish(
        self,
        guild_id: int,
        user_id: int,
        week: tuple[int, int],
        state: str,
        *,
        error: str | None = None,
    ) -> None:
        """Record how a claimed reminder ended: ``sent``, ``done`` or ``failed``."""
        if state not in _FINISHED_STATES:
            raise ValueError(f"a reminder ends as one of {_FINISHED_STATES}, not {state!r}")
        await self._db.execute(_FINISH, (state, error, guild_id, user_id, week_text(week)))

    async def claimed_weeks(self, guild_id: int, week: tuple[int, int]) -> set[int]:
        """The members with a ledger row (any state) for ``week``: not to be reminded again."""
        rows = await self._db.fetch(
            "SELECT user_id FROM reminder_sends WHERE guild_id = ? AND iso_week = ?",
            (guild_id, week_text(week)),
        )
        return {row[0] for row in rows}

    async def unconfirmed(self, guild_id: int, week: tuple[int, int]) -> dict[int, datetime]:
        """Members whose reminder for ``week`` is claimed but not finished, with its due time."""
        rows = await self._db.fetch(
            "SELECT user_id, due_us FROM reminder_sends"
            " WHERE guild_id = ? AND iso_week = ? AND state = 'claimed'",
            (guild_id, week_text(week)),
        )
        return {row[0]: from_us(row[1]) for row in rows}

    async def sent_to(self, guild_id: int, user_id: int) -> list[tuple[str, str]]:
        """``(week, state)`` of every reminder the member has a ledger row for, oldest first."""
        rows = await self._db.fetch(
            "SELECT iso_week, state FROM reminder_sends WHERE guild_id = ? AND user_id = ?"
            " ORDER BY iso_week",
            (guild_id, user_id),
        )
        return [(row[0], row[1]) for row in rows]
