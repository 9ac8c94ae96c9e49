"""The fake's sharding, driven by a real in-process ``discord.AutoShardedClient``:
``GET /gateway/bot``, IDENTIFY with ``shard: [id, count]``, and each guild's events on the
connection of its shard only (``(guild_id >> 22) % count``)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import pytest
import yarl
from discord import app_commands

from tests.fakediscord.harness import GuildHandle
from tests.fakediscord.server import FakeDiscord
from tests.fakediscord.state import FakeGuild, shard_of


class ShardedTinyBot(discord.AutoShardedClient):
    """A sharded client with one global command that says which shard answered."""

    def __init__(self, *, shard_count: int | None = None, shard_ids: list[int] | None = None):
        shards: dict[str, Any] = {"shard_count": shard_count, "shard_ids": shard_ids}
        super().__init__(
            intents=discord.Intents(guilds=True),
            guild_ready_timeout=0.1,
            **shards,  # discord.py's stubs want a list, but None is its default
        )
        self.tree = app_commands.CommandTree(self)

        @self.tree.command(name="shard", description="Which shard got this")
        async def shard(interaction: discord.Interaction) -> None:
            guild = interaction.guild
            await interaction.response.send_message(f"shard {guild.shard_id if guild else '-'}")

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """No 5 s pause between the shards' IDENTIFYs: the fake has no limit."""

    async def setup_hook(self) -> None:
        await self.tree.sync()


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    """A fake with a guild on shard 0 and one on shard 1 (of 2), discord.py pointed at it."""
    fake = FakeDiscord()
    fake.add_guild("Zero", channels=("general",), shard=(0, 2))
    fake.add_guild("One", channels=("general",), shard=(1, 2))
    await fake.start()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(discord.http.Route, "BASE", fake.api_base)
        patch.setattr(
            discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(fake.gateway_url)
        )
        try:
            yield fake
        finally:
            await fake.close()
    fake.assert_no_failures()


def guild_on(fake: FakeDiscord, shard_id: int) -> FakeGuild:
    [guild] = fake.guilds_on_shard(shard_id, 2)
    return guild


@contextlib.asynccontextmanager
async def running(
    bot: ShardedTinyBot, fake: FakeDiscord, shard_ids: list[int]
) -> AsyncIterator[ShardedTinyBot]:
    task = asyncio.create_task(bot.start(fake.token))
    try:
        await fake.wait_for_sync(None, within=10)
        await fake.wait_for_gateway(within=10, shard_ids=shard_ids)
        await asyncio.wait_for(bot.wait_until_ready(), 10)
        yield bot
    finally:
        await bot.close()
        await asyncio.wait_for(task, 10)


def test_add_guild_puts_the_guild_on_the_shard_asked_for() -> None:
    fake = FakeDiscord()
    for shard_id in (0, 1, 2, 1, 0):
        guild = fake.add_guild(shard=(shard_id, 3))
        assert shard_of(guild.id, 3) == shard_id
        assert (guild.id >> 22) % 3 == shard_id
    with pytest.raises(ValueError, match="no shard 2 of 2"):
        fake.add_guild(shard=(2, 2))


async def test_gateway_bot_says_how_many_shards_and_the_client_runs_them(
    fake: FakeDiscord,
) -> None:
    fake.recommended_shards = 2
    bot_auth = {"Authorization": f"Bot {fake.token}"}
    async with (
        aiohttp.ClientSession(headers=bot_auth) as http,
        http.get(f"{fake.api_base}/gateway/bot") as answer,
    ):
        body = await answer.json()
    assert body["url"] == fake.gateway_url
    assert body["shards"] == 2
    assert body["session_start_limit"]["max_concurrency"] == 1
    # Without a shard count discord.py asks GET /gateway/bot and runs every recommended shard.
    async with running(ShardedTinyBot(), fake, [0, 1]) as bot:
        assert bot.shard_count == 2
        assert sorted(bot.shards) == [0, 1]
        assert fake.requests.count(("GET", "/gateway/bot")) == 2  # ours, then discord.py's
        assert sorted(s.shard for s in fake.sessions.values()) == [(0, 2), (1, 2)]


async def test_each_guild_and_its_interactions_go_to_its_shards_connection(
    fake: FakeDiscord,
) -> None:
    async with running(ShardedTinyBot(shard_count=2), fake, [0, 1]) as bot:
        for shard_id in (0, 1):
            session = fake.shard_session(shard_id, 2)
            assert session is not None
            ready, *creates = session.sent
            assert ready["t"] == "READY"
            assert ready["d"]["shard"] == [shard_id, 2]
            own = guild_on(fake, shard_id)
            assert [g["id"] for g in ready["d"]["guilds"]] == [str(own.id)]
            assert [(f["t"], f["d"]["id"]) for f in creates] == [("GUILD_CREATE", str(own.id))]
            found = bot.get_guild(own.id)
            assert found is not None
            assert found.shard_id == shard_id
        for shard_id in (1, 0, 1):
            reply = await GuildHandle(fake, guild_on(fake, shard_id)).invoke("/shard")
            assert reply.content == f"shard {shard_id}"
        interactions = {
            shard_id: [
                frame["d"]["guild_id"]
                for frame in session.sent
                if frame["t"] == "INTERACTION_CREATE"
            ]
            for shard_id in (0, 1)
            if (session := fake.shard_session(shard_id, 2)) is not None
        }
        assert interactions == {
            0: [str(guild_on(fake, 0).id)],
            1: [str(guild_on(fake, 1).id), str(guild_on(fake, 1).id)],
        }
        # A guild the bot joins now: its GUILD_CREATE goes to its shard only.
        late = fake.add_guild("Late", shard=(1, 2))
        await fake.wait_until(
            lambda: bot.get_guild(late.id) is not None, within=5, what="the late guild"
        )
        session_0 = fake.shard_session(0, 2)
        assert session_0 is not None
        assert all(f["d"].get("id") != str(late.id) for f in session_0.sent)


async def test_a_client_with_some_shards_gets_only_their_guilds(fake: FakeDiscord) -> None:
    async with running(ShardedTinyBot(shard_count=2, shard_ids=[1]), fake, [1]) as bot:
        assert [s.shard for s in fake.sessions.values()] == [(1, 2)]
        assert bot.get_guild(guild_on(fake, 0).id) is None
        assert bot.get_guild(guild_on(fake, 1).id) is not None
        reply = await GuildHandle(fake, guild_on(fake, 1)).invoke("/shard")
        assert reply.content == "shard 1"
        # Nobody runs shard 0: its guild's events have nowhere to go.
        with pytest.raises(AssertionError, match="no gateway session runs its shard 0 of 2"):
            await GuildHandle(fake, guild_on(fake, 0)).invoke("/shard", within=0.5)


async def test_an_invalid_shard_is_refused_with_4010(fake: FakeDiscord) -> None:
    async with aiohttp.ClientSession() as http, http.ws_connect(fake.gateway_url) as ws:
        hello = await ws.receive_json()
        assert hello["op"] == 10
        identify = {"op": 2, "d": {"token": fake.token, "intents": 1, "shard": [2, 2]}}
        await ws.send_str(json.dumps(identify))
        closed = await ws.receive()
        assert closed.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
        assert ws.close_code == 4010
    assert fake.take_failures() == ["IDENTIFY with an invalid shard [2, 2]"]
