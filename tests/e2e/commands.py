"""Helpers to drive any registered command: its invocable paths and plausible option values."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from tests.fakediscord.harness import (
    BOOLEAN,
    CHANNEL,
    INTEGER,
    MENTIONABLE,
    NUMBER,
    ROLE,
    STRING,
    SUB_COMMAND,
    SUB_COMMAND_GROUP,
    USER,
    GuildHandle,
    Reply,
)

Json = dict[str, Any]
UNKNOWN = "zzz-no-such-thing"
MAX_CLICKS_PER_REPLY = 6
_fresh = itertools.count()


def leaf_commands(command: Json) -> list[tuple[str, list[Json]]]:
    """``("/name sub", options)`` for every invocable path of a registered command."""
    options = command.get("options") or []
    subs = [o for o in options if o["type"] in {SUB_COMMAND, SUB_COMMAND_GROUP}]
    if not subs:
        return [(f"/{command['name']}", options)]
    out = []
    for sub in subs:
        prefix = {**sub, "name": f"{command['name']} {sub['name']}"}
        out += leaf_commands(prefix)
    return out


async def sample_value(guild: GuildHandle, path: str, option: Json) -> Any:
    """A value a person could pick for ``option``."""
    if option.get("choices"):
        return option["choices"][0]["value"]
    if option.get("autocomplete"):
        offered = await guild.autocomplete(path, option=option["name"], value="")
        if offered:
            return offered[0]["value"]
    kind = option["type"]
    if kind == STRING:
        return "python"[: option.get("max_length", 6)].ljust(option.get("min_length", 0), "x")
    if kind == INTEGER:
        return option.get("min_value", 1)
    if kind == NUMBER:
        return option.get("min_value", 1.0)
    if kind == BOOLEAN:
        return True
    if kind in {USER, MENTIONABLE}:
        return guild.default_user
    if kind == CHANNEL:
        return guild.default_channel
    if kind == ROLE:
        return guild.guild.everyone
    pytest.fail(f"{path}: no sample value for option type {kind} ({option['name']})")


def assert_answered(reply: Reply, what: str) -> None:
    assert reply.type in {4, 5, 6, 7, 9}, f"{what}: unexpected callback type {reply.type}"
    if reply.type in {4, 5}:
        message = reply.message or {}
        has_body = reply.text or message.get("attachments") or message.get("components")
        assert has_body, f"{what}: the reply is empty"


async def exercise(guild: GuildHandle, path: str, options: dict[str, Any]) -> Reply:
    """Invoke as a fresh member (no cooldown carries over) and click every button once.

    The member is an administrator when the command needs permissions (Discord would not offer
    it to others). Buttons are re-read before each click: a click may remove or disable others.
    """
    command = guild.command(path.lstrip("/").split()[0])
    admin = command.get("default_member_permissions") is not None
    member = guild.add_member(f"tester{next(_fresh)}", admin=admin)
    reply = await guild.invoke(path, as_user=member, **options)
    what = f"{path} {options}"
    assert_answered(reply, what)
    pressed: set[str] = set()
    for _ in range(MAX_CLICKS_PER_REPLY):
        clickable = [
            b
            for b in reply.buttons
            if "custom_id" in b and not b.get("disabled") and b["custom_id"] not in pressed
        ]
        if not clickable:
            break
        button = clickable[0]
        pressed.add(button["custom_id"])
        clicked = await reply.click(button["custom_id"], as_user=member)
        assert_answered(clicked, f"{what} -> button {button.get('label') or button['custom_id']}")
    return reply


async def sample_options(
    guild: GuildHandle, path: str, options: list[Json], *, only_required: bool
) -> dict[str, Any]:
    """Values for the required options (or all of them) of one invocable path."""
    return {
        o["name"]: await sample_value(guild, path, o)
        for o in options
        if o.get("required") or not only_required
    }
