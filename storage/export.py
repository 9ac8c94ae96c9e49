"""Export: a season's completions as CSV-ready tuples."""

from __future__ import annotations

from storage._codec import from_us
from storage.db import Database
from storage.models import EXPORT_HEADER, ExportRow

__all__ = ["EXPORT_HEADER", "ExportRepository"]

# The guild's season (all time if it has no season start); opted-out members excluded.
_SEASON = (
    "SELECT c.user_id, coalesce(m.display_name, ''), c.challenge_id, coalesce(c.iso_week, ''),"
    " c.points, c.completed_at_us, c.source, coalesce(c.note, '')"
    " FROM completions AS c JOIN members AS m"
    "   ON m.guild_id = c.guild_id AND m.user_id = c.user_id"
    " WHERE c.guild_id = :guild AND m.opted_out = 0 AND c.completed_at_us >= coalesce("
    "   (SELECT season_start_us FROM guild_settings WHERE guild_id = :guild),"
    "   -9223372036854775808)"
    " ORDER BY c.completed_at_us, c.user_id, c.challenge_id"
)


class ExportRepository:
    """Rows for moderators' spreadsheets."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def season_rows(self, guild_id: int) -> list[ExportRow]:
        """The current season's completions, oldest first, as :class:`ExportRow` tuples.

        Write them with ``csv.writer(f).writerows([EXPORT_HEADER, *rows])``. Times are
        ISO 8601 UTC; missing values are empty strings.
        """
        rows = await self._db.fetch_large(_SEASON, {"guild": guild_id})
        return [
            ExportRow(user_id, name, challenge, week, points, from_us(at).isoformat(), source, note)
            for user_id, name, challenge, week, points, at, source, note in rows
        ]
