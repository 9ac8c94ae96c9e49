"""A small burst against the real bot: 200 interactions from 50 members, all at once.

The correctness half of ``bench/bench_burst.py`` (issue 8), not a timing benchmark: every
interaction answered within Discord's 3 s with a payload the fake accepts, every member's
completion stored exactly once while their ``/challenge done`` and Mark done click race each
other, and no traceback in the bot's log.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
from pathlib import Path

from bench._burst_core import (
    CHANNEL,
    check_writes,
    command_data,
    done_button,
    fire,
    launch,
    mixed_burst,
    new_world,
    post_weekly_challenge,
    summary_counts,
)
from tests.fakediscord.instrumented import mention_problems

INTERACTIONS = 200
MEMBERS = 50


async def test_burst_from_many_members_is_answered_in_time_without_lost_writes(
    tmp_path: Path,
) -> None:
    fake, guild, members = new_world(MEMBERS)
    await fake.start()
    try:
        bot = await launch(fake, guild, tmp_path)
        try:
            post = await post_weekly_challenge(fake, guild, bot)
            actions = mixed_burst(
                guild, members, post, interactions=INTERACTIONS, rng=random.Random(8)
            )
            counts = summary_counts(actions)
            assert counts["/challenge done"] == counts["Mark done clicks"] == MEMBERS
            result = await fire(fake, actions, name="burst", bot=bot)
            assert not result.problems, "\n".join(result.problems[:20])
            assert len(result.latencies()) == INTERACTIONS
            assert result.latencies()[-1] < 3.0

            writes = check_writes(result, bot.database, guild.id, post)
            assert not writes.problems, "\n".join(writes.problems[:20])
            assert (writes.members, writes.stored, writes.recorded_replies) == (MEMBERS,) * 3

            # The bot agrees: a member's /progress counts the one completion.
            progress = await guild.invoke("/progress", as_user=members[0])
            assert "1 of " in progress.text, progress.text
            assert not mention_problems(fake.sent)
        finally:
            await bot.stop()
        assert "Traceback" not in bot.output(), bot.output()[-6000:]
    finally:
        await fake.close()
    fake.assert_no_failures()


CALLBACK = "POST /interactions/{interaction_id}/{interaction_token}/callback"


async def test_an_answer_too_late_for_discord_keeps_the_write_quietly(tmp_path: Path) -> None:
    fake, guild, members = new_world(1)
    await fake.start()
    try:
        bot = await launch(fake, guild, tmp_path)
        try:
            await post_weekly_challenge(fake, guild, bot)
            fake.faults.slow(CALLBACK, 3.3)  # the answer arrives after Discord's 3 s
            record = await fake.send_interaction(
                kind=2,
                data=command_data(guild, "/challenge done", {}),
                user=members[0].user,
                channel=guild.default_channel,
            )
            await fake.wait_until(
                lambda: bool(record.errors), within=10, what="the late answer to be refused"
            )
            await asyncio.sleep(0.5)  # room for what the bot does after the refusal
            fake.take_failures()  # the late answer itself is what this test provokes

            with sqlite3.connect(f"{bot.database.as_uri()}?mode=ro", uri=True) as conn:
                stored = conn.execute("SELECT count(*) FROM completions").fetchone()[0]
            conn.close()
            assert stored == 1, "the completion is kept although the answer was late"

            prefix = f"/interactions/{record.id}/"
            attempts = [p for m, p in fake.requests if m == "POST" and p.startswith(prefix)]
            assert len(attempts) == 1, f"{len(attempts)} callbacks after 10062 Unknown interaction"
        finally:
            await bot.stop()
        assert "Traceback" not in bot.output(), bot.output()[-3000:]
    finally:
        await fake.close()


async def test_a_write_held_up_past_two_seconds_is_deferred_then_completed(
    tmp_path: Path,
) -> None:
    """Another connection holds the write lock for 2.7 s: the bot defers both writes in time
    and completes them with the "Recorded" answer once their commit is through."""
    fake, guild, members = new_world(2)
    await fake.start()
    try:
        bot = await launch(fake, guild, tmp_path)
        try:
            post = await post_weekly_challenge(fake, guild, bot)
            holder = sqlite3.connect(bot.database, isolation_level=None)
            holder.execute("BEGIN IMMEDIATE")  # the bot's writes wait (busy timeout 5 s)
            try:
                records = await asyncio.gather(
                    fake.send_interaction(
                        kind=2,
                        data=command_data(guild, "/challenge done", {}),
                        user=members[0].user,
                        channel=guild.default_channel,
                    ),
                    fake.send_interaction(
                        kind=3,
                        data={"custom_id": done_button(post), "component_type": 2},
                        user=members[1].user,
                        channel=guild.channel(CHANNEL),
                        message=post,
                    ),
                )
                await fake.wait_until(
                    lambda: all(r.response_type == 5 for r in records),
                    within=2.6,
                    what="both writes deferred",
                )
                assert all(r.original_edits == 0 for r in records)  # not recorded yet
                await asyncio.sleep(2.7 - 2.0)
            finally:
                holder.execute("COMMIT")
                holder.close()
            await fake.wait_until(
                lambda: all(r.original_edits for r in records), within=5, what="the answers"
            )
            for record in records:
                latency = fake.answer_latency(record.id)
                assert latency is not None
                assert latency < 3.0
                assert record.callbacks[0]["data"]["flags"] & 64  # ephemeral
                assert record.original_message_id is not None
                answer = fake.messages[record.original_message_id]
                assert "Recorded" in answer["content"], answer
            with sqlite3.connect(f"{bot.database.as_uri()}?mode=ro", uri=True) as conn:
                stored = conn.execute("SELECT count(*) FROM completions").fetchone()[0]
            conn.close()
            assert stored == 2
        finally:
            await bot.stop()
        assert "Traceback" not in bot.output(), bot.output()[-3000:]
    finally:
        await fake.close()
    fake.assert_no_failures()
