"""``/roadmap [step]``: the learning roadmap, or one step with its skills and challenge weeks."""

from __future__ import annotations

from typing import ClassVar

import discord
from discord import app_commands

from bot.cogs.base import Answer, CareerCog, choices, cooldown, noted
from bot.embeds import Reply, render, roadmap_overview, roadmap_step_card
from bot.lookup import Guide


def answer_roadmap(guide: Guide, *, step: str | None = None) -> Reply:
    """The steps in order (with every resource), or one step by name or number."""
    if step is None or not step.strip():
        return Reply(tuple(render(roadmap_overview(guide))))
    match = guide.roadmap.lookup(step.strip())
    found = guide.catalog.roadmap_step(match.entry.value)
    return noted(Reply(tuple(render(roadmap_step_card(guide, found)))), match)


class RoadmapCog(CareerCog, name="Roadmap"):
    """``/roadmap``."""

    answers: ClassVar[dict[str, Answer]] = {"roadmap": answer_roadmap}

    @app_commands.command(name="roadmap", description="The learning roadmap, or one of its steps")
    @app_commands.describe(step="A step by name or number, e.g. 3 or deployment")
    @cooldown()
    async def roadmap(self, interaction: discord.Interaction, step: str | None = None) -> None:
        await self.respond(interaction, "roadmap", step=step)

    @roadmap.autocomplete("step")
    async def roadmap_step(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return choices(self.guide().roadmap, current)
