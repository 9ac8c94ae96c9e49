"""``/outlook [topic] [region]``: is this a good career, and where are the jobs."""

from __future__ import annotations

from functools import cache
from typing import ClassVar

import discord
from discord import app_commands

from bot.cogs.base import Answer, CareerCog, choices, cooldown
from bot.cogs.salary import _in_region
from bot.embeds import OUTLOOK_TOPICS, Reply, outlook_card, render
from bot.lookup import Entry, FuzzyIndex, Guide, normalise

#: Words members type for each topic (besides its id and heading).
TOPIC_ALIASES: dict[str, tuple[str, ...]] = {
    "growth": ("jobs", "job growth", "market", "numbers", "figures"),
    "demand": ("why", "reasons", "adoption", "impact"),
    "industries": ("industry", "sectors", "employers", "companies", "where are the jobs"),
    "salaries": ("salary", "pay", "money", "compensation", "highest pay"),
    "future": ("trends", "what next", "next", "mlops", "ethics", "specialization"),
}


@cache
def topic_index() -> FuzzyIndex:
    """The topics as an autocomplete index (built on first use, then kept: they are fixed)."""
    entries = []
    for value, heading in OUTLOOK_TOPICS.items():
        keys = {normalise(text) for text in (value, heading, *TOPIC_ALIASES.get(value, ()))}
        entries.append(
            Entry(value=value, label=heading, terms=tuple(sorted(keys)), keys=frozenset(keys))
        )
    return FuzzyIndex("outlook topic", entries)


def answer_outlook(guide: Guide, *, topic: str | None = None, region: str | None = None) -> Reply:
    """Growth, demand, industries, where pay is highest and what comes next, each sourced;
    ``topic`` narrows to one, ``region`` narrows the pay figures to one region."""
    topics = None
    if topic is not None and topic.strip():
        topics = [topic_index().resolve(topic).value]
    if region is None or not region.strip():
        return Reply(tuple(render(outlook_card(guide, topics))))
    entry = guide.regions.resolve(region)
    regional = [s for s in guide.catalog.salaries if _in_region(s, entry)]
    if topics is None:
        topics = list(OUTLOOK_TOPICS)
    return Reply(tuple(render(outlook_card(guide, topics, entry.label, regional))))


class OutlookCog(CareerCog, name="Outlook"):
    """``/outlook``."""

    answers: ClassVar[dict[str, Answer]] = {"outlook": answer_outlook}

    @app_commands.command(
        name="outlook", description="Is ML engineering a good career, and where are the jobs?"
    )
    @app_commands.describe(
        topic="growth, demand, industries, salaries or future",
        region="Narrow the pay figures to a region, e.g. India, USA",
    )
    @cooldown()
    async def outlook(
        self,
        interaction: discord.Interaction,
        topic: str | None = None,
        region: str | None = None,
    ) -> None:
        await self.respond(interaction, "outlook", topic=topic, region=region)

    @outlook.autocomplete("topic")
    async def outlook_topic(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return choices(topic_index(), current)

    @outlook.autocomplete("region")
    async def outlook_region(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return choices(self.guide().regions, current)
