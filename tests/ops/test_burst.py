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

import pytest

from bench._burst_core import (
    CHANNEL,
    Action,
    BurstResult,
    Outcome,
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
from storage.store import open_store
from tests.fakediscord.instrumented import mention_problems
from tests.fakediscord.state import FakeChannel, FakeMember, FakeUser, InteractionRecord
from tests.postgres import ENGINES

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


def written(user_id: int, answer: str) -> Outcome:
    """A finished write of member ``user_id`` whose deferred reply was completed with ``answer``."""
    user = FakeUser(user_id, f"member{user_id}")
    channel = FakeChannel(50, CHANNEL, guild_id=10)
    action = Action("/challenge done", 2, FakeMember(user, 10), {}, channel, write=True)
    record = InteractionRecord(user_id, "token", 2, {}, 0.0, 10, channel.id, user)
    return Outcome(action, record, 0.1, deferred_answer=answer)


@pytest.mark.parametrize("engine", ENGINES)
async def test_the_write_check_reads_either_engine(
    engine: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """``check_writes`` (the bench's "no lost writes") on the bot's SQLite file or PostgreSQL:
    a member told "Recorded" with no completion stored, and totals that drift from the
    completions, are both reported."""
    database: Path | str = (
        tmp_path / "bot.sqlite3" if engine == "sqlite" else request.getfixturevalue("postgres_url")
    )
    async with await open_store(database) as store:
        for user_id in (1, 2):
            await store.progress.record_completion(10, user_id, "7", points=10)
        await store.progress.record_completion(10, 3, "8", points=5)  # another challenge
        await store.progress.record_completion(11, 4, "7", points=10)  # another guild
    post = {"components": [{"components": [{"custom_id": "mlebot:done:7:2026-W49"}]}]}
    outcomes = [written(1, "Recorded!"), written(1, "already marked"), written(2, "Recorded")]
    result = BurstResult("burst", outcomes, 1.0)
    check = check_writes(result, database, 10, post)
    assert (check.members, check.stored, check.recorded_replies, check.problems) == (2, 2, 2, [])

    result.outcomes.append(written(4, "Recorded"))  # told so, but stored in guild 11 only
    sql = "UPDATE members SET points_all = 99 WHERE guild_id = 10 AND user_id = 3"
    if isinstance(database, str):
        import psycopg  # noqa: PLC0415  (the postgres_url fixture skipped if missing)

        with psycopg.connect(database, autocommit=True) as conn:
            conn.execute(sql.encode())
    else:
        with sqlite3.connect(database) as writer:
            writer.execute(sql)
        writer.close()
    check = check_writes(result, database, 10, post)
    assert (check.members, check.stored, check.recorded_replies) == (3, 2, 3)
    assert len(check.problems) == 2, check.problems
    assert check.problems[0].startswith("leaderboard totals disagree with completions: [(3, 99, ")
    assert check.problems[1] == "1 member(s) have no stored completion: [4]"
