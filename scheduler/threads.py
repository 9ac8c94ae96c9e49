"""A discussion thread on each weekly post, exactly once: the step after a post is sent.

:func:`ensure_thread` runs after :func:`scheduler.jobs.post_weekly_challenge` has a post in the
channel (sent now, found after a crash, or already sent), inside the runner's per-guild lock.
It never changes the post's outcome: every problem is recorded in the thread ledger, reported
to the moderators and logged.

Exactly once comes from the thread ledger (:mod:`storage.threads`, one row per post) and from
Discord itself (a message has at most one thread, whose id is the message's):

1. ``created``: nothing to do.
2. ``claimed`` (a crash between asking Discord and recording the answer) or ``failed``: look
   for the message's thread first; found -> record it. Only otherwise re-claim and ask again
   (and a second ask is answered with the existing thread anyway). Automatic runs give up on a
   ``failed`` thread after :data:`MAX_AUTOMATIC_ATTEMPTS`; ``/admin post-now`` always tries.
3. No row: claim, ask, record.

When: for a post sent by this run, always (if the guild has threads on). For a post the ledger
already had as sent, only when the thread ledger has a row (an unfinished earlier attempt) or
the post went out within ``recent`` (a crash right after the post was recorded): a post sent
before the guild turned threads on, or before this feature existed, gets no late thread.

Failures: missing Create Public Threads, a deleted post or channel: the moderators are told
what to fix, once per distinct problem. Transient errors are recorded and retried by the next
run (start-up, ``/admin post-now``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from content.models import Catalog
from scheduler.planning import IsoWeek
from scheduler.ports import (
    THREAD_NAME_LIMIT,
    ChannelMissing,
    MissingPermissions,
    Publisher,
    PublishError,
    TransientPublishError,
)
from scheduler.season import challenge_for_week
from storage.models import GuildSchedule, PostRecord, PostState, ThreadRecord, ThreadState
from storage.store import Store

__all__ = [
    "MAX_AUTOMATIC_ATTEMPTS",
    "ThreadOutcome",
    "ThreadResult",
    "ensure_thread",
    "thread_name",
]

logger = logging.getLogger(__name__)

#: Automatic runs re-try a failed thread while its ledger ``attempts`` is below this.
MAX_AUTOMATIC_ATTEMPTS = 3


class ThreadResult(StrEnum):
    """What happened to a weekly post's discussion thread."""

    CREATED = "created"
    """Started now, or found after a crash (``recovered``)."""
    EXISTS = "exists"
    """The ledger had it already."""
    OFF = "off"
    """The guild turned threads off, or the post is too old to get one now."""
    FAILED = "failed"
    """Could not start it; the moderators were told (``reason``)."""


@dataclass(frozen=True)
class ThreadOutcome:
    """The result of :func:`ensure_thread`."""

    result: ThreadResult
    thread_id: int | None = None
    reason: str | None = None
    recovered: bool = False


def thread_name(number: int, title: str) -> str:
    """``"Week 3: Train a baseline"``, cut to Discord's 100 characters."""
    name = " ".join(f"Week {number}: {title}".split())
    if len(name) <= THREAD_NAME_LIMIT:
        return name
    return name[: THREAD_NAME_LIMIT - 1].rstrip() + "…"


def _name_for(catalog: Catalog, schedule: GuildSchedule, post: PostRecord) -> str:
    season = challenge_for_week(catalog, schedule, post.week)
    if season is not None and season.challenge.id == post.challenge_id:
        return thread_name(season.number, season.challenge.title)
    try:
        challenge = catalog.challenge(post.challenge_id)
    except KeyError:  # content changed since the post: the post's own id still names it
        return thread_name(1, post.challenge_id)
    return thread_name(challenge.week, challenge.title)


def _what_to_fix(error: PublishError, week: IsoWeek, channel_id: int) -> str:
    head = (
        f"I posted the weekly challenge for {week} in <#{channel_id}>, but could not start its"
        " discussion thread"
    )
    if isinstance(error, MissingPermissions):
        return (
            f"{head}: I need the 'Create Public Threads' permission there. Grant it to my role,"
            " then use /admin post-now (the post is not sent twice), or turn threads off with"
            " /admin schedule threads:False."
        )
    if isinstance(error, ChannelMissing):
        return f"{head}: the channel no longer exists or I cannot see it."
    return f"{head}: {error}. Use /admin post-now to try again."


async def _notify(publisher: Publisher, guild_id: int, text: str) -> None:
    try:
        await publisher.notify_moderators(guild_id, text)
    except Exception:
        logger.exception(
            "could not notify the moderators of guild %s",
            guild_id,
            extra={"event": "moderator_notice_failed", "guild_id": guild_id},
        )


