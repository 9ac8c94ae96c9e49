"""What the scheduler needs from the outside world, as Protocols: a clock and a publisher.

The scheduler never imports ``discord``. ``bot/publisher.py`` implements :class:`Publisher` with
discord.py and translates its exceptions into the :class:`PublishError` family below, so the
runner can decide between "retry later", "tell the moderators" and "give up" without knowing
what an ``HTTPException`` is. Tests use a fake clock and a recording publisher instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

from scheduler.planning import IsoWeek

__all__ = [
    "THREAD_NAME_LIMIT",
    "ChallengePost",
    "ChannelMissing",
    "Clock",
    "DirectMessenger",
    "MemberMissing",
    "MissingPermissions",
    "PostSection",
    "PublishError",
    "PublishedMessage",
    "Publisher",
    "Reminder",
    "ReminderUndeliverable",
    "RoleNotAssignable",
    "SystemClock",
    "TransientPublishError",
    "legacy_post_marker",
    "post_marker",
    "reminder_marker",
]


@runtime_checkable
class Clock(Protocol):
    """A source of the current instant."""

    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        """The current time, aware, in UTC."""
        return datetime.now(UTC)


def post_marker(week: IsoWeek) -> str:
    """The tag that identifies the bot's post of ``week`` in a guild's channel: ``"2026-W48"``.

    The rendered message must carry it where members do not read it (the Discord side puts it
    in the Mark done button's ``custom_id``), so that after a crash between "send" and "record
    as sent" the runner can find the post instead of sending it a second time. The week alone
    is enough: a channel belongs to one guild, and a guild gets one post a week.
    """
    return str(week)


def legacy_post_marker(guild_id: int, marker: str) -> str:
    """The footer text older posts carried instead (still recognised when looking for a post)."""
    return f"mle-roadmap:{guild_id}:{marker}"


#: Discord's limit on a thread's name.
THREAD_NAME_LIMIT = 100


@dataclass(frozen=True)
class PostSection:
    """A titled block of the post (an embed field on Discord): e.g. "Task", "Resources"."""

    heading: str
    text: str


@dataclass(frozen=True)
class ChallengePost:
    """Everything the weekly message says; the Discord side decides how it looks.

    ``challenge_number`` is 1-based, for people ("Challenge 3 of the season"); ``challenge_id``
    is the content's stable id. ``late`` is set when the post is sent after its time because the
    bot was down (the renderer can say so).
    """

    guild_id: int
    week: IsoWeek
    challenge_id: str
    challenge_number: int
    title: str
    summary: str
    sections: tuple[PostSection, ...] = ()
    url: str | None = None
    late: bool = False

    @property
    def marker(self) -> str:
        """See :func:`post_marker`; must appear in the rendered message."""
        return post_marker(self.week)


@dataclass(frozen=True)
class PublishedMessage:
    """What the publisher reports after a successful post."""

    message_id: int


class PublishError(Exception):
    """Posting failed. Subclasses say what the runner should do about it.

    A plain ``PublishError`` is a permanent failure of unknown cause: record and report it,
    do not retry.
    """

    def __init__(self, message: str, *, guild_id: int | None = None) -> None:
        super().__init__(message)
        self.guild_id = guild_id


class ChannelMissing(PublishError):  # noqa: N818 -- the agreed port name
    """The configured channel no longer exists or the bot cannot see it; a moderator must
    choose another channel. Not retried."""

    def __init__(self, channel_id: int, *, guild_id: int | None = None) -> None:
        super().__init__(
            f"channel {channel_id} does not exist or is not visible to the bot", guild_id=guild_id
        )
        self.channel_id = channel_id


class MissingPermissions(PublishError):  # noqa: N818 -- the agreed port name
    """The bot lacks ``permission`` (Discord's name, e.g. ``"embed_links"``) in the channel;
    a moderator must grant it. Not retried."""

    def __init__(
        self, permission: str, *, channel_id: int | None = None, guild_id: int | None = None
    ) -> None:
        where = f" in channel {channel_id}" if channel_id is not None else ""
        super().__init__(f"the bot needs the {permission!r} permission{where}", guild_id=guild_id)
        self.permission = permission
        self.channel_id = channel_id


class TransientPublishError(PublishError):
    """Discord or the network failed in a way that may pass (5xx, timeout, rate limit):
    retry with backoff. ``retry_after`` (seconds) is Discord's hint when it gave one."""

    def __init__(
        self, message: str, *, retry_after: float | None = None, guild_id: int | None = None
    ) -> None:
        super().__init__(message, guild_id=guild_id)
        self.retry_after = retry_after


class RoleNotAssignable(PublishError):  # noqa: N818 -- named like the other port errors
    """The bot may not give or take the role ``role_id``: ``reason`` says why (it is above the
    bot's highest role, managed by an integration, ``@everyone``, or deleted). A moderator must
    act. Not retried."""

    def __init__(self, role_id: int, reason: str, *, guild_id: int | None = None) -> None:
        super().__init__(f"I cannot give the role {role_id}: {reason}", guild_id=guild_id)
        self.role_id = role_id
        self.reason = reason


class MemberMissing(PublishError):  # noqa: N818 -- named like the other port errors
    """The member is no longer in the server (Discord error 10007): nothing to give them."""


class Publisher(Protocol):
    """What the scheduler needs from Discord. Methods raise :class:`PublishError` subclasses."""

    async def post_challenge(
        self, guild_id: int, channel_id: int, post: ChallengePost
    ) -> PublishedMessage:
        """Send ``post`` to the channel; the message must contain ``post.marker``."""
        ...

    async def find_own_post(
        self, guild_id: int, channel_id: int, marker: str, after: datetime
    ) -> int | None:
        """The id of the bot's own message containing ``marker`` sent after ``after``, if any.

        Used to settle a post that was claimed but never confirmed (crash mid-send) before
        sending it again.
        """
        ...

    async def notify_moderators(self, guild_id: int, text: str) -> None:
        """Tell the guild's moderators something needs their action (best effort)."""
        ...

    async def start_thread(self, guild_id: int, channel_id: int, message_id: int, name: str) -> int:
        """Start a public thread named ``name`` (at most :data:`THREAD_NAME_LIMIT` characters)
        on the message; return the thread's id.

        If the message already has a thread (Discord refuses a second one), that thread's id is
        returned: asking twice never makes two threads. Raises :class:`MissingPermissions`
        (``create_public_threads``), :class:`ChannelMissing`, :class:`TransientPublishError` or
        :class:`PublishError` (e.g. the message was deleted).
        """
        ...

    async def find_thread(self, guild_id: int, channel_id: int, message_id: int) -> int | None:
        """The id of the thread started on the message, if it has one.

        Used to settle a thread that was claimed but never confirmed (crash mid-create).
        """
        ...

    async def grant_role(self, guild_id: int, user_id: int, role_id: int, reason: str) -> None:
        """Give the member the role (a milestone reward); giving it twice changes nothing.

        Checks first that the bot has Manage Roles and that the role is below its highest
        role. Raises :class:`MissingPermissions` (``manage_roles``), :class:`RoleNotAssignable`,
        :class:`MemberMissing`, :class:`TransientPublishError` or :class:`PublishError`.
        """
        ...

    async def revoke_role(self, guild_id: int, user_id: int, role_id: int, reason: str) -> None:
        """Take the role away from the member; the same checks and errors as
        :meth:`grant_role`. A member who no longer has it (or left) is not an error."""
        ...


def reminder_marker(guild_id: int, week: IsoWeek) -> str:
    """The tag that identifies the bot's reminder DM for ``guild_id`` and ``week``:
    ``"<guild id>:2026-W48"``.

    Like :func:`post_marker`, the rendered DM carries it where the member does not read it (the
    Discord side puts it in the DM's Mark done button's ``custom_id``), so that a reminder
    claimed but never confirmed (a crash mid-send) is looked for before it is sent again. A
    member's DM channel with the bot is shared by every guild, hence the guild in the tag.
    """
    return f"{guild_id}:{week}"


@dataclass(frozen=True)
class Reminder:
    """A member's DM before the week's challenge closes (they asked with ``/remind on``).

    The Discord side renders it with a Mark done button that records for ``guild_id`` and
    carries :attr:`marker`.
    """

    guild_id: int
    user_id: int
    week: IsoWeek
    challenge_id: str
    challenge_number: int
    title: str
    closes_at: datetime

    @property
    def marker(self) -> str:
        """See :func:`reminder_marker`; must appear in the rendered DM."""
        return reminder_marker(self.guild_id, self.week)


class ReminderUndeliverable(PublishError):  # noqa: N818 -- named like the other port errors
    """The member does not accept DMs from the bot (Discord error 50007): not retried."""


class DirectMessenger(Protocol):
    """What the reminder runner needs from Discord."""

    async def send_reminder(self, reminder: Reminder) -> None:
        """DM the member; raises :class:`ReminderUndeliverable` when their DMs are closed,
        :class:`TransientPublishError` or :class:`PublishError` otherwise. The DM must
        carry ``reminder.marker``."""
        ...

    async def find_reminder(self, reminder: Reminder) -> bool:
        """Whether the member's DM channel already holds the bot's DM carrying
        ``reminder.marker`` (among its recent messages).

        Used to settle a reminder that was claimed but never confirmed (crash mid-send) before
        sending it again. Raises :class:`TransientPublishError` or :class:`PublishError` when
        the history cannot be read.
        """
        ...
