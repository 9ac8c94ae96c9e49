"""Test doubles for scheduler.ports: a clock you set by hand, a publisher and an inbox that
record.

All satisfy the Protocols statically (see the annotated assignments at the bottom), so a
change to a port that these doubles do not follow fails ``mypy`` rather than a test far away.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from scheduler.ports import (
    ChallengePost,
    Clock,
    DirectMessenger,
    PublishedMessage,
    Publisher,
    PublishError,
    Reminder,
    ReminderUndeliverable,
)


class FakeClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime) -> None:
        self._now = self._check(start)

    @staticmethod
    def _check(value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("FakeClock needs aware datetimes")
        return value.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, value: datetime) -> None:
        self._now = self._check(value)

    def advance(self, delta: timedelta) -> datetime:
        self._now += delta
        return self._now


@dataclass(frozen=True)
class SentPost:
    guild_id: int
    channel_id: int
    post: ChallengePost
    message_id: int
    at: datetime


@dataclass
class RecordingPublisher:
    """Records posts, notices, threads and roles; ``fail_next`` queues errors to raise from
    ``post_challenge``, ``thread_errors`` from ``start_thread``, ``role_errors`` from
    ``grant_role``/``revoke_role``."""

    clock: Clock
    sent: list[SentPost] = field(default_factory=list)
    notices: list[tuple[int, str]] = field(default_factory=list)
    fail_next: list[PublishError] = field(default_factory=list)
    attempts: int = 0
    #: message id -> thread name (the thread's id is the message's, as on Discord).
    threads: dict[int, str] = field(default_factory=dict)
    thread_requests: list[tuple[int, int, int, str]] = field(default_factory=list)
    thread_errors: list[PublishError] = field(default_factory=list)
    #: (guild id, user id) -> role ids the member has (given through this publisher).
    roles: dict[tuple[int, int], set[int]] = field(default_factory=dict)
    #: Every role request: ("grant" or "revoke", guild id, user id, role id).
    role_requests: list[tuple[str, int, int, int]] = field(default_factory=list)
    role_errors: list[PublishError] = field(default_factory=list)
    _next_id: int = 1000

    async def post_challenge(
        self, guild_id: int, channel_id: int, post: ChallengePost
    ) -> PublishedMessage:
        self.attempts += 1
        if self.fail_next:
            raise self.fail_next.pop(0)
        self._next_id += 1
        self.sent.append(SentPost(guild_id, channel_id, post, self._next_id, self.clock.now()))
        return PublishedMessage(self._next_id)

    async def find_own_post(
        self, guild_id: int, channel_id: int, marker: str, after: datetime
    ) -> int | None:
        for sent in self.sent:
            if (
                (sent.guild_id, sent.channel_id) == (guild_id, channel_id)
                and sent.post.marker == marker
                and sent.at > after
            ):
                return sent.message_id
        return None

    async def notify_moderators(self, guild_id: int, text: str) -> None:
        self.notices.append((guild_id, text))

    async def start_thread(self, guild_id: int, channel_id: int, message_id: int, name: str) -> int:
        """Like Discord: the thread's id is the message's, and a second one is refused (the
        existing thread's id is returned, as the port says)."""
        self.thread_requests.append((guild_id, channel_id, message_id, name))
        if self.thread_errors:
            raise self.thread_errors.pop(0)
        self.threads.setdefault(message_id, name)
        return message_id

    async def find_thread(self, guild_id: int, channel_id: int, message_id: int) -> int | None:
        return message_id if message_id in self.threads else None

    async def grant_role(self, guild_id: int, user_id: int, role_id: int, reason: str) -> None:
        self.role_requests.append(("grant", guild_id, user_id, role_id))
        if self.role_errors:
            raise self.role_errors.pop(0)
        self.roles.setdefault((guild_id, user_id), set()).add(role_id)

    async def revoke_role(self, guild_id: int, user_id: int, role_id: int, reason: str) -> None:
        self.role_requests.append(("revoke", guild_id, user_id, role_id))
        if self.role_errors:
            raise self.role_errors.pop(0)
        self.roles.get((guild_id, user_id), set()).discard(role_id)


@dataclass
class Inbox:
    """Records DMs; users in ``closed`` have DMs closed."""

    sent: list[tuple[Reminder, object]] = field(default_factory=list)
    closed: set[int] = field(default_factory=set)
    clock: FakeClock | None = None

    async def send_reminder(self, reminder: Reminder) -> None:
        if reminder.user_id in self.closed:
            raise ReminderUndeliverable("Cannot send messages to this user")
        self.sent.append((reminder, self.clock.now() if self.clock else None))

    async def find_reminder(self, reminder: Reminder) -> bool:
        return any(
            r.user_id == reminder.user_id and r.marker == reminder.marker for r, _ in self.sent
        )


_clock_check: Clock = FakeClock(datetime(2026, 1, 1, tzinfo=UTC))
_publisher_check: Publisher = RecordingPublisher(_clock_check)
_messenger_check: DirectMessenger = Inbox()
