"""``/tools [category] [name]``: the categories, a category's tools, or one tool's card."""

from __future__ import annotations

from typing import ClassVar

import discord
from discord import app_commands

from bot.cogs.base import Answer, CareerCog, choices, cooldown, noted
from bot.embeds import Reply, render, tool_card, tool_categories_card, tool_category_card
from bot.errors import NotFoundError
from bot.lookup import Guide


def answer_tools(guide: Guide, *, category: str | None = None, name: str | None = None) -> Reply:
    """One tool (``name`` wins), the tools of ``category``, or every category."""
    catalog = guide.catalog
    if name is not None and name.strip():
        match = guide.tools.lookup(name)
        tool = catalog.tool(match.entry.value)
        return noted(Reply(tuple(render(tool_card(guide, tool)))), match)
    if category is not None and category.strip():
        match = guide.tool_categories.lookup(category)
        found = catalog.tool_category(match.entry.value)
        return noted(Reply(tuple(render(tool_category_card(guide, found)))), match)
    return Reply(tuple(render(tool_categories_card(guide))))


class ToolsCog(CareerCog, name="Tools"):
    """``/tools``."""

    answers: ClassVar[dict[str, Answer]] = {"tools": answer_tools}

    @app_commands.command(name="tools", description="Tools ML engineers use, by category")
    @app_commands.describe(
        category="A category, e.g. MLOps, cloud, deployment",
        name="One tool, e.g. PyTorch, k8s, sklearn",
    )
    @cooldown()
    async def tools(
        self,
        interaction: discord.Interaction,
        category: str | None = None,
        name: str | None = None,
    ) -> None:
        await self.respond(interaction, "tools", category=category, name=name)

    @tools.autocomplete("category")
    async def tools_category(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return choices(self.guide().tool_categories, current)

    @tools.autocomplete("name")
    async def tools_name(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        guide = self.guide()
        category = getattr(interaction.namespace, "category", None)
        only = None
        if isinstance(category, str) and category.strip():
            try:
                category_id = guide.tool_categories.resolve(category).value
            except NotFoundError:
                category_id = None
            if category_id is not None:
                only = {tool.id for tool in guide.catalog.tools_in(category_id)}
        return choices(guide.tools, current, only=only)