async def ensure_thread(  # noqa: PLR0911 -- one return per outcome, in decision order
    store: Store,
    catalog: Catalog,
    publisher: Publisher,
    post: PostRecord,
    now: datetime,
    *,
    sent_now: bool,
    on_demand: bool = False,
    recent: timedelta = timedelta(hours=24),
) -> ThreadOutcome:
    """Make sure the sent weekly post ``post`` has its discussion thread (see the module doc).

    ``sent_now``: this run put the post in the channel (sent or found after a crash).
    Storage errors propagate; Discord problems become ``FAILED`` and a moderator notice.
    """
    if post.state is not PostState.SENT or post.message_id is None:
        return ThreadOutcome(ThreadResult.OFF, reason="the post is not in the channel")
    schedule = await store.settings.get(post.guild_id)
    if schedule is None or not schedule.threads:
        return ThreadOutcome(ThreadResult.OFF, reason="threads are turned off")
    existing = await store.threads.get(post.post_id)
    if existing is not None and existing.state is ThreadState.CREATED:
        return ThreadOutcome(ThreadResult.EXISTS, thread_id=existing.thread_id)
    if existing is None and not sent_now and not on_demand:
        posted_at = post.posted_at or post.scheduled_for
        if now - posted_at > recent:
            return ThreadOutcome(ThreadResult.OFF, reason="the post is older than threads")
    if (
        existing is not None
        and existing.state is ThreadState.FAILED
        and not on_demand
        and existing.attempts >= MAX_AUTOMATIC_ATTEMPTS
    ):
        return ThreadOutcome(ThreadResult.FAILED, reason=existing.error)  # told them already
    run = _ThreadRun(store, publisher, post, post.message_id)
    if existing is not None:  # an earlier attempt crashed or failed: did it get through?
        looked = await run.look(existing)
        if looked is not None:
            return looked
        record = await store.threads.reclaim(post.post_id)
    else:
        record = await store.threads.claim(post.post_id, post.guild_id)
    if record is None:  # pragma: no cover - the runner's guild lock serialises callers
        return ThreadOutcome(ThreadResult.FAILED, reason="the thread is being started elsewhere")
    return await run.create(record, _name_for(catalog, schedule, post), existing)


@dataclass
class _ThreadRun:
    store: Store
    publisher: Publisher
    post: PostRecord
    message_id: int

    async def look(self, existing: ThreadRecord) -> ThreadOutcome | None:
        try:
            found = await self.publisher.find_thread(
                self.post.guild_id, self.post.channel_id, self.message_id
            )
        except TransientPublishError as error:
            return ThreadOutcome(ThreadResult.FAILED, reason=f"could not look for it ({error})")
        except PublishError:
            found = None  # the create below reports what is wrong
        if found is None:
            return None
        await self.store.threads.mark_created(self.post.post_id, thread_id=found)
        _log(self.post, "created", recovered=True)
        return ThreadOutcome(ThreadResult.CREATED, thread_id=found, recovered=True)

    async def create(
        self, record: ThreadRecord, name: str, previous: ThreadRecord | None
    ) -> ThreadOutcome:
        try:
            thread_id = await self.publisher.start_thread(
                self.post.guild_id, self.post.channel_id, self.message_id, name
            )
        except PublishError as error:
            reason = str(error)
            await self.store.threads.mark_failed(record.post_id, error=reason)
            _log(self.post, "failed", reason=reason)
            told = previous is not None and previous.error == reason
            if not told and not isinstance(error, TransientPublishError):
                await _notify(
                    self.publisher,
                    self.post.guild_id,
                    _what_to_fix(error, self.post.week, self.post.channel_id),
                )
            return ThreadOutcome(ThreadResult.FAILED, reason=reason)
        await self.store.threads.mark_created(record.post_id, thread_id=thread_id)
        _log(self.post, "created")
        return ThreadOutcome(ThreadResult.CREATED, thread_id=thread_id)


def _log(
    post: PostRecord, outcome: str, *, reason: str | None = None, recovered: bool = False
) -> None:
    level = logging.WARNING if outcome == "failed" else logging.INFO
    logger.log(
        level,
        "discussion thread for guild %s, week %s: %s",
        post.guild_id,
        post.week,
        outcome,
        extra={
            "event": "weekly_thread",
            "guild_id": post.guild_id,
            "week": str(post.week),
            "outcome": outcome,
            "recovered": recovered,
            "reason": reason,
        },
    )
