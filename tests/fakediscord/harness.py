"""The helper API tests use to act as Discord users against the bot.

::

    guild = fake_guild  # a GuildHandle
    reply = await guild.invoke("/salary", region="India")
    assert "India" in reply.text
    page2 = await reply.click("Next")
    choices = await guild.autocomplete("/salary", option="region", value="ind")
    alice = guild.add_member("alice")
    done = await reply.click("Mark done", as_user=alice)

Interactions are built from the command tree the bot registered (``PUT .../commands``), so a
test cannot invoke a command or an option that was never registered. Each helper waits (bounded)
for the bot's answer and fails if it was late (3 s), invalid, or missing.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Any

from tests.fakediscord.server import FakeDiscord
from tests.fakediscord.state import (
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
    InteractionRecord,
)

Json = dict[str, Any]
UserLike = FakeUser | FakeMember | str | None

# Application command option types.
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER = 3, 4, 5, 6, 7, 8, 9, 10
DEFAULT_TIMEOUT = 10.0
# A person needs a moment to click a button that just appeared; discord.py also needs it, since
# it registers a view only after the HTTP answer that created the message has been read, and a
# click arriving on the gateway before that is ignored.
HUMAN_DELAY = 0.1


class NotRegisteredError(AssertionError):
    """The test asked for a command or option the bot never registered."""


class InvalidOptionError(AssertionError):
    """A value Discord's client would not send: not a choice, out of range, missing, too long."""


class NotPermittedError(AssertionError):
    """The member lacks the command's ``default_member_permissions``: Discord hides it."""


@dataclass
class Reply:
    """What the bot answered to one interaction: the initial response and its follow-ups.

    ``message`` is the latest state of the message the response created or updated (None for
    autocomplete, modals and deferred updates that were never edited).
    """

    fake: FakeDiscord
    guild: GuildHandle
    interaction_id: int

    @property
    def record(self) -> InteractionRecord:
        """The raw interaction: its payload, the accepted callbacks, errors, message ids."""
        return self.fake.interactions[self.interaction_id]

    @property
    def type(self) -> int | None:
        """The initial callback type: 4 reply, 5 deferred, 6 deferred update, 7 update, 9 modal."""
        return self.record.response_type

    @property
    def message(self) -> Json | None:
        message_id = self.record.original_message_id
        return self.fake.messages.get(message_id) if message_id else None

    @property
    def followups(self) -> list[Json]:
        return [self.fake.messages[i] for i in self.record.followup_ids if i in self.fake.messages]

    @property
    def messages(self) -> list[Json]:
        """The original message (if any) then the follow-ups."""
        return ([self.message] if self.message else []) + self.followups

    @property
    def content(self) -> str:
        return str((self.message or {}).get("content") or "")

    @property
    def embeds(self) -> list[Json]:
        return list((self.message or {}).get("embeds") or [])

    @property
    def ephemeral(self) -> bool:
        return bool(int((self.message or {}).get("flags") or 0) & 64)

    @property
    def modal(self) -> Json | None:
        """The modal the bot opened (callback type 9), if any."""
        return self.record.callbacks[0]["data"] if self.type == 9 else None

    @property
    def components(self) -> list[Json]:
        """Every interactive component (buttons, selects) of the original message, flattened."""
        return _flatten_components((self.message or {}).get("components") or [])

    @property
    def buttons(self) -> list[Json]:
        return [c for c in self.components if c.get("type") == 2]

    @property
    def text(self) -> str:
        """All text a person would read: content, embed titles, descriptions, fields, footers."""
        return "\n".join(_message_text(m) for m in self.messages)

    async def wait_followups(
        self, count: int = 1, *, within: float = DEFAULT_TIMEOUT
    ) -> list[Json]:
        """Wait until at least ``count`` follow-up messages have arrived."""
        await self.fake.wait_until(
            lambda: len(self.record.followup_ids) >= count,
            within=within,
            what=f"{count} follow-up(s) to interaction {self.interaction_id}",
        )
        return self.followups

    async def click(
        self, label_or_custom_id: str, *, as_user: UserLike = None, message: Json | None = None
    ) -> Reply:
        """Click a button (by label or custom_id) on this reply's message, as ``as_user``."""
        target = message or self.message
        if target is None:
            raise AssertionError("this reply has no message to click on")
        return await self.guild.click(target, label_or_custom_id, as_user=as_user)

    async def select(self, custom_id: str, values: list[str], *, as_user: UserLike = None) -> Reply:
        """Choose ``values`` in the string select ``custom_id`` of this reply's message."""
        if self.message is None:
            raise AssertionError("this reply has no message to select on")
        return await self.guild.select(self.message, custom_id, values, as_user=as_user)


