"""``scheduler.ports.Publisher`` implemented with discord.py.

Translates discord.py's exceptions into the port's error family, so the scheduler decides
between "retry", "tell the moderators" and "give up" without importing discord.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Final, Literal

import aiohttp
import discord

from bot.permissions import POST_PERMISSIONS
from bot.reminders import carries_reminder_marker, reminder_text, reminder_view
from bot.rewards import MANAGE_ROLES, check_assignable
from bot.weekly import carries_marker
from content.limits import CONTENT_LIMIT
from scheduler.ports import (
    ChallengePost,
    ChannelMissing,
    MemberMissing,
    MissingPermissions,
    PublishedMessage,
    PublishError,
    Reminder,
    ReminderUndeliverable,
    TransientPublishError,
    legacy_post_marker,
)

log = logging.getLogger(__name__)

#: Renders the weekly post: ``(embed, view)``; the view's Mark done button carries ``post.marker``.
Renderer = Callable[[ChallengePost], tuple[discord.Embed, discord.ui.View]]

#: How far back :meth:`DiscordPublisher.find_own_post` reads a channel's history.
HISTORY_LIMIT = 100

#: How many of a member's latest DMs :meth:`DiscordPublisher.find_reminder` reads: a guild's
#: reminder is weekly, so the one looked for is among the last few unless the member's DM
#: channel with the bot has been very busy since.
DM_HISTORY_LIMIT = 50

#: What starting the discussion thread on the weekly post needs.
THREAD_PERMISSION = "create_public_threads"
#: Discord's error code for "A thread has already been created for this message".
THREAD_ALREADY_CREATED = 160004
#: Discord's error code for "Unknown Member" (the member left the server).
UNKNOWN_MEMBER = 10007
#: HTTP status of a rate-limited request discord.py stopped retrying (a reminder then waits).
TOO_MANY_REQUESTS = 429
#: Discord's error code for "Cannot send messages to this user" (DMs closed).
CANNOT_MESSAGE_USER = 50007
#: Minutes of inactivity before Discord hides the thread: a week, the challenge's life.
THREAD_ARCHIVE_MINUTES: Final[Literal[10080]] = 10080


def _contains_marker(message: discord.Message, guild_id: int, marker: str) -> bool:
    """Our weekly post for ``marker``: its Mark done button carries it (older posts: footer)."""
    for row in message.components:
        children = getattr(row, "children", ())
        for item in children:
            custom_id = getattr(item, "custom_id", None)
            if isinstance(custom_id, str) and carries_marker(custom_id, marker):
                return True
    legacy = legacy_post_marker(guild_id, marker)
    return any(legacy in (embed.footer.text or "") for embed in message.embeds)


def _carries_reminder_marker(message: discord.Message, marker: str) -> bool:
    """Our reminder DM for ``marker``: its Mark done button carries it."""
    for row in message.components:
        for item in getattr(row, "children", ()):
            custom_id = getattr(item, "custom_id", None)
            if isinstance(custom_id, str) and carries_reminder_marker(custom_id, marker):
                return True
    return False


class DiscordPublisher:
    """Posts weekly challenges and moderator notices through a connected client."""

    def __init__(self, client: discord.Client, render: Renderer) -> None:
        self._client = client
        self._render = render

    async def _text_channel(self, guild_id: int, channel_id: int) -> discord.TextChannel:
        channel = self._client.get_channel(channel_id)
        if channel is None:
            try:
                fetched = await self._client.fetch_channel(channel_id)
            except discord.NotFound as exc:
                raise ChannelMissing(channel_id, guild_id=guild_id) from exc
            except discord.Forbidden as exc:
                raise MissingPermissions(
                    "view_channel", channel_id=channel_id, guild_id=guild_id
                ) from exc
            except (discord.DiscordServerError, aiohttp.ClientError, TimeoutError) as exc:
                raise TransientPublishError(str(exc), guild_id=guild_id) from exc
            channel = fetched
        if not isinstance(channel, discord.TextChannel) or channel.guild.id != guild_id:
            raise ChannelMissing(channel_id, guild_id=guild_id)
        return channel

    def _check_permissions(self, channel: discord.TextChannel) -> None:
        permissions = channel.permissions_for(channel.guild.me)
        for name in POST_PERMISSIONS:
            if not getattr(permissions, name):
                raise MissingPermissions(name, channel_id=channel.id, guild_id=channel.guild.id)

    async def post_challenge(
        self, guild_id: int, channel_id: int, post: ChallengePost
    ) -> PublishedMessage:
        """Send the weekly post; see :class:`scheduler.ports.Publisher`."""
        channel = await self._text_channel(guild_id, channel_id)
        self._check_permissions(channel)
        embed, view = self._render(post)
        try:
            message = await channel.send(
                embed=embed, view=view, allowed_mentions=discord.AllowedMentions.none()
            )
        except discord.Forbidden as exc:
            raise MissingPermissions(
                "send_messages", channel_id=channel_id, guild_id=guild_id
            ) from exc
        except discord.NotFound as exc:
            raise ChannelMissing(channel_id, guild_id=guild_id) from exc
        except (TimeoutError, discord.DiscordServerError, aiohttp.ClientError) as exc:
            raise TransientPublishError(f"Discord failed: {exc}", guild_id=guild_id) from exc
        except discord.HTTPException as exc:
            raise PublishError(f"Discord refused the post: {exc}", guild_id=guild_id) from exc
        return PublishedMessage(message_id=message.id)

    async def find_own_post(
        self, guild_id: int, channel_id: int, marker: str, after: datetime
    ) -> int | None:
        """Look through recent history for our own message carrying ``marker``."""
        channel = await self._text_channel(guild_id, channel_id)
        me = self._client.user
        try:
            async for message in channel.history(limit=HISTORY_LIMIT, after=after):
                if (
                    me is not None
                    and message.author.id == me.id
                    and _contains_marker(message, guild_id, marker)
                ):
                    return message.id
        except discord.Forbidden as exc:
            raise MissingPermissions(
                "read_message_history", channel_id=channel_id, guild_id=guild_id
            ) from exc
        except (TimeoutError, discord.DiscordServerError, aiohttp.ClientError) as exc:
            raise TransientPublishError(f"Discord failed: {exc}", guild_id=guild_id) from exc
        return None

    async def start_thread(self, guild_id: int, channel_id: int, message_id: int, name: str) -> int:
        """Start the public discussion thread on the weekly post; see the port.

        Discord gives a thread started from a message the message's id and refuses a second
        one with error 160004: that answer means the thread is there, so its id is returned.
        """
        channel = await self._text_channel(guild_id, channel_id)
        if not getattr(channel.permissions_for(channel.guild.me), THREAD_PERMISSION):
            raise MissingPermissions(THREAD_PERMISSION, channel_id=channel_id, guild_id=guild_id)
        message = channel.get_partial_message(message_id)
        try:
            thread = await message.create_thread(
                name=name,
                auto_archive_duration=THREAD_ARCHIVE_MINUTES,
                reason="Discussion of the weekly challenge",
            )
        except discord.Forbidden as exc:
            raise MissingPermissions(
                THREAD_PERMISSION, channel_id=channel_id, guild_id=guild_id
            ) from exc
        except discord.NotFound as exc:
            raise PublishError(
                "the weekly post was deleted before its thread could start", guild_id=guild_id
            ) from exc
        except (TimeoutError, discord.DiscordServerError, aiohttp.ClientError) as exc:
            raise TransientPublishError(f"Discord failed: {exc}", guild_id=guild_id) from exc
        except discord.HTTPException as exc:
            if exc.code == THREAD_ALREADY_CREATED:
                return message_id
            raise PublishError(f"Discord refused the thread: {exc}", guild_id=guild_id) from exc
        return thread.id

    async def find_thread(self, guild_id: int, channel_id: int, message_id: int) -> int | None:
        """The thread on the message, looked up by its id (a message's thread shares it)."""
        try:
            found = await self._client.fetch_channel(message_id)
        except discord.NotFound:
            return None
        except discord.Forbidden as exc:
            raise MissingPermissions(
                "view_channel", channel_id=channel_id, guild_id=guild_id
            ) from exc
        except (TimeoutError, discord.DiscordServerError, aiohttp.ClientError) as exc:
            raise TransientPublishError(f"Discord failed: {exc}", guild_id=guild_id) from exc
        if isinstance(found, discord.Thread) and found.parent_id == channel_id:
            return found.id
        return None

    async def grant_role(self, guild_id: int, user_id: int, role_id: int, reason: str) -> None:
        """Give a milestone role (``PUT .../members/{user}/roles/{role}``); see the port."""
        await self._change_role(guild_id, user_id, role_id, reason, grant=True)

    async def revoke_role(self, guild_id: int, user_id: int, role_id: int, reason: str) -> None:
        """Take a milestone role away (``DELETE``); a member who left is not an error."""
        try:
            await self._change_role(guild_id, user_id, role_id, reason, grant=False)
        except MemberMissing:
            return

    async def _change_role(
        self, guild_id: int, user_id: int, role_id: int, reason: str, *, grant: bool
    ) -> None:
        guild = self._client.get_guild(guild_id)
        if guild is None:
            raise PublishError(f"the bot is not in guild {guild_id}", guild_id=guild_id)
        check_assignable(guild, guild.get_role(role_id), role_id)
        # discord.py's public Member.add_roles needs a Member: without the members intent that
        # is one more request (GET member) per grant. The route itself only needs the ids.
        try:
            if grant:
                await self._client.http.add_role(guild_id, user_id, role_id, reason=reason)
            else:
                await self._client.http.remove_role(guild_id, user_id, role_id, reason=reason)
        except discord.Forbidden as exc:
            raise MissingPermissions(MANAGE_ROLES, guild_id=guild_id) from exc
        except discord.NotFound as exc:
            if exc.code == UNKNOWN_MEMBER:
                raise MemberMissing(str(exc), guild_id=guild_id) from exc
            raise PublishError(f"Discord refused the role: {exc}", guild_id=guild_id) from exc
        except (TimeoutError, discord.DiscordServerError, aiohttp.ClientError) as exc:
            raise TransientPublishError(f"Discord failed: {exc}", guild_id=guild_id) from exc
        except discord.HTTPException as exc:
            raise PublishError(f"Discord refused the role: {exc}", guild_id=guild_id) from exc

    async def send_reminder(self, reminder: Reminder) -> None:
        """DM the member their reminder, with a Mark done button for the guild.

        Opens the DM channel from the user id alone (cached by discord.py after the first
        time): no ``GET /users/{id}`` per reminder.
        """
        try:
            channel = await self._client.create_dm(discord.Object(id=reminder.user_id))
            await channel.send(
                reminder_text(reminder),
                view=reminder_view(reminder),
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except discord.Forbidden as exc:
            if exc.code == CANNOT_MESSAGE_USER:
                raise ReminderUndeliverable(str(exc), guild_id=reminder.guild_id) from exc
            raise PublishError(f"Discord refused the DM: {exc}") from exc
        except discord.NotFound as exc:
            raise ReminderUndeliverable("the member's account is gone") from exc
        except (TimeoutError, discord.DiscordServerError, aiohttp.ClientError) as exc:
            raise TransientPublishError(f"Discord failed: {exc}") from exc
        except discord.HTTPException as exc:
            if exc.status == TOO_MANY_REQUESTS:  # discord.py gave up retrying: later, then
                raise TransientPublishError(f"rate limited: {exc}") from exc
            raise PublishError(f"Discord refused the DM: {exc}") from exc

    async def find_reminder(self, reminder: Reminder) -> bool:
        """Whether the member's latest DMs hold our reminder carrying ``reminder.marker``."""
        me = self._client.user
        try:
            channel = await self._client.create_dm(discord.Object(id=reminder.user_id))
            async for message in channel.history(limit=DM_HISTORY_LIMIT):
                if (
                    me is not None
                    and message.author.id == me.id
                    and _carries_reminder_marker(message, reminder.marker)
                ):
                    return True
        except (TimeoutError, discord.DiscordServerError, aiohttp.ClientError) as exc:
            raise TransientPublishError(f"Discord failed: {exc}") from exc
        except discord.HTTPException as exc:
            if exc.status == TOO_MANY_REQUESTS:
                raise TransientPublishError(f"rate limited: {exc}") from exc
            raise PublishError(f"Discord refused the DM history: {exc}") from exc
        return False

    async def notify_moderators(self, guild_id: int, text: str) -> None:
        """Best effort: the guild's moderator channel, else its system channel, else the owner.

        Never raises: a notice that cannot be delivered is logged.
        """
        guild = self._client.get_guild(guild_id)
        if guild is None:
            log.warning("cannot notify moderators of unknown guild %d", guild_id)
            return
        notice = f"**mle-roadmap-bot needs a moderator:** {text}"[:CONTENT_LIMIT]
        for channel in (guild.public_updates_channel, guild.system_channel):
            if channel is not None and channel.permissions_for(guild.me).send_messages:
                try:
                    await channel.send(notice, allowed_mentions=discord.AllowedMentions.none())
                except discord.HTTPException as exc:
                    log.warning("notice to channel %d failed: %s", channel.id, exc)
                else:
                    return
        owner_id = guild.owner_id
        if owner_id is None:
            log.warning("no way to notify moderators of guild %d", guild_id)
            return
        try:
            owner = guild.owner or await self._client.fetch_user(owner_id)
            await owner.send(f"[{guild.name}] {notice}"[:CONTENT_LIMIT])
        except discord.HTTPException as exc:
            log.warning("could not notify moderators of guild %d: %s", guild_id, exc)
