"""Every command the real bot registers, driven through the fake with sampled options.

Discovers commands from the tree the bot synced, so a new command is covered the day it lands:
each (sub)command with only its required options, with all of them, with an unknown value in
each free-text option, every autocomplete option, and every button on the replies. The fake
validates every payload against Discord's spec and limits and fails the test on anything late,
invalid or missing. Command-specific tests (what the answer says) live beside this file.
"""

from __future__ import annotations

import pytest

from tests.e2e.commands import UNKNOWN, exercise, leaf_commands, sample_options
from tests.fakediscord.harness import STRING, GuildHandle

pytestmark = pytest.mark.asyncio(loop_scope="module")  # one bot for the module


async def test_every_registered_command_answers_valid_payloads(
    shared_guild: GuildHandle,
) -> None:
    fake_guild = shared_guild
    commands = fake_guild.registered_commands()
    assert commands, "the bot registered no slash commands"
    for command in commands:
        for path, options in leaf_commands(command):
            minimal = await sample_options(fake_guild, path, options, only_required=True)
            await exercise(fake_guild, path, minimal)
            if len(minimal) < len(options):
                full = await sample_options(fake_guild, path, options, only_required=False)
                await exercise(fake_guild, path, full)
            for option in options:
                if option["type"] == STRING and not option.get("choices"):
                    unknown = UNKNOWN[: option.get("max_length", len(UNKNOWN))]
                    unknown = unknown.ljust(option.get("min_length", 0), "z")
                    await exercise(fake_guild, path, {**minimal, option["name"]: unknown})


async def test_every_autocomplete_answers_in_time(
    shared_guild: GuildHandle,
) -> None:
    fake_guild = shared_guild
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
    assert found, "no registered command has an autocomplete option"