@dataclass
class GuildHandle:
    """Acts in one guild of the fake: members, channels, and interactions with the bot."""

    fake: FakeDiscord
    guild: FakeGuild
    default_user: FakeMember = field(init=False)
    default_channel: FakeChannel = field(init=False)

    def __post_init__(self) -> None:
        self.default_channel = self.guild.channels[0]
        self.default_user = self.fake.add_member(self.guild, "learner")

    @property
    def id(self) -> int:
        return self.guild.id

    # ------------------------------------------------------------------ builders

    def add_member(
        self, username: str, *, roles: tuple[str | FakeRole, ...] = (), admin: bool = False
    ) -> FakeMember:
        """A new member; ``admin=True`` gives an Administrator role."""
        resolved = [r if isinstance(r, FakeRole) else self.guild.role(r) for r in roles]
        if admin:
            resolved.append(self.add_role(f"admin-{username}", permissions=1 << 3))
        return self.fake.add_member(self.guild, username, tuple(resolved))

    def add_role(self, name: str, *, permissions: int = 0) -> FakeRole:
        return self.fake.add_role(self.guild, name, permissions)

    def add_channel(self, name: str) -> FakeChannel:
        return self.fake.add_channel(self.guild, name)

    def channel(self, name_or_id: str | int) -> FakeChannel:
        return self.guild.channel(name_or_id)

    def messages(self, channel: str | int | FakeChannel | None = None) -> list[Json]:
        """Messages in a channel of this guild (default: the first), oldest first."""
        resolved = self._channel(channel)
        return self.fake.channel_messages(resolved.id)

    # ------------------------------------------------------------------ commands

    def registered_commands(self) -> list[Json]:
        """Commands the bot registered for this guild, then global ones."""
        return self.fake.guild_commands.get(self.guild.id, []) + self.fake.global_commands

    def command(self, name: str) -> Json:
        for command in self.registered_commands():
            if command["name"] == name and command.get("type", 1) == 1:
                return command
        known = ", ".join(sorted("/" + c["name"] for c in self.registered_commands())) or "none"
        raise NotRegisteredError(f"/{name} was never registered (registered: {known})")

    async def invoke(
        self,
        command: str,
        *,
        as_user: UserLike = None,
        in_channel: str | int | FakeChannel | None = None,
        within: float = DEFAULT_TIMEOUT,
        **options: Any,
    ) -> Reply:
        """Run a slash command, e.g. ``invoke("/challenge done", week=3)``; wait for the answer.

        Returns once the bot replied (type 4/7), opened a modal, or - after deferring - edited
        its reply or sent a follow-up. Fails if the answer was late, invalid or never came.
        """
        top, data_options = self._build_options(command, options, focused=None)
        user = self._user(as_user)
        self._check_can_use(top, user)
        data = self._command_data(top, data_options)
        record = await self.fake.send_interaction(
            kind=2, data=data, user=user, channel=self._channel(in_channel)
        )
        return await self._await_reply(record.id, within)

    def _check_can_use(self, command: Json, user: FakeUser) -> None:
        """Discord hides a command from members without its ``default_member_permissions``."""
        needed = command.get("default_member_permissions")
        if needed is None:
            return
        has = self.guild.member(user.id).permissions(self.guild.everyone)
        if int(needed) & ~has:
            raise NotPermittedError(
                f"Discord would not offer /{command['name']} to {user.username}: it needs "
                f"permissions {int(needed)} (use add_member(..., admin=True) or a role)"
            )

    async def autocomplete(
        self,
        command: str,
        *,
        option: str,
        value: str,
        as_user: UserLike = None,
        within: float = DEFAULT_TIMEOUT,
        **other_options: Any,
    ) -> list[Json]:
        """Type ``value`` into ``option`` of ``command``; return the choices the bot suggested."""
        options = {**other_options, option: value}
        top, data_options = self._build_options(command, options, focused=option)
        record = await self.fake.send_interaction(
            kind=4,
            data=self._command_data(top, data_options),
            user=self._user(as_user),
            channel=self._channel(None),
        )
        reply = await self._await_reply(record.id, within)
        if reply.type != 8:
            raise AssertionError(f"autocomplete answered with callback type {reply.type}, not 8")
        choices: list[Json] = reply.record.callbacks[0]["data"]["choices"]
        return choices

    async def click(
        self, message: Json, label_or_custom_id: str, *, as_user: UserLike = None
    ) -> Reply:
        """Click a button on a message (the latest state of it) as ``as_user``."""
        current = self.fake.messages.get(int(message["id"]), message)
        buttons = [
            c for c in _flatten_components(current.get("components") or []) if c.get("type") == 2
        ]
        for button in buttons:
            if label_or_custom_id in (button.get("label"), button.get("custom_id")):
                break
        else:
            found = [b.get("label") or b.get("custom_id") for b in buttons]
            raise AssertionError(f"no button {label_or_custom_id!r} on the message (has {found})")
        if button.get("disabled"):
            raise AssertionError(f"button {label_or_custom_id!r} is disabled")
        if "custom_id" not in button:
            raise AssertionError(f"button {label_or_custom_id!r} is a link, not clickable")
        data = {"custom_id": button["custom_id"], "component_type": 2}
        return await self._component(current, data, as_user)

    async def select(
        self, message: Json, custom_id: str, values: list[str], *, as_user: UserLike = None
    ) -> Reply:
        """Choose values in a string select menu of a message."""
        current = self.fake.messages.get(int(message["id"]), message)
        selects = [
            c for c in _flatten_components(current.get("components") or []) if c.get("type") == 3
        ]
        if not any(s.get("custom_id") == custom_id for s in selects):
            raise AssertionError(f"no select {custom_id!r} on the message")
        data = {"custom_id": custom_id, "component_type": 3, "values": values}
        return await self._component(current, data, as_user)

    async def _component(self, message: Json, data: Json, as_user: UserLike) -> Reply:
        changed = self.fake.message_changed_at.get(int(message["id"]), 0.0)
        wait = changed + HUMAN_DELAY - asyncio.get_running_loop().time()
        if wait > 0:
            await asyncio.sleep(wait)
        channel = self.fake.channels[int(message["channel_id"])]
        record = await self.fake.send_interaction(
            kind=3, data=data, user=self._user(as_user), channel=channel, message=message
        )
        return await self._await_reply(record.id, DEFAULT_TIMEOUT)

    # ------------------------------------------------------------------ internals

    def _user(self, user: UserLike) -> FakeUser:
        if user is None:
            return self.default_user.user
        if isinstance(user, FakeMember):
            return user.user
        if isinstance(user, FakeUser):
            return user
        return self.guild.member(user).user

    def _channel(self, channel: str | int | FakeChannel | None) -> FakeChannel:
        if channel is None:
            return self.default_channel
        if isinstance(channel, FakeChannel):
            return channel
        return self.guild.channel(channel)

    def _command_data(self, command: Json, options: list[Json]) -> Json:
        data: Json = {
            "id": command["id"],
            "name": command["name"],
            "type": 1,
            "options": options,
        }
        if "guild_id" in command:
            # discord.py finds guild commands only when the data carries the guild id.
            data["guild_id"] = command["guild_id"]
        resolved = self._resolved(options)
        if resolved:
            data["resolved"] = resolved
        return data

    def _build_options(
        self, command: str, values: dict[str, Any], focused: str | None
    ) -> tuple[Json, list[Json]]:
        """The registered command and the interaction data options for ``/name [group] [sub]``
        and keyword values; refuses what Discord's client would not send."""
        words = command.lstrip("/").split()
        if not words:
            raise ValueError("empty command")
        top = self.command(words[0])
        schema: Json = top
        path = [top["name"]]
        nested: list[Json] = []  # the data options of the subcommand (group) words
        for word in words[1:]:
            children = [
                o
                for o in schema.get("options") or []
                if o["type"] in {SUB_COMMAND, SUB_COMMAND_GROUP}
            ]
            match = next((o for o in children if o["name"] == word), None)
            if match is None:
                names = [o["name"] for o in children]
                raise NotRegisteredError(
                    f"/{' '.join(path)} has no subcommand {word!r} (has {names})"
                )
            path.append(word)
            nested.append({"type": match["type"], "name": word, "options": []})
            schema = match
        leaf_options = [
            o
            for o in schema.get("options") or []
            if o["type"] not in {SUB_COMMAND, SUB_COMMAND_GROUP}
        ]
        if any(o["type"] in {SUB_COMMAND, SUB_COMMAND_GROUP} for o in schema.get("options") or []):
            raise NotRegisteredError(f"/{' '.join(path)} needs a subcommand")
        by_name = {o["name"]: o for o in leaf_options}
        data_options = []
        for name, value in values.items():
            option = by_name.get(name)
            if option is None:
                raise NotRegisteredError(
                    f"/{' '.join(path)} has no option {name!r} (has {sorted(by_name)})"
                )
            data_options.append(self._option_value(option, value, focused == name))
        missing = [o["name"] for o in leaf_options if o.get("required") and o["name"] not in values]
        if missing and focused is None:
            raise InvalidOptionError(f"/{' '.join(path)}: Discord would not send without {missing}")
        # Nest the leaf options inside subcommand (group) options.
        current = data_options
        for data_option in reversed(nested):
            data_option["options"] = current
            current = [data_option]
        return top, current

    def _option_value(self, option: Json, value: Any, focused: bool) -> Json:
        kind = option["type"]
        out: Json = {"name": option["name"], "type": kind}
        if focused:
            if not option.get("autocomplete"):
                raise NotRegisteredError(f"option {option['name']!r} has no autocomplete")
            out.update(value=str(value), focused=True)
            return out
        choices = option.get("choices")
        if choices and value in {c["name"] for c in choices}:
            value = next(c["value"] for c in choices if c["name"] == value)
        if kind in {USER, MENTIONABLE}:
            out["value"] = str(self._user(value).id)
        elif kind == CHANNEL:
            out["value"] = str(self._channel(value).id)
        elif kind == ROLE:
            role = value if isinstance(value, FakeRole) else self.guild.role(value)
            out["value"] = str(role.id)
        elif kind == INTEGER:
            out["value"] = int(value)
        elif kind == NUMBER:
            out["value"] = float(value)
        elif kind == BOOLEAN:
            out["value"] = bool(value)
        else:
            out["value"] = str(value)
        if choices and out["value"] not in [c["value"] for c in choices]:
            raise InvalidOptionError(
                f"{value!r} is not a choice of option {option['name']!r} "
                f"(choices {[c['name'] for c in choices]})"
            )
        _check_range(option, out["value"])
        return out

    def _resolved(self, options: list[Json]) -> Json:
        """``data.resolved`` for user, channel and role options (discord.py needs it)."""
        resolved: Json = {}
        for option in _walk_options(options):
            if option.get("focused"):
                continue
            if option["type"] in {USER, MENTIONABLE}:
                member = self.guild.member(int(option["value"]))
                resolved.setdefault("users", {})[option["value"]] = member.user.to_payload()
                member_payload = {k: v for k, v in member.to_payload().items() if k != "user"}
                member_payload["permissions"] = str(member.permissions(self.guild.everyone))
                resolved.setdefault("members", {})[option["value"]] = member_payload
            elif option["type"] == CHANNEL:
                channel = self.guild.channel(int(option["value"]))
                payload = {
                    **channel.to_payload(),
                    "permissions": str(self.guild.everyone.permissions),
                }
                resolved.setdefault("channels", {})[option["value"]] = payload
            elif option["type"] == ROLE:
                role = self.guild.role(int(option["value"]))
                resolved.setdefault("roles", {})[option["value"]] = role.to_payload()
        return resolved

    async def _await_reply(self, interaction_id: int, within: float) -> Reply:
        fake = self.fake
        record = fake.interactions[interaction_id]
        deadline = fake.interaction_deadline + 0.5
        try:
            await fake.wait_until(
                lambda: bool(record.callbacks or record.errors),
                within=deadline,
                what=f"the bot to answer interaction {interaction_id}",
            )
        except AssertionError:
            message = (
                f"interaction {interaction_id} ({_describe(record.payload)}) was not answered "
                f"within {fake.interaction_deadline:g}s"
            )
            fake.fail(message)
            raise AssertionError(message) from None
        if record.errors:
            raise AssertionError("; ".join(record.errors))

        def settled() -> bool:
            # After a defer (5) the answer is an edit of the original or a follow-up.
            if record.errors or record.response_type not in {5, 6}:
                return True
            return record.original_edits > 0 or bool(record.followup_ids)

        if record.response_type == 6:
            # A deferred update needs nothing more; give a following edit a moment to land.
            with contextlib.suppress(AssertionError):
                await fake.wait_until(settled, within=min(within, 1.0), what="an edit")
        else:
            await fake.wait_until(
                settled, within=within, what=f"the deferred answer to interaction {interaction_id}"
            )
        if record.errors:
            raise AssertionError("; ".join(record.errors))
        return Reply(fake, self, interaction_id)


