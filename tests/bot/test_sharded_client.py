"""Shard settings pick discord.py's AutoShardedBot with those shards, and the schedulers own
only those shards' guilds; without them, the bot is the plain single-connection one it was."""

from __future__ import annotations

from pathlib import Path

import discord
import pytest
import time_machine

from bot.client import MLEBot, ShardedMLEBot, build_bot
from bot.services import Content
from bot.settings import Settings
from content.models import Catalog
from storage.store import Store
from tests.bot.test_heartbeat import NOW, verdict

ON_SHARD_0 = (1_000_000_000 << 22) | 7
ON_SHARD_1 = (1_000_000_001 << 22) | 7


def _settings(tmp_path: Path, **shards: object) -> Settings:
    return Settings(database=tmp_path / "db.sqlite3", **shards)


async def test_without_shard_settings_one_plain_client(
    settings: Settings, catalog: Catalog, store: Store
) -> None:
    async with build_bot(settings, Content(catalog), store) as bot:
        assert type(bot) is MLEBot
        assert not isinstance(bot, discord.AutoShardedClient)
        assert bot.shard_count is None


@pytest.mark.parametrize(
    ("shards", "count", "ids", "owned"),
    [
        ({"shard_count": 2, "shard_ids": (1,)}, 2, [1], [ON_SHARD_1]),
        ({"shard_count": 4, "shard_ids": (0, 2)}, 4, [0, 2], [ON_SHARD_0]),
        ({"shard_count": 2}, 2, None, [ON_SHARD_0, ON_SHARD_1]),  # every shard here
    ],
)
async def test_shard_settings_run_those_shards(
    tmp_path: Path,
    catalog: Catalog,
    store: Store,
    shards: dict[str, object],
    count: int,
    ids: object,
    owned: list[int],
) -> None:
    # "async with": as run_bot does (discord.py sets the shards' queue up on entering).
    async with build_bot(_settings(tmp_path, **shards), Content(catalog), store) as bot:
        assert isinstance(bot, ShardedMLEBot)
        assert isinstance(bot, discord.AutoShardedClient)
        assert isinstance(bot, MLEBot)  # the same cogs, scheduler wiring and shutdown
        assert (bot.shard_count, bot.shard_ids) == (count, ids)
        # The schedulers were handed the same shards (Services.wire).
        for scheduler in (bot.services.scheduler, bot.services.reminders):
            mine = [g for g in (ON_SHARD_0, ON_SHARD_1) if scheduler._owns(g)]
            assert mine == owned


@time_machine.travel(NOW, tick=False)
async def test_health_says_connected_only_while_every_shard_is(
    tmp_path: Path, catalog: Catalog, store: Store
) -> None:
    async with build_bot(_settings(tmp_path, shard_count=2), Content(catalog), store) as bot:
        assert isinstance(bot, ShardedMLEBot)
        await bot.on_shard_ready(0)  # shard 1 still connecting
        assert verdict(bot) == "unhealthy: running but not connected to Discord (yet)"
        await bot.on_shard_ready(1)
        await bot.on_ready()
        assert verdict(bot) == "healthy: connected, heartbeat 0 s ago"
        await bot.on_shard_disconnect(1)
        await bot.on_disconnect()  # discord.py's shard-less twin of the event above
        assert verdict(bot) == "unhealthy: running but not connected to Discord (yet)"
        await bot.on_shard_resumed(0)  # the other shard coming back is not enough
        await bot.on_resumed()
        assert verdict(bot) == "unhealthy: running but not connected to Discord (yet)"
        await bot.on_shard_resumed(1)
        assert verdict(bot) == "healthy: connected, heartbeat 0 s ago"
    assert verdict(bot) == "unhealthy: not running: the bot stopped 0 s ago"
