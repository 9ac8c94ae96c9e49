"""Issue 7's "done when", against the real bot process and the fake Discord.

Configure a schedule, let the post go out, press Mark done as several members, restart the bot
(and kill it), press again, and check progress, streaks and leaderboards, with exactly one post
for the week however often the bot restarts.

The schedule is set to today, a few minutes ago (UTC), so the scheduler's own catch-up sends this
week's post right after ``/admin schedule``: the post goes out the way a late post would after
downtime. "Today" is a fixed Wednesday afternoon (``bot_clock``: this process and every bot it
starts share that clock), so the test is the same on every day.
"""

from __future__ import annotations

import asyncio
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from content.loader import load_catalog
from storage.models import IsoWeek
from tests.e2e.conftest import BotProcess, start_bot
from tests.fakediscord.harness import GuildHandle, Reply, weekly_post_week
from tests.fakediscord.server import FakeDiscord

Json = dict[str, Any]
POST_WITHIN = 15.0
BOT_CLOCK = "2026-12-02 15:00:00"  # Wednesday, UTC

pytestmark = pytest.mark.bot_clock(BOT_CLOCK)
CHANNEL = "challenges"


def weekly_posts(guild: GuildHandle) -> list[Json]:
    return [m for m in guild.messages(CHANNEL) if weekly_post_week(m) is not None]


async def wait_for_one_post(fake: FakeDiscord, guild: GuildHandle) -> Json:
    await fake.wait_until(
        lambda: bool(weekly_posts(guild)), within=POST_WITHIN, what="the weekly post"
    )
    await asyncio.sleep(1.0)  # a duplicate would arrive right behind it
    posts = weekly_posts(guild)
    assert len(posts) == 1, f"expected exactly one weekly post, found {len(posts)}"
    return posts[0]


async def click_done(guild: GuildHandle, post: Json, member: Any) -> Reply:
    reply = await guild.click(post, "Mark done", as_user=member)
    assert reply.ephemeral, "a Mark done answer is private"
    return reply


def field(reply: Reply, name: str) -> str:
    for embed in reply.embeds:
        for item in embed.get("fields") or []:
            if item["name"] == name:
                return str(item["value"])
    raise AssertionError(f"no field {name!r} in {reply.text!r}")


async def restart(
    bot: BotProcess, fake: FakeDiscord, guild: GuildHandle, workdir: Path, *, crash: bool
) -> BotProcess:
    """Stop the bot (SIGTERM, or SIGKILL for a crash) and start it again on the same database."""
    if crash:
        bot.process.send_signal(signal.SIGKILL)
        await bot.process.wait()
    else:
        assert await bot.stop() == 0
    assert "Traceback" not in bot.output(), bot.output()[-4000:]
    await fake.wait_until(lambda: not fake.connected, within=10, what="the old gateway to close")
    return await start_bot(fake, guild, workdir)


