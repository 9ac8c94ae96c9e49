"""/mlebot-help is built from the registered command tree: nothing a member can run is missing,
/admin is shown to Manage Server only, and the hand-written examples stay in step."""

from __future__ import annotations

from typing import Any

import discord
import pytest
from discord import app_commands

from bot.client import MLEBot
from bot.cogs import build_cogs
from bot.cogs.info import EXAMPLES, InfoCog, help_reply, leaf_commands, usage
from bot.preview import build_tree, parse_invocation
from content.models import Catalog
from tests.bot.conftest import assert_reply_valid, reply_text
from tests.bot.fakes import FakeInteraction

MEMBER = discord.Permissions.none()
MODERATOR = discord.Permissions(manage_guild=True)


@pytest.fixture
async def tree(catalog: Catalog) -> app_commands.CommandTree[Any]:
    return await build_tree(catalog)


def leaves(tree: app_commands.CommandTree[Any]) -> dict[str, app_commands.Command[Any, ..., Any]]:
    return {command.qualified_name: command for command, _ in leaf_commands(tree.get_commands())}


async def test_the_tree_walk_finds_every_command_and_subcommand(tree: Any) -> None:
    names = set(leaves(tree))
    top = {c.name for c in tree.get_commands()}
    assert {"role", "salary", "challenge current", "progress", "privacy", "forget-me"} <= names
    assert {"admin schedule", "admin mark", "admin export"} <= names
    assert "challenge" not in names  # groups are opened up
    assert {name.split()[0] for name in names} == top


async def test_examples_name_every_command_and_nothing_else(tree: Any) -> None:
    assert set(EXAMPLES) == set(leaves(tree))


async def test_every_example_is_a_valid_command_line(tree: Any) -> None:
    everything = set(leaves(tree))
    for name, command in leaves(tree).items():
        examples = EXAMPLES[name]
        if command.parameters:
            assert examples, f"/{name} has options but no example"
        for example in examples:
            parsed = parse_invocation(example, tree, offline=everything)
            assert parsed.command == name, example


async def test_a_member_sees_every_command_they_can_run_and_no_admin(
    tree: Any, catalog: Catalog
) -> None:
    reply = help_reply(tree.get_commands(), catalog, MEMBER)
    assert reply.ephemeral
    assert_reply_valid(reply)
    text = reply_text(reply)
    fields = [str(field.name) for page in reply.pages for field in page.fields]
    expected = [usage(c) for n, c in leaves(tree).items() if not n.startswith("admin ")]
    assert fields == expected
    assert "/admin " not in "\n".join(fields)
    assert "Moderators (Manage Server) also see the `/admin` commands here." in text
    assert "`/salary region:India level:entry`" in text


async def test_a_moderator_sees_every_command(tree: Any, catalog: Catalog) -> None:
    reply = help_reply(tree.get_commands(), catalog, MODERATOR)
    assert_reply_valid(reply)
    fields = [field.name for page in reply.pages for field in page.fields]
    assert fields == [usage(c) for c in leaves(tree).values()]
    assert "/admin schedule channel weekday time timezone [season_start] [threads]" in fields
    assert "also see" not in reply_text(reply)


async def test_a_new_command_cannot_be_missing(tree: Any, catalog: Catalog) -> None:
    async def callback(interaction: discord.Interaction, topic: str) -> None:
        """A command added after the help was written."""

    tree.add_command(app_commands.Command(name="brand-new", description="Fresh", callback=callback))
    text = reply_text(help_reply(tree.get_commands(), catalog, MEMBER))
    assert "/brand-new topic" in text
    assert "Fresh" in text


async def test_help_states_the_season_length(tree: Any, catalog: Catalog) -> None:
    text = reply_text(help_reply(tree.get_commands(), catalog, MEMBER))
    assert f"a season is **{len(catalog.challenges)} weekly challenges**" in text
    shorter = catalog.model_copy(update={"challenges": catalog.challenges[:4]})
    text = reply_text(help_reply(tree.get_commands(), shorter, MEMBER))
    assert "a season is **4 weekly challenges**" in text


async def test_the_command_reads_the_running_tree_and_the_members_permissions(
    bot: MLEBot,
) -> None:
    cogs = build_cogs(bot.services)
    for cog in cogs:
        await bot.add_cog(cog)
    info = next(cog for cog in cogs if isinstance(cog, InfoCog))

    async def shown(permissions: discord.Permissions) -> str:
        interaction: Any = FakeInteraction()
        interaction.client = bot
        interaction.permissions = permissions
        await InfoCog.mlebot_help.callback(info, interaction)  # type: ignore[arg-type, call-arg]
        sent = interaction.sent[0]
        assert sent.kwargs["ephemeral"] is True
        view = sent.kwargs.get("view")
        pages = view.pages if view is not None else sent.kwargs["embeds"]
        if view is not None:
            view.stop()
        return "\n".join(field.name or "" for page in pages for field in page.fields)

    assert "/admin show" not in await shown(MEMBER)
    assert "/challenge done [note]" in await shown(MEMBER)
    assert "/admin show" in await shown(MODERATOR)
    assert "/admin show" not in await shown(MEMBER)  # kept per permissions, not shared
