"""Tell the moderators once when the database cannot take writes (disk full, read-only, locked).

Members get a short "could not save, try again later" from :func:`bot.errors.answer_error`;
this object makes sure the people who can fix it hear about it *once per incident*, not once
per click. An incident is a run of such failures with less than :data:`QUIET_PERIOD` between
them: once writes have worked (or nobody tried) for that long, the next failure is a new
incident and is told again. Nothing here has to "recover": SQLite takes the next write as soon
as the cause is gone.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Final

from storage.errors import WriteProblem, WriteProblemKind

log = logging.getLogger(__name__)

#: Seconds without a failed write after which an incident is over.
QUIET_PERIOD: Final = 30 * 60.0

#: ``notify(guild_id, text)``: e.g. :meth:`bot.publisher.DiscordPublisher.notify_moderators`.
Notify = Callable[[int, str], Awaitable[None]]


class StorageAlarm:
    """Counts write failures into incidents and tells each guild's moderators once per incident."""

    def __init__(
        self,
        notify: Notify,
        *,
        quiet_period: float = QUIET_PERIOD,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._notify = notify
        self._quiet_period = quiet_period
        self._clock = clock
        self._last_failure: float | None = None
        self._told: set[tuple[int | None, WriteProblemKind]] = set()
        self.incidents = 0

    def in_incident(self) -> bool:
        """Whether a write failed less than the quiet period ago."""
        return (
            self._last_failure is not None
            and self._clock() - self._last_failure < self._quiet_period
        )

    async def report(self, guild_id: int | None, problem: WriteProblem) -> None:
        """Record one failed write; the first of each kind in an incident is logged once at
        ERROR and told to the guild's moderators. Never raises."""
        if not self.in_incident():
            self._told.clear()
            self.incidents += 1
        self._last_failure = self._clock()
        if (None, problem.kind) not in self._told:
            self._told.add((None, problem.kind))
            log.error("the database cannot take writes: %s", problem.advice)
        if guild_id is None or (guild_id, problem.kind) in self._told:
            return
        self._told.add((guild_id, problem.kind))
        text = (
            "members' progress could not be saved: "
            + problem.advice
            + " Members were asked to try again later."
        )
        try:
            await self._notify(guild_id, text)
        except Exception:
            log.exception("could not tell the moderators of guild %d about storage", guild_id)