async def test_weekly_post_buttons_progress_and_leaderboard_survive_restarts(
    mlebot: BotProcess, fake_discord: FakeDiscord, fake_guild: GuildHandle, tmp_path: Path
) -> None:
    guild = fake_guild
    mod = guild.add_member("mod", admin=True)
    alice, bob, carol = (guild.add_member(name) for name in ("alice", "bob", "carol"))

    # ---- configure: Mondays 00:00 UTC from last week's Monday, so this week is challenge 2
    # and its post time has always passed (on any day and hour the test runs): it was before
    # the schedule existed, so nothing goes out on its own until /admin post-now.
    this_monday = IsoWeek.of(datetime.now(UTC).date()).monday()
    saved = await guild.invoke(
        "/admin schedule",
        as_user=mod,
        channel=CHANNEL,
        weekday="Monday",
        time="00:00",
        timezone="UTC",
        season_start=(this_monday - timedelta(days=7)).isoformat(),
    )
    assert saved.ephemeral
    assert saved.content.startswith("Saved."), saved.content
    assert "challenge 2 of" in saved.content, saved.content
    assert "passed before the schedule was set" in saved.content, saved.content
    await asyncio.sleep(1.0)  # the reschedule's catch-up would have posted by now
    assert weekly_posts(guild) == []
    posted = await guild.invoke("/admin post-now", as_user=mod)
    assert "Posted this week's challenge" in posted.text, posted.text

    # ---- the post goes out once, with the button
    post = await wait_for_one_post(fake_discord, guild)
    assert post["embeds"][0]["title"].startswith("Challenge 2: ")
    assert "late" not in (post["embeds"][0].get("description") or "").lower()
    (row,) = post["components"]
    (button,) = row["components"]
    assert (button["label"], button["custom_id"]) == ("Mark done", button["custom_id"])
    assert button["custom_id"].startswith("mlebot:done:")

    # ---- several members press Mark done; a second press changes nothing
    for member in (alice, bob):
        pressed = await click_done(guild, post, member)
        assert "Recorded" in pressed.content, pressed.content
    again = await click_done(guild, post, alice)
    assert "already marked" in again.content

    # ---- post-now respects the ledger
    now = await guild.invoke("/admin post-now", as_user=mod)
    assert "already posted" in now.text, now.text
    assert len(weekly_posts(guild)) == 1

    # ---- restart, then crash: still one post; the old post's button still works
    bot = await restart(mlebot, fake_discord, guild, tmp_path, crash=False)
    try:
        post = await wait_for_one_post(fake_discord, guild)
        pressed = await click_done(guild, post, carol)
        assert "Recorded" in pressed.content, pressed.content
        assert "already marked" in (await click_done(guild, post, bob)).content
        bot = await restart(bot, fake_discord, guild, tmp_path, crash=True)
        post = await wait_for_one_post(fake_discord, guild)

        # ---- progress: points, streak, rank, what is left
        mine = await guild.invoke("/progress", as_user=alice)
        assert mine.ephemeral
        week_2 = load_catalog().challenges[1].points  # the bundled season's challenge 2
        assert field(mine, "Season points") == str(week_2)
        assert field(mine, "Current streak") == "1 week"
        assert field(mine, "Rank this season") == "#1 of 3"
        assert "Still ahead this season" in mine.text
        peek = await guild.invoke("/progress", as_user=alice, member=bob)
        assert "only moderators" in peek.text

        # ---- leaderboard: moderators by default, public on request
        denied = await guild.invoke("/leaderboard", as_user=alice)
        assert denied.ephemeral
        assert "moderators only" in denied.text
        board = await guild.invoke("/leaderboard", as_user=mod, period="season")
        assert board.ephemeral
        for name in ("Alice", "Bob", "Carol"):
            assert f"**1.** {name} — **{week_2}** pts" in board.text  # equal points share the rank
        assert board.text.index("Alice") < board.text.index("Bob")  # Alice got there first
        await guild.invoke("/admin leaderboard-visibility", as_user=mod, visibility="public")
        public = await guild.invoke("/leaderboard", as_user=alice)
        assert not public.ephemeral
        assert "3 members ranked" in public.text

        # ---- the command path, corrections and undo
        dave = guild.add_member("dave")
        done = await guild.invoke("/challenge done", as_user=dave, note="notebook link")
        assert "Recorded" in done.content
        assert "already marked" in (await click_done(guild, post, dave)).content
        undone = await guild.invoke("/challenge undo", as_user=dave)
        assert "Removed your completion" in undone.content
        marked = await guild.invoke(
            "/admin mark", as_user=mod, member=dave, challenge="python-foundations"
        )
        assert "Recorded in the audit log" in marked.content
        current = await guild.invoke("/challenge current", as_user=dave)
        assert current.ephemeral
        assert "Not done yet" in current.text

        # ---- export and forget-me
        export = await guild.invoke("/admin export", as_user=mod)
        assert export.message is not None
        assert export.message["attachments"], "the CSV is attached"
        forget = await guild.invoke("/forget-me", as_user=bob)
        confirmed = await forget.click("Delete my data", as_user=bob)
        assert "deleted your data" in confirmed.text
        after = await guild.invoke("/leaderboard", as_user=mod, period="season")
        assert "Bob" not in after.text
        assert "Alice" in after.text
        assert len(weekly_posts(guild)) == 1
    finally:
        await bot.stop()
    assert "Traceback" not in bot.output(), bot.output()[-6000:]