def _check_range(option: Json, value: Any) -> None:
    """Discord's client enforces min/max_value and min/max_length before sending."""
    name = option["name"]
    if option["type"] in {INTEGER, NUMBER}:
        low, high = option.get("min_value"), option.get("max_value")
        if (low is not None and value < low) or (high is not None and value > high):
            raise InvalidOptionError(f"{name}={value!r} is outside [{low}, {high}]")
    if option["type"] == STRING:
        low, high = option.get("min_length", 0), option.get("max_length", 6000)
        if not low <= len(value) <= high:
            raise InvalidOptionError(f"{name}={value!r} is not {low}-{high} characters long")


def weekly_post_week(message: Json) -> str | None:
    """The ISO week a weekly challenge post is for, from its Mark done button; else ``None``.

    The bot keeps that marker in the button's ``custom_id`` (``mlebot:done:<id>:<week>``),
    where members do not see it; this reads the same wire data a test's fake Discord stored.
    """
    for component in _flatten_components(message.get("components") or []):
        parts = str(component.get("custom_id") or "").split(":")
        if len(parts) == 4 and parts[:2] == ["mlebot", "done"]:
            return parts[3]
    return None


def _flatten_components(components: list[Json]) -> list[Json]:
    out = []
    for component in components:
        children = component.get("components")
        if isinstance(children, list):
            out += _flatten_components(children)
        else:
            out.append(component)
    return out


def _walk_options(options: list[Json]) -> list[Json]:
    out = []
    for option in options:
        if option["type"] in {SUB_COMMAND, SUB_COMMAND_GROUP}:
            out += _walk_options(option.get("options") or [])
        else:
            out.append(option)
    return out


def _message_text(message: Json) -> str:
    parts = [message.get("content") or ""]
    for embed in message.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        for embed_field in embed.get("fields") or []:
            parts += [embed_field.get("name", ""), embed_field.get("value", "")]
        parts.append((embed.get("footer") or {}).get("text") or "")
        parts.append((embed.get("author") or {}).get("name") or "")
    return "\n".join(p for p in parts if p)


def _describe(payload: Json) -> str:
    data = payload.get("data") or {}
    if "name" in data:
        return f"/{data['name']}"
    return f"component {data.get('custom_id')!r}"
