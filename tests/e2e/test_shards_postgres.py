"""Several processes end to end (issue 17): two bot processes on one PostgreSQL database.

Process ``shard0`` runs shard 0 of 2, process ``shard1`` shard 1 of 2, both against the fake
Discord and one PostgreSQL database (``tests/postgres.py``; the test skips with one line when
there is none). 20 guilds, 10 per shard, in 5 time zones, post on their own local weekday and
time; 8 simulated weeks (2026-W49 to 2027-W03, across the year's end and 2026-W53).

Weeks are driven by restarts, not by waiting: each week both processes start at that week's
Wednesday 15:00 UTC (libfaketime, :func:`tests.e2e.conftest.pinned_clock`), when every guild's
post fell due between 6 minutes and 18 hours earlier (inside the 24 h catch-up grace), so the
start-up catch-up of the process owning the guild sends it; then both stop (SIGTERM).

In week 4 ``shard0`` is killed (SIGKILL) in the middle of two posts: one stored by Discord
whose answer never came back, one whose request never reached Discord; just before, members
of a shard-0 guild pressed Mark done and saw "Recorded". ``shard0`` restarts while ``shard1``
keeps running.

Checked: exactly one post per guild per week in the channel, and a ``sent`` ledger row with
its message id; the two killed posts settled by the restarted process (found on Discord, or
sent again once); every acknowledged completion still in the database; each process's own
log lists message POSTs to the channels of its own shard's guilds only; each process beats
in its own heartbeat file (``data/mlebot-postgres-shards-<id>.heartbeat``), healthy; a third
process for a shard already running is refused (and the killed process's shard is free again
for its restart: the server let go of its lock).
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.health import check_health
from scheduler.shards import shard_of
from storage.models import GuildSchedule, IsoWeek
from storage.store import open_store
from tests.e2e.conftest import BotProcess, pinned_clock, spawn_bot, start_bot
from tests.fakediscord.harness import GuildHandle, weekly_post_week
from tests.fakediscord.server import FakeDiscord
from tests.ops.botproc import (
    CHANNEL,
    CREATE_MESSAGE,
    Hold,
    hold_route,
    kill_9,
    moderator_notices,
    query,
    restart_after_kill,
    rows_settle,
    shard_env,
    weekly_posts,
)

SHARDS = 2
GUILDS = 20
WEEKS = 8
ZONES = (
    "Europe/Berlin",
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Sydney",
    "America/St_Johns",
)
#: Each week's start: Wednesday 15:00 UTC, 2026-W49 first (no zone above changes its
#: offset between then and 2027-W03, so each guild's post is as long before it every week).
FIRST = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
SEASON_START = date(2026, 11, 30)  # challenge 1 in 2026-W49
KILL_WEEK = 3  # the 4th week
SETTLE_WITHIN = 30.0
POST_LINE = re.compile(r"\bPOST \S+/channels/(\d+)/messages with ")


def week_of(index: int) -> str:
    return str(IsoWeek.of((FIRST + timedelta(weeks=index)).date()))


def schedule_for(guild: GuildHandle, n: int) -> GuildSchedule:
    """Guild ``n``'s post: ``0.1 + 0.9 n`` hours before each week's start, in its zone."""
    zone = ZoneInfo(ZONES[(n // SHARDS) % len(ZONES)])
    local = (FIRST - timedelta(hours=0.1 + 0.9 * n)).astimezone(zone)
    return GuildSchedule(
        guild_id=guild.id,
        channel_id=guild.channel(CHANNEL).id,
        weekday=local.weekday(),
        post_time=local.time().replace(second=0, microsecond=0),
        timezone=zone.key,
        season_start=SEASON_START,
    )


def env_of(url: str, shard: int) -> dict[str, str]:
    return {**shard_env(SHARDS, [shard]), "MLEBOT_DATABASE": url}


async def week_settles(url: str, week: str) -> list[tuple[object, ...]]:
    """The week's ledger rows once every guild has one and each is ``sent``."""
    await rows_settle(
        url,
        "SELECT count(*) FILTER (WHERE state = 'sent') FROM challenge_posts WHERE iso_week = %s",
        lambda row: row[0] == GUILDS,
        what=f"the ledger of {week}",
        within=SETTLE_WITHIN,
        params=(week,),
    )
    return query(url, "SELECT guild_id FROM challenge_posts WHERE iso_week = %s", (week,))


