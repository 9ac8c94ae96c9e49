"""A small burst against the real bot: 200 interactions from 50 members, all at once.

The correctness half of ``bench/bench_burst.py`` (issue 8), not a timing benchmark: every
interaction answered within Discord's 3 s with a payload the fake accepts, every member's
completion stored exactly once while their ``/challenge done`` and Mark done click race each
other, and no traceback in the bot's log.
"""

from __future__ import annotations

import random
from pathlib import Path

from bench._burst_core import (
    check_writes,
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
            post = await post_weekly_challenge(fake, guild)
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
