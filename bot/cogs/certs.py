"""``/cert [name]``: one certification's facts, or the list of them."""

from __future__ import annotations

from typing import ClassVar

import discord
from discord import app_commands

from bot.cogs.base import Answer, CareerCog, choices, cooldown, noted
from bot.embeds import Reply, cert_card, cert_list, render
from bot.lookup import Guide


def answer_cert(guide: Guide, *, name: str | None = None) -> Reply:
    """Provider, cost, exam format, passing score, languages, validity... or the list."""
    if name is None or not name.strip():
        return Reply(tuple(render(cert_list(guide))))
    match = guide.certifications.lookup(name)
    cert = guide.catalog.certification(match.entry.value)
    return noted(Reply(tuple(render(cert_card(guide, cert)))), match)


class CertsCog(CareerCog, name="Certifications"):
    """``/cert``."""

    answers: ClassVar[dict[str, Answer]] = {"cert": answer_cert}

    @app_commands.command(name="cert", description="A certification's facts, or the list of them")
    @app_commands.describe(name="Certification, e.g. AWS ML Specialty, Google PMLE, IBM")
    @cooldown()
    async def cert(self, interaction: discord.Interaction, name: str | None = None) -> None:
        await self.respond(interaction, "cert", name=name)

    @cert.autocomplete("name")
    async def cert_name(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return choices(self.guide().certifications, current)
