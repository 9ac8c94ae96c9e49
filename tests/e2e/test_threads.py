"""A discussion thread on each weekly post (issue 16), against the real bot and the fake Discord.

The schedule is stored as set an hour ago with this week's post time three minutes ago
(``tests/ops/botproc.schedule_due_now``), so the scheduler's catch-up sends the post at once.
"Now" is a fixed Wednesday afternoon (``bot_clock``: this process and every bot it starts), so
the outcome is the same on any day, at any hour.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from content.loader import load_catalog
from tests.fakediscord.harness import GuildHandle
from tests.fakediscord.server import CREATE_PUBLIC_THREADS, FakeDiscord
from tests.ops.botproc import (
    BOT_CLOCK,
    CHANNEL,
    POST_WITHIN,
    moderator_notices,
    query,
    running_bot,
    schedule_due_now,
    weekly_posts,
)

Json = dict[str, Any]

pytestmark = pytest.mark.bot_clock(BOT_CLOCK)


async def one_post(fake: FakeDiscord, guild: GuildHandle) -> Json:
    await fake.wait_until(lambda: bool(weekly_posts(guild)), within=POST_WITHIN, what="the post")
    await asyncio.sleep(1.0)  # a duplicate post or thread would come right behind
    posts = weekly_posts(guild)
    assert len(posts) == 1, f"expected one weekly post, found {len(posts)}"
    return posts[0]


async def test_the_weekly_post_gets_exactly_one_thread(
    fake_discord: FakeDiscord, fake_guild: GuildHandle, tmp_path: Path
) -> None:
    guild = fake_guild
    channel = guild.channel(CHANNEL)
    moderator = guild.add_member("mod", admin=True)
    async with running_bot(fake_discord, guild, tmp_path) as bot:
        await bot.wait_for_log("ready as")
        await schedule_due_now(bot, guild, moderator)
        post = await one_post(fake_discord, guild)
        await fake_discord.wait_until(
            lambda: bool(fake_discord.threads_in(channel.id)), within=POST_WITHIN, what="a thread"
        )
        [thread] = fake_discord.threads_in(channel.id)
        assert thread["id"] == post["id"]  # started on the weekly post
        assert thread["name"] == f"Week 1: {load_catalog().challenges[0].title}"
        assert thread["thread_metadata"]["auto_archive_duration"] == 10080

        again = await guild.invoke("/admin post-now", as_user=moderator)
        assert "already posted" in again.content, again.content
        shown = await guild.invoke("/admin show", as_user=moderator)
        assert "**Discussion threads:** on" in shown.content, shown.content
        assert len(fake_discord.threads_in(channel.id)) == 1
        assert len(weekly_posts(guild)) == 1
        assert moderator_notices(fake_discord) == []
        assert await bot.stop() == 0
    rows = query(bot.database, "SELECT state, thread_id, attempts FROM post_threads")
    assert rows == [("created", int(post["id"]), 1)]


async def test_missing_create_public_threads_tells_the_moderators_and_the_post_goes_out(
    fake_discord: FakeDiscord, fake_guild: GuildHandle, tmp_path: Path
) -> None:
    guild = fake_guild
    guild.guild.everyone.permissions &= ~CREATE_PUBLIC_THREADS  # before the bot sees the guild
    async with running_bot(fake_discord, guild, tmp_path) as bot:
        await bot.wait_for_log("ready as")
        await schedule_due_now(bot, guild, guild.add_member("mod", admin=True))
        await one_post(fake_discord, guild)
        await fake_discord.wait_until(
            lambda: bool(moderator_notices(fake_discord)), within=POST_WITHIN, what="a notice"
        )
        [notice] = moderator_notices(fake_discord)
        assert "Create Public Threads" in notice, notice
        assert fake_discord.threads == {}
        assert await bot.stop() == 0
    assert query(bot.database, "SELECT state FROM challenge_posts") == [("sent",)]
    assert query(bot.database, "SELECT state FROM post_threads") == [("failed",)]


async def test_threads_turned_off_start_none(
    fake_discord: FakeDiscord, fake_guild: GuildHandle, tmp_path: Path
) -> None:
    guild = fake_guild
    moderator = guild.add_member("mod", admin=True)
    async with running_bot(fake_discord, guild, tmp_path) as bot:
        await bot.wait_for_log("ready as")
        # Stored with threads on (the default), then /admin schedule turns them off.
        saved = await schedule_due_now(bot, guild, moderator, threads=False)
        assert "**Discussion threads:** off" in saved, saved
        await one_post(fake_discord, guild)
        assert fake_discord.threads == {}
        assert await bot.stop() == 0
    assert query(bot.database, "SELECT threads FROM guild_settings") == [(0,)]
