"""``/mlebot-help`` (what the bot can do, with examples) and ``/about-sources``."""

from __future__ import annotations

from typing import ClassVar, Final

import discord
from discord import app_commands

from bot.cogs.base import Answer, CareerCog, cooldown
from bot.embeds import HelpEntry, Reply, help_card, render, sources_card
from bot.lookup import Guide

HELP: Final = (
    HelpEntry(
        "/role [name]",
        "A role's card: summary, responsibilities, skills, titles, career path.",
        ("/role", "/role name:machine learning engineer", "/role name:data scientist"),
    ),
    HelpEntry(
        "/tools [category] [name]",
        "Tools by category with what each is for, or one tool.",
        ("/tools", "/tools category:mlops", "/tools name:k8s"),
    ),
    HelpEntry(
        "/salary [region] [level]",
        "Salary figures with their source and period, or the overview table.",
        ("/salary", "/salary region:India level:entry", "/salary level:senior"),
    ),
    HelpEntry(
        "/cert [name]",
        "A certification's provider, cost, exam, passing score, languages, validity.",
        ("/cert", "/cert name:aws"),
    ),
    HelpEntry(
        "/roadmap [step]",
        "The learning roadmap, or one step with skills, resources and challenge weeks.",
        ("/roadmap", "/roadmap step:3"),
    ),
    HelpEntry("/about-sources", "The articles behind every fact.", ("/about-sources",)),
    HelpEntry("/mlebot-help", "This message.", ("/mlebot-help",)),
)


def answer_help(guide: Guide) -> Reply:
    """What the bot can do, with examples (ephemeral: it is for the asker only)."""
    return Reply(tuple(render(help_card(HELP))), ephemeral=True)


def answer_sources(guide: Guide) -> Reply:
    """The seed articles, numbered as the markers in replies, with how many facts cite each."""
    return Reply(tuple(render(sources_card(guide))))


class InfoCog(CareerCog, name="Info"):
    answers: ClassVar[dict[str, Answer]] = {
        "mlebot-help": answer_help,
        "about-sources": answer_sources,
    }

    @app_commands.command(name="mlebot-help", description="What this bot can do, with examples")
    @cooldown()
    async def mlebot_help(self, interaction: discord.Interaction) -> None:
        await self.respond(interaction, "mlebot-help")

    @app_commands.command(name="about-sources", description="The articles behind the facts")
    @cooldown()
    async def about_sources(self, interaction: discord.Interaction) -> None:
        await self.respond(interaction, "about-sources")
