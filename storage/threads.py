"""The thread ledger: at most one discussion thread per weekly post, across crashes.

Protocol for the scheduler (like :mod:`storage.posts`): :meth:`ThreadsRepository.claim` before
asking Discord for the thread (only the caller that gets ``owned=True`` asks), then
:meth:`~ThreadsRepository.mark_created` with the thread id, or
:meth:`~ThreadsRepository.mark_failed`. A row found ``claimed`` or ``failed`` is re-claimed
with :meth:`~ThreadsRepository.reclaim` only after looking for the thread on Discord.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from storage._codec import from_us, to_us, utc_now
from storage.db import Database, Row
from storage.errors import PostStateError
from storage.models import ThreadRecord, ThreadState

__all__ = ["ThreadsRepository"]

_COLUMNS = "post_id, guild_id, state, thread_id, claimed_at_us, attempts, error"
_SELECT = f"SELECT {_COLUMNS} FROM post_threads"  # noqa: S608
_CLAIM = (
    "INSERT INTO post_threads (post_id, guild_id, state, claimed_at_us)"  # noqa: S608
    f" VALUES (?, ?, 'claimed', ?) ON CONFLICT (post_id) DO NOTHING RETURNING {_COLUMNS}"
)
_RECLAIM = (
    "UPDATE post_threads SET state = 'claimed', attempts = attempts + 1,"  # noqa: S608
    " claimed_at_us = ?, error = NULL"
    f" WHERE post_id = ? AND state IN ('claimed', 'failed') RETURNING {_COLUMNS}"
)
_MARK_CREATED = (
    "UPDATE post_threads SET state = 'created', thread_id = ?, error = NULL"  # noqa: S608
    f" WHERE post_id = ? AND state IN ('claimed', 'failed') RETURNING {_COLUMNS}"
)
_MARK_FAILED = (
    "UPDATE post_threads SET state = 'failed', error = ?"  # noqa: S608
    f" WHERE post_id = ? AND state IN ('claimed', 'failed') RETURNING {_COLUMNS}"
)


def _thread(row: Row) -> ThreadRecord:
    return ThreadRecord(
        post_id=row[0],
        guild_id=row[1],
        state=ThreadState(row[2]),
        thread_id=row[3],
        claimed_at=from_us(row[4]),
        attempts=row[5],
        error=row[6],
    )


class ThreadsRepository:
    """Claim, confirm and read the discussion thread of each weekly post."""

    def __init__(self, db: Database, clock: Callable[[], datetime] = utc_now) -> None:
        self._db = db
        self._clock = clock

    async def get(self, post_id: int) -> ThreadRecord | None:
        """The thread row of the weekly post ``post_id``, if any."""
        rows = await self._db.fetch(_SELECT + " WHERE post_id = ?", (post_id,))
        return _thread(rows[0]) if rows else None

    async def claim(self, post_id: int, guild_id: int) -> ThreadRecord | None:
        """Create the post's row as ``claimed``; ``None`` if it already has one."""
        rows = await self._db.execute(_CLAIM, (post_id, guild_id, to_us(self._clock())))
        return _thread(rows[0]) if rows else None

    async def reclaim(self, post_id: int) -> ThreadRecord | None:
        """``claimed``/``failed`` -> ``claimed`` (``attempts`` + 1); ``None`` if not possible."""
        rows = await self._db.execute(_RECLAIM, (to_us(self._clock()), post_id))
        return _thread(rows[0]) if rows else None

    async def mark_created(self, post_id: int, *, thread_id: int) -> ThreadRecord:
        """The thread exists as ``thread_id``. Repeating the same call is a no-op."""
        rows = await self._db.execute(_MARK_CREATED, (thread_id, post_id))
        if rows:
            return _thread(rows[0])
        current = await self.get(post_id)
        if current is not None and current.thread_id == thread_id:
            return current
        raise PostStateError(f"the thread of post {post_id} cannot become created: {current}")

    async def mark_failed(self, post_id: int, *, error: str) -> ThreadRecord:
        """Creating the thread failed (``claimed``/``failed`` -> ``failed``), with the error."""
        rows = await self._db.execute(_MARK_FAILED, (error, post_id))
        if rows:
            return _thread(rows[0])
        current = await self.get(post_id)
        raise PostStateError(f"the thread of post {post_id} cannot become failed: {current}")
