"""Shards end to end: the real bot against the fake Discord with guilds on two shards.

* One process running shards 0 and 1 of 2 (``MLEBOT_SHARD_COUNT=2``, ``MLEBOT_SHARD_IDS=0,1``)
  connects twice (one IDENTIFY per shard), gets each guild on its shard's connection, and every
  guild gets its weekly post exactly once.
* Two processes, shard 0 of 2 and shard 1 of 2, on one SQLite file are both refused at start-up
  with one line saying to use PostgreSQL or run all shards in one process; and a second plain
  process on a SQLite file a running bot holds is refused too (the ``flock``).

Several processes on one PostgreSQL database (the issue's two-process test) are in
``test_shards_postgres.py``, with the same helpers: ``start_bot(..., env={**shard_env(2, [0]),
"MLEBOT_DATABASE": url}, name="shard0", shard_ids=[0])`` and the same for shard 1.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.e2e.conftest import BotProcess, spawn_bot, start_bot
from tests.fakediscord.harness import GuildHandle
from tests.fakediscord.server import FakeDiscord
from tests.ops.botproc import (
    BOT_CLOCK,
    CHANNEL,
    heartbeat,
    rows_settle,
    shard_env,
    store_schedules_due_now,
    weekly_posts,
)

GUILDS_PER_SHARD = 2
REFUSED_WITHIN = 20.0  # seconds for a refused process to exit (imports dominate)


@pytest.fixture
async def sharded_fake() -> tuple[FakeDiscord, list[GuildHandle]]:
    """A fake Discord with two guilds on shard 0 and two on shard 1 (of 2); not started."""
    fake = FakeDiscord()
    guilds = [
        GuildHandle(
            fake, fake.add_guild(f"Group {shard}.{n}", ("general", CHANNEL), shard=(shard, 2))
        )
        for n in range(GUILDS_PER_SHARD)
        for shard in (0, 1)
    ]
    return fake, guilds


async def _exit_of(bot: BotProcess) -> int:
    try:
        return await asyncio.wait_for(bot.process.wait(), REFUSED_WITHIN)
    except TimeoutError:
        await bot.stop()
        raise AssertionError(f"the process was not refused:\n{bot.output()[-3000:]}") from None


@pytest.mark.bot_clock(BOT_CLOCK)  # the schedules are "due three minutes ago" on any day
async def test_one_process_on_both_shards_posts_to_every_guild_once(
    sharded_fake: tuple[FakeDiscord, list[GuildHandle]], tmp_path: Path
) -> None:
    fake, guilds = sharded_fake
    database = tmp_path / "bot.sqlite3"
    await store_schedules_due_now(database, guilds)
    await fake.start()
    try:
        bot = await start_bot(fake, guilds[0], tmp_path, env=shard_env(2, [0, 1]))
        try:
            assert sorted(s.shard for s in fake.sessions.values()) == [(0, 2), (1, 2)]
            for shard in (0, 1):  # each connection got exactly its shard's guilds
                session = fake.shard_session(shard, 2)
                assert session is not None
                created = {int(f["d"]["id"]) for f in session.sent if f["t"] == "GUILD_CREATE"}
                assert created == {g.id for g in guilds if (g.id >> 22) % 2 == shard}
            rows = await rows_settle(
                database,
                "SELECT guild_id, iso_week, state FROM challenge_posts",
                lambda row: row[2] == "sent",
                what="the post ledger",
                within=30,
            )
            assert sorted(guild_id for guild_id, _, _ in rows) == sorted(g.id for g in guilds)
            await bot.wait_for_log("ready as")
            assert heartbeat(database)["connected"]  # every shard is up: health says so
            await asyncio.sleep(1.0)  # a second post, if any, would have gone out by now
            for guild in guilds:
                assert len(weekly_posts(guild)) == 1, guild.guild.name
            assert "running shard(s) 0,1 of 2" in bot.output()
        finally:
            await bot.stop()
        assert "Traceback" not in bot.output(), bot.output()[-6000:]
    finally:
        await fake.close()
    fake.assert_no_failures()


async def test_two_processes_with_a_share_of_the_shards_on_one_sqlite_file_are_refused(
    sharded_fake: tuple[FakeDiscord, list[GuildHandle]], tmp_path: Path
) -> None:
    fake, guilds = sharded_fake
    await fake.start()
    try:
        database = tmp_path / "shared.sqlite3"
        shard_0, shard_1 = [
            await spawn_bot(
                fake,
                guilds[0],
                tmp_path,
                database=database,
                env=shard_env(2, [shard]),
                name=f"shard{shard}",
            )
            for shard in (0, 1)
        ]
        codes = await asyncio.gather(_exit_of(shard_0), _exit_of(shard_1))
        assert list(codes) == [2, 2]
        for shard, bot in ((0, shard_0), (1, shard_1)):
            [line] = bot.output().strip().splitlines()  # one line, no traceback
            assert line.startswith(
                f"mle-bot: MLEBOT_SHARD_IDS: this process would run shard(s) {shard} of 2"
            ), line
            assert "a SQLite database" in line
            assert "use PostgreSQL (MLEBOT_DATABASE=postgresql://...)" in line
            assert "run all 2 shards in this one process" in line
        assert fake.identifies == 0
        assert fake.requests == []  # refused before talking to Discord
        assert not database.exists()  # and before creating the database
    finally:
        await fake.close()
    fake.assert_no_failures()


async def test_a_second_process_on_a_sqlite_file_in_use_is_refused(
    sharded_fake: tuple[FakeDiscord, list[GuildHandle]], tmp_path: Path
) -> None:
    fake, guilds = sharded_fake
    await fake.start()
    try:
        first = await start_bot(fake, guilds[0], tmp_path)
        try:
            second = await spawn_bot(fake, guilds[0], tmp_path, name="second")
            assert await _exit_of(second) == 2
            [line] = second.output().strip().splitlines()
            assert line.startswith("mle-bot: MLEBOT_DATABASE: another bot process is already")
            assert str(first.database) in line
            assert fake.identifies == 1  # the second never connected
            reply = await guilds[0].invoke("/privacy")  # the first is unaffected
            assert reply.ephemeral
        finally:
            assert await first.stop() == 0
        # Once the first is gone, a new process starts on the same file.
        again = await start_bot(fake, guilds[0], tmp_path, name="again")
        assert await again.stop() == 0
    finally:
        await fake.close()
    fake.assert_no_failures()
