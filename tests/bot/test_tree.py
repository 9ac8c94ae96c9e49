"""The command tree the bot registers (the JSON ``tree.sync()`` PUTs) is valid for Discord."""

from __future__ import annotations

import inspect
from typing import Any

from discord import app_commands
from discord.ext import commands

from bot.client import MLEBot
from bot.cogs import CAREER_COGS, build_career_cogs, build_cogs, career_answers
from bot.cogs.base import CareerCog
from bot.errors import install_error_handler, on_app_command_error
from bot.preview import build_tree
from bot.services import Services
from bot.views import ALLOWED_MENTIONS
from content.models import Catalog
from tests.bot.conftest import command_tree_payload
from tests.fakediscord.validation import assert_valid, validate_command_tree

EXPECTED = {
    "role": ["name"],
    "tools": ["category", "name"],
    "salary": ["region", "level"],
    "outlook": ["topic", "region"],
    "cert": ["name"],
    "roadmap": ["step"],
    "mlebot-help": [],
    "about-sources": [],
}


async def _payload(catalog: Catalog) -> list[dict[str, Any]]:
    return command_tree_payload(await build_tree(catalog))


async def test_tree_json_is_valid_for_discord(catalog: Catalog) -> None:
    payload = await _payload(catalog)
    assert_valid(validate_command_tree(payload))


async def test_command_names_and_options_are_exactly_the_documented_ones(
    catalog: Catalog,
) -> None:
    payload = await _payload(catalog)
    career = {
        c["name"]: [o["name"] for o in c["options"]] for c in payload if c["name"] in EXPECTED
    }
    assert career == EXPECTED
    for command in payload:
        if command["name"] not in EXPECTED:
            continue
        for option in command["options"]:
            assert not option.get("required", False), (command["name"], option["name"])


async def test_autocomplete_and_choices(catalog: Catalog) -> None:
    options = {
        (c["name"], o["name"]): o
        for c in await _payload(catalog)
        for o in c["options"]
        if c["name"] in EXPECTED
    }
    for key in [("role", "name"), ("tools", "category"), ("tools", "name"), ("salary", "region")]:
        assert options[key]["autocomplete"] is True, key
    assert options[("cert", "name")]["autocomplete"] is True
    assert options[("roadmap", "step")]["autocomplete"] is True
    assert options[("outlook", "topic")]["autocomplete"] is True
    assert options[("outlook", "region")]["autocomplete"] is True
    level = options[("salary", "level")]
    assert [c["value"] for c in level["choices"]] == ["entry", "mid", "senior"]
    assert not level.get("autocomplete")


def test_every_command_has_an_answer_with_the_same_options() -> None:
    answers = career_answers()
    # /mlebot-help is built from the registered tree (tests/bot/test_help.py).
    assert set(answers) == set(EXPECTED) - {"mlebot-help"}
    for name, answer in answers.items():
        params = list(inspect.signature(answer).parameters)
        assert params[0] == "guide"
        assert params[1:] == EXPECTED[name], name


def test_every_career_command_has_a_cooldown(catalog: Catalog) -> None:
    for cog in build_career_cogs(lambda: catalog):
        if not isinstance(cog, CareerCog):
            continue  # other topics' cogs choose their own limits
        for command in cog.get_app_commands():
            assert isinstance(command, app_commands.Command)
            assert command.checks, f"/{command.name} has no cooldown"


def test_build_cogs_builds_one_cog_per_topic(services: Services) -> None:
    cogs = [c for c in build_cogs(services) if isinstance(c, CareerCog)]
    assert [type(c) for c in cogs] == list(CAREER_COGS)
    guides = {id(c.guides) for c in cogs}
    assert len(guides) == 1  # one index, built once, shared


async def test_the_preview_builds_the_bots_tree_from_the_catalog_alone(
    bot: MLEBot, catalog: Catalog
) -> None:
    """``mle-bot ask`` has no store: from the catalog alone it builds the very tree the running
    bot registers (the same commands, options, permissions and order)."""
    for cog in build_cogs(bot.services):
        await bot.add_cog(cog)
    running = command_tree_payload(bot.tree)
    assert {command["name"] for command in running} >= {"challenge", "admin", "remind", "role"}
    assert command_tree_payload(await build_tree(catalog)) == running


def test_offline_payloads_use_the_clients_allowed_mentions(bot: MLEBot) -> None:
    assert bot.allowed_mentions is not None
    expected: dict[str, Any] = {"parse": []}
    assert bot.allowed_mentions.to_dict() == ALLOWED_MENTIONS.to_dict() == expected


async def test_install_error_handler_makes_it_the_trees_on_error(catalog: Catalog) -> None:
    tree = await build_tree(catalog)
    install_error_handler(tree)
    assert tree.on_error is on_app_command_error


async def test_errors_have_one_path_the_trees_on_error(bot: MLEBot) -> None:
    """No cog answers its own errors: discord.py always ends with ``tree.on_error``, and a cog
    handler beside it would answer the member a second time (Discord refuses that, 40060)."""
    assert bot.tree.on_error is on_app_command_error
    for cog in build_cogs(bot.services):
        assert type(cog).cog_app_command_error is commands.Cog.cog_app_command_error, cog
