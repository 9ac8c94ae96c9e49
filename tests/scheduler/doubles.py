"""Doubles for the job and runner tests, built on ``fakes.py``: a publisher with scripted
faults per channel, a store whose ledger "crashes" between sending and recording, a fake sleep,
and a clock that follows the real one at an offset (for the real-APScheduler wiring test)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from scheduler.ports import (
    ChallengePost,
    ChannelMissing,
    MissingPermissions,
    PublishedMessage,
    Publisher,
    PublishError,
)
from storage.models import GuildSchedule, PostRecord, ThreadRecord
from storage.posts import PostsRepository
from storage.store import Store, open_store
from storage.threads import ThreadsRepository
from tests.scheduler.fakes import FakeClock, RecordingPublisher


class Crash(BaseException):
    """The process dies here: not an ``Exception``, so nothing in the code under test
    handles it (like ``SystemExit`` or ``CancelledError`` would not be handled)."""


@dataclass
class ScriptedPublisher(RecordingPublisher):
    """A recording publisher with faults per channel and on demand.

    * ``missing_channels``: posting there raises :class:`ChannelMissing` (as does looking).
    * ``missing_permission``: channel -> permission name, raises :class:`MissingPermissions`
      when posting (reading history still works).
    * ``fail_next`` (inherited): errors raised by the next ``post_challenge`` calls.
    * ``deliver_then_fail``: errors raised by the next calls *after* the message went out
      (a timeout whose send got through).
    * ``crash_before_send`` / ``crash_after_send``: raise :class:`Crash` once.
    * ``find_errors``: errors raised by the next ``find_own_post`` calls.
    """

    missing_channels: set[int] = field(default_factory=set)
    missing_permission: dict[int, str] = field(default_factory=dict)
    deliver_then_fail: list[PublishError] = field(default_factory=list)
    find_errors: list[PublishError] = field(default_factory=list)
    crash_before_send: bool = False
    crash_after_send: bool = False
    lookups: int = 0

    def _check_channel(self, guild_id: int, channel_id: int) -> None:
        if channel_id in self.missing_channels:
            raise ChannelMissing(channel_id, guild_id=guild_id)
        if channel_id in self.missing_permission:
            raise MissingPermissions(
                self.missing_permission[channel_id], channel_id=channel_id, guild_id=guild_id
            )

    async def post_challenge(
        self, guild_id: int, channel_id: int, post: ChallengePost
    ) -> PublishedMessage:
        if self.crash_before_send:
            self.crash_before_send = False
            self.attempts += 1
            raise Crash
        if not self.fail_next:
            try:
                self._check_channel(guild_id, channel_id)
            except PublishError:
                self.attempts += 1
                raise
        message = await super().post_challenge(guild_id, channel_id, post)
        if self.deliver_then_fail:
            raise self.deliver_then_fail.pop(0)
        if self.crash_after_send:
            self.crash_after_send = False
            raise Crash
        return message

    async def find_own_post(
        self, guild_id: int, channel_id: int, marker: str, after: datetime
    ) -> int | None:
        self.lookups += 1
        if self.find_errors:
            raise self.find_errors.pop(0)
        if channel_id in self.missing_channels:
            raise ChannelMissing(channel_id, guild_id=guild_id)
        return await super().find_own_post(guild_id, channel_id, marker, after)

    def posts_for(self, guild_id: int) -> list[ChallengePost]:
        return [sent.post for sent in self.sent if sent.guild_id == guild_id]

    def notices_for(self, guild_id: int) -> list[str]:
        return [text for gid, text in self.notices if gid == guild_id]


class CrashingPosts(PostsRepository):
    """The ledger, except that the next ``mark_sent`` "kills the process" (raises Crash)."""

    crash_on_mark_sent = True

    async def mark_sent(
        self, post_id: int, *, message_id: int, posted_at: datetime | None = None
    ) -> PostRecord:
        if self.crash_on_mark_sent:
            type(self).crash_on_mark_sent = False
            raise Crash
        return await super().mark_sent(post_id, message_id=message_id, posted_at=posted_at)


def crashing_store(store: Store, clock: FakeClock) -> Store:
    """``store`` whose next ``posts.mark_sent`` raises :class:`Crash` (one per class use)."""
    posts = type("CrashOnce", (CrashingPosts,), {"crash_on_mark_sent": True})
    return replace(store, posts=posts(store.db, clock.now))


class CrashingThreads(ThreadsRepository):
    """The thread ledger, except that ``mark_created`` "kills the process" once: Discord made
    the thread, the ledger never heard."""

    crash_on_mark_created = True

    async def mark_created(self, post_id: int, *, thread_id: int) -> ThreadRecord:
        if self.crash_on_mark_created:
            self.crash_on_mark_created = False
            raise Crash
        return await super().mark_created(post_id, thread_id=thread_id)


def thread_crashing_store(store: Store, clock: FakeClock) -> Store:
    """``store`` whose next ``threads.mark_created`` raises :class:`Crash`."""
    return replace(store, threads=CrashingThreads(store.db, clock.now))


@dataclass
class FakeSleep:
    """Records the delays asked for and returns at once."""

    delays: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


class ShiftedClock:
    """The real clock moved by a fixed offset: ``now()`` advances in real time."""

    def __init__(self, pretend_now: datetime) -> None:
        self._offset = pretend_now - datetime.now(UTC)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset


async def new_store(tmp_path: Path, clock: FakeClock) -> Store:
    return await open_store(tmp_path / "db.sqlite3", clock=clock.now)


def guild(
    guild_id: int = 1,
    *,
    channel_id: int | None = 100,
    weekday: int = 0,
    at: time = time(9, 0),
    tz: str = "UTC",
    season_start: date | None = date(2026, 11, 23),
    enabled: bool = True,
    leaderboard_public: bool = True,
    threads: bool = True,
) -> GuildSchedule:
    """A guild posting Mondays 09:00 UTC from 2026-W48 (challenge 1) by default."""
    return GuildSchedule(
        guild_id=guild_id,
        channel_id=channel_id,
        weekday=weekday,
        post_time=at,
        timezone=tz,
        season_start=season_start,
        enabled=enabled,
        leaderboard_public=leaderboard_public,
        threads=threads,
    )


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An aware UTC instant."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)

_publisher_check: Publisher = ScriptedPublisher(FakeClock(utc(2026, 1, 1)))
