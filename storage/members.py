"""Members: the display-name cache, opting out of leaderboards, and forgetting a member."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from storage import ranks
from storage._codec import to_us, utc_now
from storage.db import Connection, Database
from storage.models import ForgetReport

__all__ = ["MembersRepository"]

log = logging.getLogger(__name__)

_OPT_OUT = (
    "INSERT INTO members (guild_id, user_id, opted_out, first_seen_us) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (guild_id, user_id) DO UPDATE SET opted_out = excluded.opted_out"
)
# A NULL guild means every guild (the CAST types the parameter for PostgreSQL's prepared
# statements, which cannot tell the type of a bare "? IS NULL"; on SQLite it changes no
# value: an integer or NULL stays one). Completions go first and explicitly (not by cascade) so
# the totals triggers see a consistent member row while they run.
_FORGET = (
    (
        "completions",
        "DELETE FROM completions WHERE user_id = :user"
        " AND (CAST(:guild AS BIGINT) IS NULL OR guild_id = :guild) RETURNING 1",
    ),
    (
        "members",
        "DELETE FROM members WHERE user_id = :user"
        " AND (CAST(:guild AS BIGINT) IS NULL OR guild_id = :guild) RETURNING 1",
    ),
    (
        "reminders",
        "DELETE FROM reminder_settings WHERE user_id = :user"
        " AND (CAST(:guild AS BIGINT) IS NULL OR guild_id = :guild) RETURNING 1",
    ),
    (
        "reminders_sent",
        "DELETE FROM reminder_sends WHERE user_id = :user"
        " AND (CAST(:guild AS BIGINT) IS NULL OR guild_id = :guild) RETURNING 1",
    ),
    (
        "audit_entries",
        "DELETE FROM audit_log WHERE target_user_id = :user"
        " AND (CAST(:guild AS BIGINT) IS NULL OR guild_id = :guild) RETURNING 1",
    ),
    (
        "audit_entries_anonymized",
        "UPDATE audit_log SET actor_id = NULL WHERE actor_id = :user"
        " AND (CAST(:guild AS BIGINT) IS NULL OR guild_id = :guild) RETURNING 1",
    ),
)


class MembersRepository:
    """Per-member data that is not progress: names, opt-out, and deletion on request."""

    def __init__(self, db: Database, clock: Callable[[], datetime] = utc_now) -> None:
        self._db = db
        self._clock = clock

    async def set_opted_out(self, guild_id: int, user_id: int, opted_out: bool) -> None:
        """Hide (or show again) the member on leaderboards and in exports.

        Their own progress keeps being recorded and shown to them.
        """
        params = (guild_id, user_id, int(opted_out), to_us(self._clock()))
        dialect = self._db.dialect

        def job(conn: Connection) -> None:
            with ranks.track(conn, user_id, guild_id, dialect):
                conn.execute(_OPT_OUT, params)

        await self._db.write(job)

    async def forget_member(self, user_id: int, *, guild_id: int | None = None) -> ForgetReport:
        """Delete everything stored about ``user_id``, in one transaction.

        ``guild_id=None`` forgets them in every guild. Removed: their completions, their
        member row (name cache, opt-out, totals), their reminder settings and the record of
        reminders sent to them, and audit entries about them. Audit
        entries they wrote as a moderator stay, with the actor blanked, so the history of
        other members' records keeps its shape without naming them.
        """
        params = {"user": user_id, "guild": guild_id}
        dialect = self._db.dialect

        def job(conn: Connection) -> dict[str, int]:
            with ranks.track(conn, user_id, guild_id, dialect):
                return {name: len(conn.execute(sql, params).fetchall()) for name, sql in _FORGET}

        report = ForgetReport(**await self._db.write(job))
        await self._scrub_wal()
        return report

    async def _scrub_wal(self) -> None:
        """Copy the zeroed pages into the main file and empty the ``-wal`` file.

        ``secure_delete`` zeroes the deleted rows in the new page images, but the WAL still
        holds the older images (with the name and notes) until a checkpoint; TRUNCATE also
        shrinks the WAL to zero bytes. If a read holds the WAL (busy), the next checkpoint
        (SQLite's automatic one, or closing the database) finishes the job.
        """
        if not await self._db.checkpoint():
            log.warning("forget_member: the WAL checkpoint was busy; it completes later")
