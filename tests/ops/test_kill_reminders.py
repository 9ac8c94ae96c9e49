"""``kill -9`` of the real bot in the middle of a reminder DM, then a restart (issue 16).

The fake holds the bot's ``POST /channels/{dm}/messages`` (the reminder DM) and the bot is
SIGKILLed while it waits, with the ledger row ``claimed``: (a) before "Discord" stored the DM,
which then never arrives; (b) before it stored it, which it then does anyway (the request got
through, the answer did not); (c) after it stored it, before the bot could mark the ledger
``sent``. After a restart the member has exactly one reminder DM and the ledger says ``sent``:
the restarted bot looked through the member's DM channel for the reminder's marker (guild and
week, in the DM's Mark done button) before sending it again.
"""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.fakediscord.harness import GuildHandle
from tests.fakediscord.server import FakeDiscord
from tests.ops.botproc import (
    CREATE_MESSAGE,
    POST_WITHIN,
    hold_route,
    kill_9,
    query,
    restart_after_kill,
    rows_settle,
    running_bot,
    schedule_due_now,
    weekly_posts,
)

REMINDER_BUTTON = re.compile(
    r"mlebot:rdone:(?P<guild>[0-9]+):[a-z0-9-]+:(?P<week>[0-9]{4}-W[0-9]{2})"
)


def reminder_buttons(dm: dict[str, Any]) -> list[re.Match[str]]:
    found = []
    for row in dm.get("components") or []:
        for item in row.get("components") or []:
            match = REMINDER_BUTTON.fullmatch(str(item.get("custom_id", "")))
            if match is not None:
                found.append(match)
    return found


async def ledger_settles(database: Path, *, within: float = 15.0) -> list[tuple[Any, ...]]:
    """The reminder ledger once no row is ``claimed`` any more."""
    return await rows_settle(
        database,
        "SELECT user_id, iso_week, state FROM reminder_sends",
        lambda row: row[2] != "claimed",
        what="the reminder ledger",
        within=within,
    )


@pytest.mark.parametrize(
    ("hold_before", "delivered"),
    [(True, False), (True, True), (False, True)],
    ids=["in-flight-never-arrives", "in-flight-arrives-after-death", "stored-before-marked-sent"],
)
async def test_kill_9_in_the_middle_of_a_reminder_dm_gives_exactly_one_dm(
    fake_discord: FakeDiscord,
    fake_guild: GuildHandle,
    tmp_path: Path,
    hold_before: bool,
    delivered: bool,
) -> None:
    guild = fake_guild
    alice = guild.add_member("alice")
    async with running_bot(fake_discord, guild, tmp_path) as first:
        await first.wait_for_log("ready as")
        await schedule_due_now(first, guild, guild.add_member("mod", admin=True))
        await fake_discord.wait_until(
            lambda: bool(weekly_posts(guild)), within=POST_WITHIN, what="the weekly post"
        )
        hold = hold_route(fake_discord, CREATE_MESSAGE, before=hold_before)
        # Due this very minute (after the post, which went out a few minutes ago): the runner,
        # poked by /remind, sends it at once.
        now = datetime.now(UTC)
        reply = await guild.invoke(
            "/remind on",
            as_user=alice,
            day=now.strftime("%A"),
            time=now.strftime("%H:%M"),
            timezone="UTC",
        )
        assert reply.ephemeral, reply.content
        await asyncio.wait_for(hold.arrived.wait(), POST_WITHIN)
        claimed = query(first.database, "SELECT user_id, state FROM reminder_sends")
        assert claimed == [(alice.id, "claimed")]
        assert len(fake_discord.direct_messages(alice.id)) == (0 if hold_before else 1)

        await kill_9(first)
        if delivered:
            hold.release()  # "Discord" finishes the request of a client that is gone
        else:
            hold.drop()
        await fake_discord.wait_until(
            lambda: len(fake_discord.direct_messages(alice.id)) == int(delivered),
            within=5,
            what="the fake to settle",
        )
        looks_before = history_reads(fake_discord)

        bot = await restart_after_kill(fake_discord, guild, tmp_path, first)
        try:
            rows = await ledger_settles(bot.database)
            await asyncio.sleep(1.5)  # a second DM would come right behind
            dms = fake_discord.direct_messages(alice.id)
            assert len(dms) == 1, [dm.get("content") for dm in dms]
            [button] = reminder_buttons(dms[0])
            [(user_id, week, state)] = rows
            assert (user_id, state) == (alice.id, "sent")
            assert (int(button["guild"]), button["week"]) == (guild.id, week)
            assert "rdone" not in str(dms[0].get("content"))  # the marker is not shown
            # The restarted bot read the DM channel before deciding.
            assert history_reads(fake_discord) > looks_before
        finally:
            assert await bot.stop() == 0
        assert "Traceback" not in bot.output(), bot.output()[-6000:]


def history_reads(fake: FakeDiscord) -> int:
    """How many times the bot read a channel's history (its DM channel with alice, here)."""
    return sum(
        1
        for method, path in fake.requests
        if method == "GET" and re.fullmatch(r"/channels/[0-9]+/messages", path)
    )
