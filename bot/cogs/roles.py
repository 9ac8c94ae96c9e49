"""``/role [name]``: one role's card, or the list of roles."""

from __future__ import annotations

from typing import ClassVar

import discord
from discord import app_commands

from bot.cogs.base import Answer, CareerCog, choices, cooldown, noted
from bot.embeds import Reply, render, role_card, role_list
from bot.lookup import Guide


def answer_role(guide: Guide, *, name: str | None = None) -> Reply:
    """A role's card (summary, responsibilities, skills, titles, career path), or the list."""
    if name is None or not name.strip():
        return Reply(tuple(render(role_list(guide))))
    match = guide.roles.lookup(name)
    role = guide.catalog.role(match.entry.value)
    return noted(Reply(tuple(render(role_card(guide, role)))), match)


class RolesCog(CareerCog, name="Roles"):
    """``/role``."""

    answers: ClassVar[dict[str, Answer]] = {"role": answer_role}

    @app_commands.command(name="role", description="A role's card, or the list of roles")
    @app_commands.describe(name="Role or job title, e.g. ML engineer, data scientist")
    @cooldown()
    async def role(self, interaction: discord.Interaction, name: str | None = None) -> None:
        await self.respond(interaction, "role", name=name)

    @role.autocomplete("name")
    async def role_name(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return choices(self.guide().roles, current)
