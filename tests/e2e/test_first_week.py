"""Issue 12's "done when": a study group's first week, on any day of the week.

A moderator sets the schedule (Monday 09:00 Europe/Berlin, no season start) and runs
``/admin post-now`` on a Wednesday afternoon, a Saturday evening, or on Sunday 23:30 UTC at the
end of ISO week 2026-W53. Each time: exactly one weekly post (challenge 1), not labelled late;
``/admin show``, ``/challenge current`` and ``/progress`` agree with it.

The bot process runs at the instant under libfaketime, and this process (the fake Discord) at
the same instant under time-machine (``bot_clock``, see tests/conftest.py); without
libfaketime the test skips with one line saying so.
"""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.health import heartbeat_path
from tests.e2e.conftest import BotProcess
from tests.fakediscord.harness import GuildHandle, Reply
from tests.fakediscord.server import FakeDiscord

Json = dict[str, Any]
CHANNEL = "challenges"
FIRST = "Python foundations"  # challenge 1 of the bundled season
LATE = re.compile(r"\b(late|offline)\b", re.IGNORECASE)

INSTANTS = [
    pytest.param(
        "2026-12-02 15:00:00", marks=pytest.mark.bot_clock("2026-12-02 15:00:00"), id="wed-15h"
    ),
    pytest.param(
        "2026-12-05 19:00:00", marks=pytest.mark.bot_clock("2026-12-05 19:00:00"), id="sat-19h"
    ),
    pytest.param(
        # Sunday 23:30 UTC, the last half hour of 2026-W53 (already Monday 00:30 in Berlin).
        "2027-01-03 23:30:00",
        marks=pytest.mark.bot_clock("2027-01-03 23:30:00"),
        id="sun-23h30-w53",
    ),
]


def weekly_posts(guild: GuildHandle) -> list[Json]:
    """Messages in #challenges carrying a Mark done button (the weekly posts)."""
    return [
        message
        for message in guild.messages(CHANNEL)
        if any(
            str(button.get("custom_id", "")).startswith("mlebot:done:")
            for row in message.get("components") or []
            for button in row.get("components") or []
        )
    ]


def message_text(message: Json) -> str:
    parts = [str(message.get("content") or "")]
    for embed in message.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        parts += [f"{f.get('name', '')}\n{f.get('value', '')}" for f in embed.get("fields") or []]
        parts.append((embed.get("footer") or {}).get("text") or "")
    return "\n".join(parts)


def field(reply: Reply, name: str) -> str:
    for embed in reply.embeds:
        for item in embed.get("fields") or []:
            if item["name"] == name:
                return str(item["value"])
    return ""


async def bots_clock(bot: BotProcess) -> datetime:
    """The time the bot process reads: the ``ts`` of the heartbeat it writes when it connects."""
    path = heartbeat_path(bot.database)
    for _ in range(100):
        if path.exists():
            try:
                return datetime.fromisoformat(json.loads(path.read_text("utf-8"))["ts"])
            except (ValueError, KeyError):
                pass  # caught between two writes
        await asyncio.sleep(0.1)
    raise AssertionError(f"the bot wrote no heartbeat at {path}")


@pytest.mark.parametrize("instant", INSTANTS)
async def test_schedule_then_post_now_posts_challenge_one_on_any_day(
    instant: str, mlebot: BotProcess, fake_discord: FakeDiscord, fake_guild: GuildHandle
) -> None:
    guild = fake_guild
    await mlebot.wait_for_log("ready as")  # the scheduler starts with the bot
    at = datetime.fromisoformat(instant).replace(tzinfo=UTC)
    seen = await bots_clock(mlebot)
    assert abs(seen - at) < timedelta(minutes=2), f"the bot's clock reads {seen}, not {at}"

    mod = guild.add_member("mod", admin=True)
    member = guild.add_member("ada")
    saved = await guild.invoke(
        "/admin schedule",
        as_user=mod,
        channel=CHANNEL,
        weekday="Monday",
        time="09:00",
        timezone="Europe/Berlin",
    )
    assert saved.content.startswith("Saved."), saved.content

    posted = await guild.invoke("/admin post-now", as_user=mod)
    await asyncio.sleep(1.0)  # a second post would arrive right behind the first
    posts = weekly_posts(guild)
    assert len(posts) == 1, f"{len(posts)} weekly posts; /admin post-now said {posted.text!r}"
    (post,) = posts
    title = post["embeds"][0]["title"]
    assert title == f"Challenge 1: {FIRST}", title
    assert not LATE.search(message_text(post)), message_text(post)
    assert not LATE.search(posted.text), posted.text

    shown = await guild.invoke("/admin show", as_user=mod)
    assert re.search(r"\bchallenge 1\b", shown.text, re.IGNORECASE), shown.text
    assert FIRST in shown.text, shown.text

    current = await guild.invoke("/challenge current", as_user=member)
    assert current.embeds, current.text
    assert current.embeds[0]["title"] == title, current.text

    clicked = await guild.click(post, "Mark done", as_user=member)
    assert "Recorded" in clicked.text, clicked.text
    progress = await guild.invoke("/progress", as_user=member)
    assert f"1. {FIRST}" in field(progress, "Done"), progress.text
    assert FIRST not in field(progress, "Still ahead on the roadmap"), progress.text
    assert len(weekly_posts(guild)) == 1
