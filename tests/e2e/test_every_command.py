"""Every command the real bot registers, driven through the fake with sampled options.

Discovers commands from the tree the bot synced, so a new command is covered the day it lands:
each (sub)command with only its required options, with all of them, with an unknown value in
each free-text option, every autocomplete option, and every button on the replies. The fake
validates every payload against Discord's spec and limits and fails the test on anything late,
invalid or missing. Command-specific tests (what the answer says) live beside this file.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from tests.e2e.conftest import BotProcess
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
    """Invoke as a fresh member (no cooldown carries over) and click every button once."""
    member = guild.add_member(f"tester{next(_fresh)}")
    reply = await guild.invoke(path, as_user=member, **options)
    what = f"{path} {options}"
    assert_answered(reply, what)
    for button in reply.buttons[:MAX_CLICKS_PER_REPLY]:
        if "custom_id" not in button or button.get("disabled"):
            continue
        clicked = await reply.click(button["custom_id"], as_user=member)
        assert_answered(clicked, f"{what} -> button {button.get('label') or button['custom_id']}")
    return reply


async def test_every_registered_command_answers_valid_payloads(
    mlebot: BotProcess, fake_guild: GuildHandle
) -> None:
    commands = fake_guild.registered_commands()
    if not commands:
        pytest.skip("the bot registers no slash commands yet")
    for command in commands:
        for path, options in leaf_commands(command):
            required = {o["name"]: o for o in options if o.get("required")}
            minimal = {n: await sample_value(fake_guild, path, o) for n, o in required.items()}
            await exercise(fake_guild, path, minimal)
            if len(required) < len(options):
                full = {o["name"]: await sample_value(fake_guild, path, o) for o in options}
                await exercise(fake_guild, path, full)
            for option in options:
                if option["type"] == STRING and not option.get("choices"):
                    await exercise(fake_guild, path, {**minimal, option["name"]: UNKNOWN})


async def test_every_autocomplete_answers_in_time(
    mlebot: BotProcess, fake_guild: GuildHandle
) -> None:
    found = 0
    for command in fake_guild.registered_commands():
        for path, options in leaf_commands(command):
            for option in options:
                if not option.get("autocomplete"):
                    continue
                found += 1
                for typed in ("", "a", "py", UNKNOWN, "x" * 100):
                    choices = await fake_guild.autocomplete(
                        path, option=option["name"], value=typed
                    )
                    assert len(choices) <= 25
                    assert all(1 <= len(c["name"]) <= 100 for c in choices)
    if not found:
        pytest.skip("no command has an autocomplete option yet")
