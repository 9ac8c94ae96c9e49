"""The baseline of ``bench_burst.py``: a bare discord.py bot answering one constant reply.

Run by the bench as a subprocess, with the same environment as the real bot (the fake's URLs,
``DISCORD_TOKEN``, ``MLEBOT_DEV_GUILD_ID``): a plain ``discord.Client`` with one guild slash
command, ``/ping``, that answers an ephemeral "pong". No cogs, no database, no logging beyond
warnings: the cost of discord.py itself plus the fake's round trips.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal

import discord
import yarl
from discord import app_commands

REPLY = "pong"


class BareBot(discord.Client):
    def __init__(self, guild_id: int) -> None:
        intents = discord.Intents.none()
        intents.guilds = True  # what the real bot asks for
        super().__init__(intents=intents, allowed_mentions=discord.AllowedMentions.none())
        self.tree = app_commands.CommandTree(self)
        self.guild = discord.Object(id=guild_id)

        @self.tree.command(name="ping", description="Answer a constant reply", guild=self.guild)
        async def ping(interaction: discord.Interaction) -> None:
            await interaction.response.send_message(REPLY, ephemeral=True)

    async def setup_hook(self) -> None:
        await self.tree.sync(guild=self.guild)


async def main() -> None:
    discord.http.Route.BASE = os.environ["MLEBOT_DISCORD_API_BASE"]
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(
        os.environ["MLEBOT_DISCORD_GATEWAY"]
    )
    logging.basicConfig(level=logging.WARNING)
    client = BareBot(int(os.environ["MLEBOT_DEV_GUILD_ID"]))
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: loop.create_task(client.close()))
    async with client:
        await client.start(os.environ["DISCORD_TOKEN"])


if __name__ == "__main__":
    asyncio.run(main())
