"""SIGTERM/SIGINT on the real bot process (issue 8, "Process behaviour").

Each test runs ``python -m bot run`` against the fake Discord and signals it: the bot stops
accepting interactions (a new one is answered "restarting"), lets in-flight work finish
(bounded), stops the scheduler, closes the gateway and the database, and exits 0 within 10 s,
without a traceback. The database is then opened with the standard library and checked.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.client import MLEBot
from bot.errors import SHUTTING_DOWN
from bot.services import Content
from bot.settings import load_settings
from content.loader import load_catalog
from storage.store import open_store
from tests.e2e.conftest import BotProcess
from tests.fakediscord.harness import GuildHandle
from tests.fakediscord.server import FakeDiscord
from tests.ops.botproc import (
    BOT_CLOCK,
    CALLBACK,
    CREATE_MESSAGE,
    EXIT_WITHIN,
    POST_WITHIN,
    heartbeat,
    hold_route,
    query,
    running_bot,
    schedule_due_now,
    send_and_time,
    weekly_posts,
)

pytestmark = pytest.mark.bot_clock(BOT_CLOCK)  # schedule_due_now: the same on every day


@pytest.fixture
async def mlebot(
    fake_discord: FakeDiscord, fake_guild: GuildHandle, tmp_path: Path
) -> AsyncIterator[BotProcess]:
    async with running_bot(fake_discord, fake_guild, tmp_path) as bot:
        yield bot


def assert_clean_exit(bot: BotProcess, elapsed: float, sig: signal.Signals) -> None:
    output = bot.output()
    assert bot.process.returncode == 0, output[-3000:]
    assert elapsed < EXIT_WITHIN, f"exit took {elapsed:.1f} s\n{output[-3000:]}"
    assert "Traceback" not in output, output[-6000:]
    assert f"received {sig.name}, shutting down" in output
    assert "scheduler stopped" in output
    # In order: timers stopped, gateway closed, then run_bot's last word (after store.close()).
    order = ["scheduler stopped", "Websocket closed", "bot.client: stopped"]
    positions = [output.find(text) for text in order]
    assert -1 not in positions, list(zip(order, positions, strict=True))
    assert positions == sorted(positions), list(zip(order, positions, strict=True))
    beat = heartbeat(bot.database)
    assert beat["connected"] is False, beat
    assert beat["pid"] == bot.process.pid
    assert query(bot.database, "PRAGMA integrity_check") == [("ok",)]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_signal_stops_everything_and_exits_0_within_10_s(
    mlebot: BotProcess, fake_discord: FakeDiscord, fake_guild: GuildHandle, sig: signal.Signals
) -> None:
    guild = fake_guild
    await mlebot.wait_for_log("ready as")  # the scheduler runs
    await schedule_due_now(mlebot, guild, guild.add_member("mod", admin=True))
    await fake_discord.wait_until(
        lambda: bool(weekly_posts(guild)), within=POST_WITHIN, what="the weekly post"
    )
    (post,) = weekly_posts(guild)
    alice = guild.add_member("alice")
    assert "Recorded" in (await guild.click(post, "Mark done", as_user=alice)).content

    elapsed = await send_and_time(mlebot, sig)

    assert_clean_exit(mlebot, elapsed, sig)
    await fake_discord.wait_until(
        lambda: not fake_discord.connected, within=2, what="the gateway to be closed"
    )
    # What was acknowledged is on disk, in a database that opens and checks clean.
    assert query(mlebot.database, "SELECT state, message_id FROM challenge_posts") == [
        ("sent", int(post["id"]))
    ]
    assert query(mlebot.database, "SELECT user_id FROM completions") == [(alice.user.id,)]


async def test_sigterm_lets_an_interaction_in_flight_answer_and_refuses_new_ones(
    mlebot: BotProcess, fake_discord: FakeDiscord, fake_guild: GuildHandle
) -> None:
    guild = fake_guild
    await mlebot.wait_for_log("ready as")
    fake_discord.faults.slow(CALLBACK, 2.0)  # the bot's answer takes 2 s to reach "Discord"
    in_flight = asyncio.create_task(guild.invoke("/privacy"))
    await fake_discord.wait_until(
        lambda: sum(fake_discord.faults.hits.values()) == 1,
        within=5,
        what="the bot's answer to be on its way",
    )
    mlebot.process.send_signal(signal.SIGTERM)
    began = asyncio.get_running_loop().time()
    await mlebot.wait_for_log("received SIGTERM")
    late_comer = await guild.invoke("/privacy", as_user=guild.add_member("bob"))
    mlebot.process.send_signal(signal.SIGINT)  # an impatient operator: Ctrl-C on top

    reply = await in_flight
    assert reply.text, "the interaction in flight got its answer"
    assert SHUTTING_DOWN not in reply.text
    assert late_comer.content == SHUTTING_DOWN
    assert late_comer.ephemeral
    await asyncio.wait_for(mlebot.process.wait(), EXIT_WITHIN)
    assert_clean_exit(mlebot, asyncio.get_running_loop().time() - began, signal.SIGTERM)


async def test_sigterm_while_starting_up_exits_cleanly(
    mlebot: BotProcess, fake_discord: FakeDiscord
) -> None:
    # Commands are synced, the gateway is up, on_ready (and so the scheduler) is ~2 s away.
    elapsed = await send_and_time(mlebot, signal.SIGTERM)
    output = mlebot.output()
    assert mlebot.process.returncode == 0, output[-3000:]
    assert elapsed < EXIT_WITHIN
    assert "Traceback" not in output, output[-6000:]
    assert heartbeat(mlebot.database)["connected"] is False
    assert query(mlebot.database, "PRAGMA integrity_check") == [("ok",)]
    assert "scheduler started" not in output[output.find("received SIGTERM") :]


async def test_sigterm_during_a_slow_weekly_post_lets_it_finish(
    mlebot: BotProcess, fake_discord: FakeDiscord, fake_guild: GuildHandle
) -> None:
    guild = fake_guild
    await mlebot.wait_for_log("ready as")
    hold = hold_route(fake_discord, CREATE_MESSAGE, before=True)
    await schedule_due_now(mlebot, guild, guild.add_member("mod", admin=True))
    await asyncio.wait_for(hold.arrived.wait(), POST_WITHIN)  # the post is in flight

    mlebot.process.send_signal(signal.SIGTERM)
    began = asyncio.get_running_loop().time()
    await mlebot.wait_for_log("received SIGTERM")
    await asyncio.sleep(2.0)  # "Discord" is slow: 2 s into the shutdown
    hold.release()
    await asyncio.wait_for(mlebot.process.wait(), EXIT_WITHIN)

    assert_clean_exit(mlebot, asyncio.get_running_loop().time() - began, signal.SIGTERM)
    (post,) = weekly_posts(guild)
    assert query(mlebot.database, "SELECT state, message_id FROM challenge_posts") == [
        ("sent", int(post["id"]))
    ]


async def test_sigterm_with_a_stuck_weekly_post_still_exits_within_10_s(
    mlebot: BotProcess, fake_discord: FakeDiscord, fake_guild: GuildHandle
) -> None:
    guild = fake_guild
    await mlebot.wait_for_log("ready as")
    hold = hold_route(fake_discord, CREATE_MESSAGE, before=True)
    await schedule_due_now(mlebot, guild, guild.add_member("mod", admin=True))
    await asyncio.wait_for(hold.arrived.wait(), POST_WITHIN)
    try:
        elapsed = await send_and_time(mlebot, signal.SIGTERM, within=30)
    finally:
        hold.drop()
    assert mlebot.process.returncode == 0
    assert elapsed < EXIT_WITHIN, f"exit took {elapsed:.1f} s after SIGTERM"
    # The cut-off post stays "claimed"; the next start settles it (tests/ops/test_kill.py).
    assert query(mlebot.database, "SELECT state FROM challenge_posts") == [("claimed",)]
    assert weekly_posts(guild) == []  # the post never reached #challenges


async def test_on_ready_during_shutdown_does_not_start_the_scheduler(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # In-process, because the real race is one event-loop turn wide: discord.py dispatches
    # on_ready (2 s after the last GUILD_CREATE) in the same turn the SIGTERM handler spawns
    # close(). The order below is that interleaving, made deterministic.
    monkeypatch.setenv("MLEBOT_DATABASE", str(tmp_path / "bot.sqlite3"))
    store = await open_store(tmp_path / "bot.sqlite3")
    bot = MLEBot(load_settings(None), Content(load_catalog()), store)
    scheduler, reminders = bot.services.scheduler, bot.services.reminders
    try:
        await bot.close()  # SIGTERM: closing, drain, scheduler.stop(), gateway...
        await bot.on_ready()  # ...and the READY the gateway had already delivered
        assert not scheduler.running, "the scheduler runs on after the bot closed"
        assert not reminders.running, "the reminders run on after the bot closed"
    finally:
        await scheduler.stop()
        await reminders.stop()
        await store.close()


async def test_a_button_click_during_shutdown_is_refused_or_answered(
    mlebot: BotProcess, fake_discord: FakeDiscord, fake_guild: GuildHandle
) -> None:
    guild = fake_guild
    await mlebot.wait_for_log("ready as")
    await schedule_due_now(mlebot, guild, guild.add_member("mod", admin=True))
    await fake_discord.wait_until(
        lambda: bool(weekly_posts(guild)), within=POST_WITHIN, what="the weekly post"
    )
    (post,) = weekly_posts(guild)
    bob = guild.add_member("bob")
    fake_discord.faults.slow(CALLBACK, 1.0)  # /privacy's answer: in flight at SIGTERM
    fake_discord.faults.slow(CALLBACK, 2.5)  # the click's answer: still on its way after that
    in_flight = asyncio.create_task(guild.invoke("/privacy"))
    await fake_discord.wait_until(
        lambda: sum(fake_discord.faults.hits.values()) == 1, within=5, what="/privacy's answer"
    )
    mlebot.process.send_signal(signal.SIGTERM)
    await mlebot.wait_for_log("received SIGTERM")
    try:
        reply = await guild.click(post, "Mark done", as_user=bob)
    except AssertionError as error:
        answer = f"no answer: {error}"
    else:
        answer = reply.content
    await in_flight
    await asyncio.wait_for(mlebot.process.wait(), EXIT_WITHIN)
    # Collect what went wrong here, so that it fails this test (not the fixtures' teardown).
    problems = fake_discord.take_failures()
    for record in fake_discord.interactions.values():
        if not record.callbacks:
            record.errors.append("checked by the test")
    mlebot.allow_traceback = True
    output = mlebot.output()
    assert answer == SHUTTING_DOWN or answer.startswith("✅ Recorded"), (answer, problems)
    assert "Traceback" not in output, output[output.find("Traceback") - 300 :][:3000]
