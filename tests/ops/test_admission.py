"""The admission limit on the real bot (``bot.lag.Admission``): at most ``LIMIT``
(``MLEBOT_MAX_HANDLERS``) interaction handlers at once, admitted in arrival order, and the
lateness rules still hold for the interactions that waited their turn.

A handler holds its slot until its answer is through, so the fake holding the first
``LIMIT`` answers (a slow callback) holds every slot: what the bot sends meanwhile, and
in which order, shows the limit from outside.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from bench._burst_core import (
    autocomplete_action,
    command_action,
    command_data,
    launch,
    new_world,
    post_weekly_challenge,
)
from bot.lag import ANSWER_BY
from tests.fakediscord.harness import GuildHandle
from tests.fakediscord.instrumented import CALLBACK_ROUTE, InstrumentedFakeDiscord
from tests.fakediscord.state import FakeMember, InteractionRecord

#: The bot's limit here (``MLEBOT_MAX_HANDLERS``; the default, 256, is sized for bursts and
#: would make these tests slow on a busy machine, the behaviour is the same).
LIMIT = 32
#: How long the fake holds each of the first ``LIMIT`` answers.
HOLD = 1.4
#: Interactions sent behind the ones that take every slot.
BEHIND = 4


async def autocompletes(
    fake: InstrumentedFakeDiscord, guild: GuildHandle, member: FakeMember, count: int
) -> list[asyncio.Task[InteractionRecord]]:
    """``count`` autocompletes (no cooldown, cheap), dispatched in this order."""
    action = autocomplete_action(guild, member, "/role", "name", "ml")
    return [
        asyncio.create_task(
            fake.send_interaction(
                kind=action.kind, data=action.data, user=member.user, channel=action.channel
            )
        )
        for _ in range(count)
    ]


def challenge_done(
    fake: InstrumentedFakeDiscord, guild: GuildHandle, member: FakeMember
) -> asyncio.Task[InteractionRecord]:
    return asyncio.create_task(
        fake.send_interaction(
            kind=2,
            data=command_data(guild, "/challenge done", {}),
            user=member.user,
            channel=guild.default_channel,
        )
    )


def completions_of(database: Path, *members: FakeMember) -> int:
    with sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True) as conn:
        marks = ",".join("?" * len(members))
        sql = f"SELECT count(*) FROM completions WHERE user_id IN ({marks})"
        count: int = conn.execute(sql, [m.user.id for m in members]).fetchone()[0]
    conn.close()
    return count


async def test_handlers_beyond_the_limit_wait_their_turn_in_arrival_order(
    tmp_path: Path,
) -> None:
    """The fake holds the first ``LIMIT`` answers for ``HOLD`` s: nothing more reaches
    it meanwhile; the interactions behind, reads and a write, are the ones sent last and are
    answered once slots free up; the write, though it starts late, commits at once and is
    answered "Recorded" without a defer (a defer is one more request)."""
    fake, guild, members = new_world(4)
    await fake.start()
    try:
        bot = await launch(fake, guild, tmp_path, env={"MLEBOT_MAX_HANDLERS": str(LIMIT)})
        try:
            await post_weekly_challenge(fake, guild, bot)
            fake.faults.slow(CALLBACK_ROUTE, HOLD, times=LIMIT)
            first = await autocompletes(fake, guild, members[0], LIMIT)
            read = command_action(guild, members[1], "/roadmap", {})
            behind = [
                *await autocompletes(fake, guild, members[0], BEHIND - 2),
                asyncio.create_task(
                    fake.send_interaction(
                        kind=2, data=read.data, user=members[1].user, channel=read.channel
                    )
                ),
                challenge_done(fake, guild, members[2]),
            ]
            records = await asyncio.gather(*first, *behind)
            write = records[-1]
            await fake.wait_until(
                lambda: all(r.callbacks for r in records),
                within=10,
                what="every answer",
            )
            arrived = {r.id: fake.callback_arrived[r.id] for r in records}
            order = sorted(arrived, key=arrived.__getitem__)
            start = arrived[order[0]]
            # Every slot was held until the held answers were through: nothing else came.
            held = [i for i in order if arrived[i] < start + HOLD - 0.05]
            assert len(held) == LIMIT, (len(held), LIMIT)
            # The ones that waited are the ones sent last (first come, first served).
            assert set(order[LIMIT:]) == {r.id for r in records[LIMIT:]}
            # The write started about HOLD s late, within the 2 s it may take before a defer.
            assert write.response_type == 4, write.callbacks
            assert "Recorded" in write.callbacks[0]["data"]["content"]
            for record in records:
                latency = fake.answer_latency(record.id)
                assert latency is not None
                assert latency < 3.0
        finally:
            await bot.stop()
        assert "Traceback" not in bot.output(), bot.output()[-3000:]
    finally:
        await fake.close()
    fake.assert_no_failures()


async def test_interactions_whose_turn_comes_too_late_are_dropped_and_write_nothing(
    tmp_path: Path,
) -> None:
    """The fake holds every slot past Discord's 3 s (those autocompletes are refused: one
    short log line each, no traceback); the writes and the read queued behind reach their
    turn past ``ANSWER_BY``: dropped unanswered, logged "expired", nothing stored."""
    fake, guild, members = new_world(4)
    await fake.start()
    try:
        bot = await launch(fake, guild, tmp_path, env={"MLEBOT_MAX_HANDLERS": str(LIMIT)})
        try:
            await post_weekly_challenge(fake, guild, bot)
            late_by = ANSWER_BY + 0.8  # past 3 s too: Discord refuses these answers
            fake.faults.slow(CALLBACK_ROUTE, late_by, times=LIMIT)
            first = await autocompletes(fake, guild, members[0], LIMIT)
            read = command_action(guild, members[1], "/roadmap", {})
            behind = [
                challenge_done(fake, guild, members[2]),
                asyncio.create_task(
                    fake.send_interaction(
                        kind=2, data=read.data, user=members[1].user, channel=read.channel
                    )
                ),
                challenge_done(fake, guild, members[3]),
            ]
            records = await asyncio.gather(*first, *behind)
            await fake.wait_until(
                lambda: all(r.errors for r in records[:LIMIT]),
                within=10,
                what="the held answers refused as late",
            )
            await bot.wait_for_log("/challenge done expired", within=5)
            await asyncio.sleep(0.5)  # room for anything the bot might still send
            fake.take_failures()  # the late autocompletes are what this test provokes

            for record in records[LIMIT:]:
                assert not record.callbacks, record.callbacks
                assert not record.followup_ids
            assert completions_of(bot.database, members[2], members[3]) == 0
            output = bot.output()
            assert output.count(" expired in ") >= len(behind), output[-3000:]
            assert "autocomplete for /role answered too late for Discord (10062)" in output
        finally:
            await bot.stop()
        assert "Traceback" not in bot.output(), bot.output()[-3000:]
        assert "Ignoring exception in autocomplete" not in bot.output()
    finally:
        await fake.close()
    with pytest.raises(AssertionError) as unanswered:
        fake.assert_no_failures()
    dropped = {r.id for r in records[LIMIT:]}
    said = {int(line.split()[1]) for line in str(unanswered.value).splitlines()[1:]}
    assert said == dropped, str(unanswered.value)  # those, and nothing else, went unanswered