def channels_posted_to(workdir: Path, shard: int) -> tuple[set[int], str]:
    """The channels process ``shard<shard>`` POSTed a message to (discord.py's DEBUG line of
    each answered request), in all its logs (a killed one's kept as ``*.log.<pid>``)."""
    logs = sorted(workdir.glob(f"shard{shard}.*.log*"))
    output = "".join(path.read_text(encoding="utf-8", errors="replace") for path in logs)
    return {int(found) for found in POST_LINE.findall(output)}, output


def posts_of_week(guild: GuildHandle, week: str) -> list[dict[str, object]]:
    return [m for m in weekly_posts(guild) if weekly_post_week(m) == week]


@dataclass
class World:
    """The fake Discord, its guilds, the database and the processes' directory."""

    fake: FakeDiscord
    guilds: list[GuildHandle]
    url: str
    workdir: Path

    def on_shard(self, shard: int) -> list[GuildHandle]:
        return [g for g in self.guilds if shard_of(g.id, SHARDS) == shard]

    async def start(self, shard: int) -> BotProcess:
        return await start_bot(
            self.fake,
            self.guilds[0],
            self.workdir,
            env=env_of(self.url, shard),
            name=f"shard{shard}",
            shard_ids=[shard],
            cwd=self.workdir,  # the heartbeat files land in workdir/data
        )

    async def start_all(self) -> dict[int, BotProcess]:
        started = await asyncio.gather(*(self.start(shard) for shard in range(SHARDS)))
        return dict(enumerate(started))


async def a_replica_is_refused(world: World) -> None:
    """A third process for shard 0 (a replica too many) is refused at start-up, in one line,
    before it talks to Discord (``storage/shardlock.py``)."""
    identifies = world.fake.identifies
    replica = await spawn_bot(
        world.fake,
        world.guilds[0],
        world.workdir,
        env=env_of(world.url, 0),
        name="replica",
        cwd=world.workdir,
    )
    assert await asyncio.wait_for(replica.process.wait(), SETTLE_WITHIN) == 2
    [line] = replica.output().strip().splitlines()
    assert line.startswith(
        "mle-bot: MLEBOT_SHARD_IDS: shard(s) 0 of 2 already run in another bot process"
    ), line
    assert world.fake.identifies == identifies


async def kill_shard0_mid_post(
    world: World, running: dict[int, BotProcess], week: str, holds: list[Hold]
) -> tuple[BotProcess, set[int]]:
    """Members of a shard-0 guild press Mark done (acknowledged), then ``shard0`` is killed
    with two posts in flight; it restarts while ``shard1`` runs on. Returns the new process
    and the members whose click was acknowledged."""
    stored, lost = holds
    stored_guild, lost_guild, clicked = world.on_shard(0)[:3]
    await asyncio.wait_for(stored.arrived.wait(), SETTLE_WITHIN)
    await asyncio.wait_for(lost.arrived.wait(), SETTLE_WITHIN)
    await world.fake.wait_until(
        lambda: bool(posts_of_week(clicked, week)), within=SETTLE_WITHIN, what="a shard-0 post"
    )
    (post,) = posts_of_week(clicked, week)
    acknowledged = set()
    for member in clicked.guild.members:
        if member.user.username.startswith("clicker"):
            reply = await clicked.click(post, "Mark done", as_user=member)
            assert "Recorded" in reply.content, reply.content
            acknowledged.add(member.user.id)
    await kill_9(running[0])  # two posts in flight, the clicks acknowledged
    stored.release()  # Discord answers a client that is gone
    lost.drop()  # the request never reached Discord
    held = query(
        world.url,
        "SELECT guild_id, state FROM challenge_posts WHERE iso_week = %s AND guild_id IN (%s, %s)",
        (week, stored_guild.id, lost_guild.id),
    )
    assert sorted(held) == sorted([(stored_guild.id, "claimed"), (lost_guild.id, "claimed")])
    restarted = await restart_after_kill(
        world.fake,
        world.guilds[0],
        world.workdir,
        running[0],
        name="shard0",
        shard_ids=[0],
        shard_count=SHARDS,
        env=env_of(world.url, 0),
        cwd=world.workdir,
    )
    assert running[1].process.returncode is None  # shard 1 ran on throughout
    return restarted, acknowledged


