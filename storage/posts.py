"""The post ledger: the basis of exactly-once weekly posting.

Protocol for the scheduler: :meth:`PostsRepository.claim` *before* sending (only the
caller that gets ``owned=True`` sends), then :meth:`~PostsRepository.mark_sent` with the
message id, or :meth:`~PostsRepository.mark_failed`. On start-up,
:meth:`~PostsRepository.list_unsent` lists what was claimed but never confirmed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from storage._codec import from_us, opt_from_us, to_us, utc_now, week_from_text, week_text
from storage._kept import Kept
from storage.db import Database, Params, Row
from storage.errors import PostStateError
from storage.models import ClaimResult, PostRecord, PostState

__all__ = ["PostsRepository"]

# SQL is composed here, once, from literals only (hence the S608 waivers); methods pass
# values as parameters.
_COLUMNS = (
    "post_id, guild_id, iso_week, challenge_id, channel_id, state, scheduled_for_us,"
    " claimed_at_us, attempts, message_id, posted_at_us, error"
)
_SELECT = f"SELECT {_COLUMNS} FROM challenge_posts"  # noqa: S608
_CLAIM = (
    "INSERT INTO challenge_posts (guild_id, iso_week, challenge_id, channel_id, state,"  # noqa: S608
    " scheduled_for_us, claimed_at_us) VALUES (?, ?, ?, ?, 'claimed', ?, ?)"
    f" ON CONFLICT (guild_id, iso_week) DO NOTHING RETURNING {_COLUMNS}"
)
_RECLAIM = (
    "UPDATE challenge_posts SET state = 'claimed', attempts = attempts + 1,"  # noqa: S608
    " claimed_at_us = ?, challenge_id = ?, channel_id = ?, error = NULL"
    f" WHERE guild_id = ? AND iso_week = ? AND state = 'failed' RETURNING {_COLUMNS}"
)
_MARK_SENT = (
    "UPDATE challenge_posts SET state = 'sent', message_id = ?, posted_at_us = ?,"  # noqa: S608
    " error = NULL WHERE post_id = ? AND state IN ('claimed', 'failed')"
    f" RETURNING {_COLUMNS}"
)
_MARK_FAILED = (
    "UPDATE challenge_posts SET state = 'failed', error = ?"  # noqa: S608
    f" WHERE post_id = ? AND state IN ('claimed', 'failed') RETURNING {_COLUMNS}"
)
_MARK_MISSED = (
    "UPDATE challenge_posts SET state = 'missed', error = coalesce(?, error)"  # noqa: S608
    f" WHERE post_id = ? AND state IN ('claimed', 'failed', 'missed') RETURNING {_COLUMNS}"
)


def _post(row: Row) -> PostRecord:
    return PostRecord(
        post_id=row[0],
        guild_id=row[1],
        week=week_from_text(row[2]),
        challenge_id=row[3],
        channel_id=row[4],
        state=PostState(row[5]),
        scheduled_for=from_us(row[6]),
        claimed_at=from_us(row[7]),
        attempts=row[8],
        message_id=row[9],
        posted_at=opt_from_us(row[10]),
        error=row[11],
    )


class PostsRepository:
    """Claim, confirm and list the weekly challenge posts."""

    def __init__(self, db: Database, clock: Callable[[], datetime] = utc_now) -> None:
        self._db = db
        self._clock = clock
        # Members' reads of the ledger (this week's post, the season's rows): storage._kept.
        self._kept = Kept[tuple[PostRecord, ...]]()

    async def _write(self, sql: str, params: Params) -> list[Row]:
        try:
            return await self._db.execute(sql, params)
        finally:
            self._kept.forget()

    async def claim(
        self,
        guild_id: int,
        week: tuple[int, int],
        *,
        challenge_id: str,
        channel_id: int,
        scheduled_for: datetime,
        retry_failed: bool = False,
    ) -> ClaimResult:
        """Atomically take the right to post ``guild_id``'s challenge for ``week``.

        The first caller creates the row (state ``claimed``) and gets ``owned=True``; every
        other caller, in this process or another, gets ``owned=False`` and the existing
        row. With ``retry_failed``, a ``failed`` post is re-claimed (``attempts`` + 1) by
        exactly one caller, with the given challenge and channel.
        """
        now_us = to_us(self._clock())
        week_key = week_text(week)
        rows = await self._write(
            _CLAIM,
            (guild_id, week_key, challenge_id, channel_id, to_us(scheduled_for), now_us),
        )
        if not rows and retry_failed:
            rows = await self._write(
                _RECLAIM,
                (now_us, challenge_id, channel_id, guild_id, week_key),
            )
        if rows:
            return ClaimResult(owned=True, post=_post(rows[0]))
        existing = await self.get(guild_id, week)
        if existing is None:  # cannot happen: the INSERT conflicted with this very row
            raise PostStateError(f"post for guild {guild_id} week {week_key} vanished")
        return ClaimResult(owned=False, post=existing)

    async def _refuse(self, post_id: int, to: PostState) -> PostStateError:
        current = await self.get_by_id(post_id)
        if current is None:
            return PostStateError(f"there is no post {post_id}")
        return PostStateError(
            f"post {post_id} (guild {current.guild_id}, {current.week}) is {current.state},"
            f" it cannot become {to}"
        )

    async def mark_sent(
        self, post_id: int, *, message_id: int, posted_at: datetime | None = None
    ) -> PostRecord:
        """Confirm the post went out as ``message_id``. Repeating the same call is a no-op."""
        at = to_us(posted_at or self._clock())
        rows = await self._write(_MARK_SENT, (message_id, at, post_id))
        if rows:
            return _post(rows[0])
        current = await self.get_by_id(post_id)
        if current is not None and current.message_id == message_id:
            return current  # already sent as this very message: a retried confirmation
        raise await self._refuse(post_id, PostState.SENT)

    async def mark_failed(self, post_id: int, *, error: str) -> PostRecord:
        """Record that sending failed (``claimed``/``failed`` -> ``failed``), with the error."""
        rows = await self._write(_MARK_FAILED, (error, post_id))
        if rows:
            return _post(rows[0])
        raise await self._refuse(post_id, PostState.FAILED)

    async def mark_missed(self, post_id: int, *, reason: str | None = None) -> PostRecord:
        """Give up on the post (too late to send): ``claimed``/``failed`` -> ``missed``."""
        rows = await self._write(_MARK_MISSED, (reason, post_id))
        if rows:
            return _post(rows[0])
        raise await self._refuse(post_id, PostState.MISSED)

    async def get(self, guild_id: int, week: tuple[int, int]) -> PostRecord | None:
        """The guild's post for ``week``, if any."""
        rows = await self._db.fetch(
            _SELECT + " WHERE guild_id = ? AND iso_week = ?",
            (guild_id, week_text(week)),
        )
        return _post(rows[0]) if rows else None

    async def from_week(
        self, guild_id: int, week: tuple[int, int], *, max_age: float = 0.0
    ) -> list[PostRecord]:
        """The guild's ledger rows for ``week`` and later, oldest first (a season's worth).

        ``max_age``: as :meth:`latest_sent`'s.
        """

        async def load() -> tuple[PostRecord, ...]:
            rows = await self._db.fetch(
                _SELECT + " WHERE guild_id = ? AND iso_week >= ? ORDER BY iso_week",
                (guild_id, week_text(week)),
            )
            return tuple(_post(row) for row in rows)

        return list(await self._kept.read(("from", guild_id, week), max_age, load))

    async def get_by_id(self, post_id: int) -> PostRecord | None:
        """The post with this ledger id, if any."""
        rows = await self._db.fetch(_SELECT + " WHERE post_id = ?", (post_id,))
        return _post(rows[0]) if rows else None

    async def latest_sent(self, guild_id: int, *, max_age: float = 0.0) -> PostRecord | None:
        """The guild's most recent sent post: "this week's challenge".

        ``max_age`` > 0: a copy read at most that many seconds ago will do (members' reads,
        every interaction); this repository's own writes are always seen (:mod:`storage._kept`).
        """

        async def load() -> tuple[PostRecord, ...]:
            rows = await self._db.fetch(
                _SELECT + " WHERE guild_id = ? AND state = 'sent' ORDER BY iso_week DESC LIMIT 1",
                (guild_id,),
            )
            return tuple(_post(row) for row in rows)

        found = await self._kept.read(("latest", guild_id), max_age, load)
        return found[0] if found else None

    async def list_unsent(self, *, scheduled_before: datetime | None = None) -> list[PostRecord]:
        """Posts ``claimed`` or ``failed`` but never confirmed, oldest schedule first.

        ``scheduled_before`` keeps only those due before that instant (the overdue ones).
        """
        limit_us = 2**63 - 1 if scheduled_before is None else to_us(scheduled_before)
        rows = await self._db.fetch(
            _SELECT + " WHERE state IN ('claimed', 'failed')"
            " AND scheduled_for_us < ? ORDER BY scheduled_for_us, post_id",
            (limit_us,),
        )
        return [_post(row) for row in rows]
