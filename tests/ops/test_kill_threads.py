"""``kill -9`` during the weekly post or its thread, then a restart: one post, one thread.

Like ``test_kill.py``, the fake holds a request of the real bot process and the bot is
SIGKILLed while it waits: the post stored by "Discord" but its answer never read; the thread
stored but its answer never read (the restart must find it, not make another); the thread
request never arriving (the restart makes it).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.e2e.conftest import BotProcess
from tests.fakediscord.harness import GuildHandle
from tests.fakediscord.server import FakeDiscord
from tests.ops.botproc import (
    CHANNEL,
    CREATE_MESSAGE,
    POST_WITHIN,
    hold_route,
    kill_9,
    moderator_notices,
    restart_after_kill,
    rows_settle,
    running_bot,
    schedule_due_now,
    weekly_posts,
)

START_THREAD = "POST /channels/{channel_id}/messages/{message_id}/threads"


@pytest.fixture
async def mlebot(
    fake_discord: FakeDiscord, fake_guild: GuildHandle, tmp_path: Path
) -> AsyncIterator[BotProcess]:
    async with running_bot(fake_discord, fake_guild, tmp_path) as bot:
        yield bot


async def thread_ledger_settles(
    database: Path, *, within: float = 10.0
) -> list[tuple[object, ...]]:
    """The thread ledger once every row is ``created``."""
    return await rows_settle(
        database,
        "SELECT state, thread_id, attempts FROM post_threads",
        lambda row: row[0] == "created",
        what="the thread ledger",
        within=within,
    )


@pytest.mark.parametrize(
    ("route", "hold_before", "delivered", "attempts"),
    [
        (CREATE_MESSAGE, False, True, 1),
        (START_THREAD, False, True, 1),
        (START_THREAD, True, False, 2),
    ],
    ids=["post-stored-answer-lost", "thread-stored-answer-lost", "thread-never-arrived"],
)
async def test_kill_9_during_the_post_or_its_thread_leaves_one_thread(
    mlebot: BotProcess,
    fake_discord: FakeDiscord,
    fake_guild: GuildHandle,
    tmp_path: Path,
    route: str,
    hold_before: bool,
    delivered: bool,
    attempts: int,
) -> None:
    guild = fake_guild
    channel = guild.channel(CHANNEL)
    await mlebot.wait_for_log("ready as")
    hold = hold_route(fake_discord, route, before=hold_before)
    await schedule_due_now(mlebot, guild, guild.add_member("mod", admin=True))
    await asyncio.wait_for(hold.arrived.wait(), POST_WITHIN)
    await kill_9(mlebot)
    if delivered:
        hold.release()
    else:
        hold.drop()

    bot = await restart_after_kill(fake_discord, guild, tmp_path, mlebot)
    try:
        await fake_discord.wait_until(
            lambda: bool(fake_discord.threads_in(channel.id)), within=POST_WITHIN, what="a thread"
        )
        rows = await thread_ledger_settles(bot.database)
        await asyncio.sleep(1.0)  # a second thread would come right behind
        [post] = weekly_posts(guild)
        [thread] = fake_discord.threads_in(channel.id)
        assert thread["id"] == post["id"]
        assert rows == [("created", int(post["id"]), attempts)]
        assert moderator_notices(fake_discord) == []
    finally:
        assert await bot.stop() == 0
    assert "Traceback" not in bot.output(), bot.output()[-6000:]