async def test_two_processes_on_one_postgres_post_once_per_guild_per_week_through_a_kill(
    postgres_url: str, tmp_path: Path
) -> None:
    fake = FakeDiscord()
    guilds = [
        GuildHandle(fake, fake.add_guild(f"Group {n}", ("general", CHANNEL), shard=(n % 2, 2)))
        for n in range(GUILDS)
    ]
    world = World(fake, guilds, postgres_url, tmp_path)
    assert [len(world.on_shard(s)) for s in range(SHARDS)] == [GUILDS // SHARDS] * SHARDS
    stored_guild, lost_guild, clicked_guild = world.on_shard(0)[:3]
    for i in range(4):
        clicked_guild.add_member(f"clicker{i}")
    # The schedules were set two days before the first post (a schedule set after its post
    # time never posts that week).
    async with await open_store(postgres_url, clock=lambda: FIRST - timedelta(days=2)) as store:
        for n, guild in enumerate(guilds):
            await store.settings.save(schedule_for(guild, n))
    weeks = [week_of(index) for index in range(WEEKS)]
    running: dict[int, BotProcess] = {}
    acknowledged: set[int] = set()
    await fake.start()
    try:
        for index, week in enumerate(weeks):
            with pinned_clock(FIRST + timedelta(weeks=index)):
                holds = []
                if index == KILL_WEEK:  # shard0's two posts held: stored / never arriving
                    holds = [
                        hold_route(fake, CREATE_MESSAGE, before=before, channel_id=channel)
                        for before, channel in (
                            (False, stored_guild.channel(CHANNEL).id),
                            (True, lost_guild.channel(CHANNEL).id),
                        )
                    ]
                running = await world.start_all()
                # Week 1: a replica too many tries to start, meanwhile.
                replica = asyncio.create_task(a_replica_is_refused(world)) if index == 0 else None
                if index == 0:  # one heartbeat per process, each healthy once ready
                    for shard, bot in running.items():
                        await bot.wait_for_log("ready as")
                        beat = tmp_path / "data" / f"mlebot-postgres-shards-{shard}.heartbeat"
                        health = check_health(beat, now=datetime.now(UTC))
                        assert health.ok, health.reason
                if holds:
                    running[0], acknowledged = await kill_shard0_mid_post(
                        world, running, week, holds
                    )
                rows = await week_settles(postgres_url, week)
                if replica is not None:
                    await replica
                assert sorted(int(str(row[0])) for row in rows) == sorted(g.id for g in guilds)
                codes = await asyncio.gather(*(bot.stop() for bot in running.values()))
                assert list(codes) == [0] * SHARDS
                running = {}
    finally:
        for bot in running.values():
            await bot.stop()
        await fake.close()

    # Exactly one post per guild per week, in the channel and in the ledger.
    ledger = query(
        postgres_url, "SELECT guild_id, iso_week, state, message_id, attempts FROM challenge_posts"
    )
    assert len(ledger) == GUILDS * WEEKS
    by_key = {(guild_id, week): tuple(row) for guild_id, week, *row in ledger}
    for guild in guilds:
        posted = Counter(weekly_post_week(m) for m in weekly_posts(guild))
        assert posted == Counter(weeks), (guild.guild.name, posted)
        for message in weekly_posts(guild):
            week = str(weekly_post_week(message))
            resent = guild is lost_guild and week == weeks[KILL_WEEK]  # sent again, once
            expected = ("sent", int(str(message["id"])), 2 if resent else 1)
            assert by_key[(guild.id, week)] == expected, (guild.guild.name, week)
    # No acknowledged completion lost.
    recorded = query(
        postgres_url, "SELECT user_id FROM completions WHERE guild_id = %s", (clicked_guild.id,)
    )
    assert len(acknowledged) == 4
    assert acknowledged <= {user_id for (user_id,) in recorded}
    # Each process posted to its own shard's guilds only.
    channel_shard = {g.channel(CHANNEL).id: shard_of(g.id, SHARDS) for g in guilds}
    for shard in range(SHARDS):
        channels, output = channels_posted_to(tmp_path, shard)
        assert {channel_shard.get(c) for c in channels} == {shard}, (shard, channels)
        assert "Traceback" not in output, output[-6000:]
    assert moderator_notices(fake) == []
    fake.assert_no_failures()
