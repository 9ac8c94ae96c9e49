"""Opt-in reminders (issue 16) against the real bot and the fake Discord: a DM arrives once, at
the member's local time, for a member who asked and has not done the week; never for one who
did it or did not ask; a member with DMs closed is told once, at their next command.

The week's post goes out at once (``schedule_due_now``); the members ask for their reminder at
the next whole minute in their own zone (Asia/Kolkata, UTC+05:30), computed from now, so the
outcome is the same on any day.
"""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.reminders import REMINDER_DONE_TEMPLATE, carries_reminder_marker, reminder_custom_id
from scheduler.planning import IsoWeek
from scheduler.ports import reminder_marker
from tests.fakediscord.harness import GuildHandle
from tests.fakediscord.server import FakeDiscord
from tests.ops.botproc import POST_WITHIN, query, running_bot, schedule_due_now, weekly_posts

ZONE = "Asia/Kolkata"


async def test_a_reminder_dm_arrives_once_at_the_members_time_only_for_who_asked(
    fake_discord: FakeDiscord, fake_guild: GuildHandle, tmp_path: Path
) -> None:
    guild = fake_guild
    alice, bob, carol, dave = (guild.add_member(n) for n in ("alice", "bob", "carol", "dave"))
    dave.user.dms_closed = True
    async with running_bot(fake_discord, guild, tmp_path) as bot:
        await bot.wait_for_log("ready as")
        await schedule_due_now(bot, guild, guild.add_member("mod", admin=True))
        await fake_discord.wait_until(
            lambda: bool(weekly_posts(guild)), within=POST_WITHIN, what="the weekly post"
        )
        [post] = weekly_posts(guild)
        done = await guild.click(post, "Mark done", as_user=bob)
        assert "Recorded" in done.content, done.content

        now = datetime.now(UTC)
        ahead = 2 if now.second > 40 else 1  # at least 20 s to set the reminders up
        due = (now + timedelta(minutes=ahead)).replace(second=0, microsecond=0)
        local = due.astimezone(ZoneInfo(ZONE))
        for member in (alice, bob, dave):
            reply = await guild.invoke(
                "/remind on",
                as_user=member,
                day=local.strftime("%A"),
                time=local.strftime("%H:%M"),
                timezone="IST",
            )
            assert reply.ephemeral
            assert f"({ZONE})" in reply.content, reply.content
        status = await guild.invoke("/remind status", as_user=carol)
        assert "off" in status.content, status.content

        await fake_discord.wait_until(
            lambda: bool(fake_discord.direct_messages(alice.id)),
            within=(due - datetime.now(UTC)).total_seconds() + 15,
            what="alice's reminder",
        )
        [dm] = fake_discord.direct_messages(alice.id)
        arrived = datetime.fromisoformat(dm["timestamp"])
        assert due <= arrived < due + timedelta(seconds=10), (due, arrived)
        assert "Reminder" in dm["content"]
        await asyncio.sleep(2.0)  # a second DM would come right behind
        assert len(fake_discord.direct_messages(alice.id)) == 1
        assert fake_discord.direct_messages(bob.id) == []  # had done it
        assert fake_discord.direct_messages(carol.id) == []  # never asked
        assert fake_discord.direct_messages(dave.id) == []  # DMs closed

        # The DM's Mark done records for the server, though a DM has no server.
        clicked = await guild.click(dm, "Mark done", as_user=alice)
        assert "Recorded" in clicked.content, clicked.content
        # Dave is told at his next command, once.
        first = await guild.invoke("/remind status", as_user=dave)
        await first.wait_followups(1)
        assert "DMs are closed" in first.text, first.text
        assert "off" in first.content
        second = await guild.invoke("/remind status", as_user=dave)
        await asyncio.sleep(0.5)
        assert "DMs are closed" not in second.text
        assert await bot.stop() == 0
    sends = query(bot.database, "SELECT user_id, state FROM reminder_sends ORDER BY state")
    assert sorted(sends) == sorted([(alice.id, "sent"), (bob.id, "done"), (dave.id, "failed")])
    completions = query(bot.database, "SELECT user_id FROM completions ORDER BY user_id")
    assert sorted(completions) == sorted([(alice.id,), (bob.id,)])


def test_the_dm_button_carries_the_reminders_marker_and_older_buttons_still_match() -> None:
    """Guild and week in the custom_id identify the DM after a crash; DMs sent before the week
    was added (``mlebot:rdone:<guild>:<challenge>``) still record when clicked."""
    week, other = IsoWeek(2026, 48), IsoWeek(2026, 49)
    custom_id = reminder_custom_id(123, "linear-regression", str(week))
    assert custom_id == "mlebot:rdone:123:linear-regression:2026-W48"
    assert carries_reminder_marker(custom_id, reminder_marker(123, week))
    assert not carries_reminder_marker(custom_id, reminder_marker(123, other))
    assert not carries_reminder_marker(custom_id, reminder_marker(124, week))
    legacy = reminder_custom_id(123, "linear-regression")
    match = re.fullmatch(REMINDER_DONE_TEMPLATE, legacy)
    assert match is not None
    assert (match["guild"], match["challenge"], match["week"]) == ("123", "linear-regression", None)
    assert not carries_reminder_marker(legacy, reminder_marker(123, week))
    assert not carries_reminder_marker("mlebot:done:linear-regression:2026-W48", "2026-W48")
