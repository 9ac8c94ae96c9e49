"""The fake's world: users, guilds, channels, roles, members, messages, interactions.

Plain dataclasses with ``to_payload()`` methods that build the JSON Discord would send for them
(the shapes discord.py 2.7 parses). Nothing here does I/O.
"""

from __future__ import annotations

import itertools
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

DISCORD_EPOCH_MS = 1_420_070_400_000
# Permissions of @everyone in a new server (view, send, read history, use app commands...).
EVERYONE_PERMISSIONS = 1_071_698_660_929
ADMINISTRATOR = 1 << 3
ALL_PERMISSIONS = (1 << 51) - 1

_counter = itertools.count()


def snowflake() -> int:
    """A new, increasing snowflake whose timestamp part is now."""
    now_ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
    return (now_ms << 22) | (next(_counter) % 4096)


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard Discord sends a guild's events on."""
    return (guild_id >> 22) % shard_count


def iso_now() -> str:
    """The current time as Discord formats timestamps."""
    return datetime.now(UTC).isoformat()


def new_token() -> str:
    """An interaction token: opaque, URL-safe."""
    return "aW50ZXJhY3Rpb24" + secrets.token_urlsafe(24)


@dataclass
class FakeUser:
    """A Discord user (a bot or a person)."""

    id: int
    username: str
    bot: bool = False
    #: Refuses DMs from the bot (Discord answers 403, code 50007).
    dms_closed: bool = False

    def to_payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "username": self.username,
            "global_name": None if self.bot else self.username.title(),
            "discriminator": "0",
            "avatar": None,
            "bot": self.bot,
            "system": False,
            "public_flags": 0,
            "flags": 0,
        }


@dataclass
class FakeRole:
    """A guild role; the ``@everyone`` role's id is the guild's id."""

    id: int
    name: str
    permissions: int = 0
    position: int = 1

    def to_payload(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "name": self.name,
            "permissions": str(self.permissions),
            "position": self.position,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "managed": False,
            "mentionable": False,
            "icon": None,
            "unicode_emoji": None,
            "flags": 0,
        }


@dataclass
class FakeChannel:
    """A guild text channel (type 0) or a DM channel (type 1)."""

    id: int
    name: str
    type: int = 0
    guild_id: int | None = None
    position: int = 0
    recipients: list[FakeUser] = field(default_factory=list)

    def to_payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "id": str(self.id),
            "type": self.type,
            "last_message_id": None,
            "flags": 0,
        }
        if self.type == 1:
            payload["recipients"] = [user.to_payload() for user in self.recipients]
        else:
            payload.update(
                name=self.name,
                position=self.position,
                parent_id=None,
                topic=None,
                nsfw=False,
                rate_limit_per_user=0,
                permission_overwrites=[],
            )
            if self.guild_id is not None:
                payload["guild_id"] = str(self.guild_id)
        return payload


@dataclass
class FakeMember:
    """A user's membership in a guild."""

    user: FakeUser
    guild_id: int
    roles: list[FakeRole] = field(default_factory=list)
    joined_at: str = field(default_factory=iso_now)

    @property
    def id(self) -> int:
        return self.user.id

    def permissions(self, everyone: FakeRole) -> int:
        """The member's guild-level permissions (Administrator means all)."""
        value = everyone.permissions
        for role in self.roles:
            value |= role.permissions
        return ALL_PERMISSIONS if value & ADMINISTRATOR else value

    def to_payload(self) -> dict[str, Any]:
        return {
            "user": self.user.to_payload(),
            "nick": None,
            "avatar": None,
            "roles": [str(role.id) for role in self.roles],
            "joined_at": self.joined_at,
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }


@dataclass
class FakeGuild:
    """A guild with its channels, roles and members."""

    id: int
    name: str
    owner_id: int
    channels: list[FakeChannel] = field(default_factory=list)
    roles: list[FakeRole] = field(default_factory=list)
    members: list[FakeMember] = field(default_factory=list)
    _index: dict[str | int, FakeMember] = field(default_factory=dict, repr=False, compare=False)
    _indexed: int = field(default=0, repr=False, compare=False)

    @property
    def everyone(self) -> FakeRole:
        return next(role for role in self.roles if role.id == self.id)

    def channel(self, name_or_id: str | int) -> FakeChannel:
        for channel in self.channels:
            if name_or_id in (channel.id, channel.name, f"#{channel.name}"):
                return channel
        raise LookupError(f"guild {self.name!r} has no channel {name_or_id!r}")

    def role(self, name_or_id: str | int) -> FakeRole:
        for role in self.roles:
            if name_or_id in (role.id, role.name):
                return role
        raise LookupError(f"guild {self.name!r} has no role {name_or_id!r}")

    def member(self, name_or_id: str | int) -> FakeMember:
        # Looked up on every interaction: by an index of ids and usernames, rebuilt when
        # members were added (the list is only appended to); a miss still scans the list.
        if self._indexed != len(self.members):
            self._index = {}
            for member in self.members:
                self._index.setdefault(member.id, member)
                self._index.setdefault(member.user.username, member)
            self._indexed = len(self.members)
        found = self._index.get(name_or_id)
        if found is not None and name_or_id in (found.id, found.user.username):
            return found
        for member in self.members:
            if name_or_id in (member.id, member.user.username):
                return member
        raise LookupError(f"guild {self.name!r} has no member {name_or_id!r}")

    def to_payload(self) -> dict[str, Any]:
        """The ``GUILD_CREATE`` payload: the guild with channels, roles and members."""
        return {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "owner_id": str(self.owner_id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": [role.to_payload() for role in self.roles],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "safety_alerts_channel_id": None,
            "vanity_url_code": None,
            "description": None,
            "banner": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "joined_at": iso_now(),
            "large": False,
            "unavailable": False,
            "member_count": len(self.members),
            "voice_states": [],
            "members": [member.to_payload() for member in self.members],
            "channels": [channel.to_payload() for channel in self.channels],
            "threads": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
        }


@dataclass
class InteractionRecord:
    """One interaction the fake sent to the bot, and everything the bot did with it."""

    id: int
    token: str
    type: int  # 2 application command, 3 component, 4 autocomplete, 5 modal submit
    payload: dict[str, Any]
    created: float  # loop time when it was dispatched
    guild_id: int | None
    channel_id: int
    user: FakeUser
    callbacks: list[dict[str, Any]] = field(default_factory=list)  # accepted callback bodies
    original_message_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)
    original_edits: int = 0
    errors: list[str] = field(default_factory=list)
    expired: bool = False

    @property
    def response_type(self) -> int | None:
        """The accepted initial callback's type (4 reply, 5 deferred, 6/7 update, 8, 9)."""
        return self.callbacks[0]["type"] if self.callbacks else None
