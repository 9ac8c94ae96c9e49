"""One cog per topic. :func:`build_cogs` is the single list the client installs."""

from __future__ import annotations

from discord.ext import commands

from bot.services import Services


def build_cogs(services: Services) -> list[commands.Cog]:
    """Construct every cog with the services it needs."""
    return []
