"""Guild ownership with several processes: each schedules only the guilds on its shards.

Real SQLite stores on ``tmp_path``; one database shared by a "process" running shard 0 of 2 and
one running shard 1 of 2 (two schedulers, as two processes would have).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from content.models import Catalog
from scheduler.jobs import Outcome, PostPolicy, post_weekly_challenge
from scheduler.planning import IsoWeek
from scheduler.reminders import ReminderScheduler
from scheduler.runner import ChallengeScheduler
from scheduler.shards import EVERY_GUILD, Ownership, owns, shard_of
from storage.models import ReminderPref
from storage.store import Store
from tests.scheduler.doubles import DAY, HOUR, FakeSleep, ScriptedPublisher, guild, new_store, utc
from tests.scheduler.fakes import FakeClock, Inbox

MONDAY_W48 = utc(2026, 11, 23, 9, 0)  # guild()'s first post: challenge 1
#: Guild ids as Discord makes them (timestamp << 22): shard = timestamp % shard count.
ON_SHARD_0 = (1_000_000_000 << 22) | 7
ON_SHARD_1 = (1_000_000_001 << 22) | 7
SHARD_0_OF_2 = Ownership(2, frozenset({0}))
SHARD_1_OF_2 = Ownership(2, frozenset({1}))
ALICE = 11


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(MONDAY_W48 - DAY)  # when the guilds were set up


@pytest.fixture
async def store(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Store]:
    """One database with a guild on each shard, both posting Mondays 09:00 UTC; "now" is an
    hour after both first posts fell due (the processes start late: catch-up posts them)."""
    store = await new_store(tmp_path, clock)
    for guild_id, channel in ((ON_SHARD_0, 100), (ON_SHARD_1, 200)):
        await store.settings.save(guild(guild_id, channel_id=channel))
    clock.set(MONDAY_W48 + HOUR)
    yield store
    await store.close()


def test_discords_formula() -> None:
    assert shard_of(ON_SHARD_0, 2) == 0
    assert shard_of(ON_SHARD_1, 2) == 1
    assert shard_of(ON_SHARD_1, 1) == 0
    assert shard_of(175928847299117063, 4) == (175928847299117063 >> 22) % 4
    assert owns(ON_SHARD_1, 2, [1])
    assert not owns(ON_SHARD_1, 2, [0])
    assert owns(ON_SHARD_1, 2, [0, 1])


def test_ownership_from_the_settings() -> None:
    assert Ownership.of(None, None) is EVERY_GUILD
    assert EVERY_GUILD(ON_SHARD_0)
    assert EVERY_GUILD(ON_SHARD_1)
    assert EVERY_GUILD.every_guild
    every = Ownership.of(2, None)
    assert every(ON_SHARD_0)
    assert every(ON_SHARD_1)
    assert every.every_guild
    assert Ownership.of(2, [0, 1]).every_guild
    some = Ownership.of(2, [1])
    assert not some.every_guild
    assert (some(ON_SHARD_0), some(ON_SHARD_1)) == (False, True)
    assert str(Ownership.of(4, [3, 1])) == "shard(s) 1,3 of 4"
    with pytest.raises(ValueError, match="below 2"):
        Ownership.of(2, [2])
    with pytest.raises(ValueError, match="at least 1"):
        Ownership(0)


def _scheduler(
    store: Store, catalog: Catalog, publisher: ScriptedPublisher, clock: FakeClock, owns: Ownership
) -> ChallengeScheduler:
    return ChallengeScheduler(
        store,
        lambda: catalog,
        publisher,
        clock,
        retry_delays=(0.0,),
        sleep=FakeSleep(),
        owns=owns,
    )


async def test_a_process_never_posts_for_a_guild_on_another_shard(
    store: Store, catalog: Catalog, clock: FakeClock
) -> None:
    first = ScriptedPublisher(clock)
    shard_0 = _scheduler(store, catalog, first, clock, SHARD_0_OF_2)
    await shard_0.start()
    try:
        await shard_0.wait_idle()
        # Arming, catch-up and re-arming (reschedule, as /admin schedule would) skip guild 1.
        assert shard_0.next_post_for(ON_SHARD_0) == MONDAY_W48 + 7 * DAY
        assert shard_0.next_post_for(ON_SHARD_1) is None
        assert await shard_0.reschedule(ON_SHARD_1) is None
        await shard_0.sweep()
        await shard_0.wait_idle()
    finally:
        await shard_0.stop()
    assert [(p.guild_id, p.channel_id) for p in first.sent] == [(ON_SHARD_0, 100)]
    assert await store.posts.latest_sent(ON_SHARD_1) is None

    # The other process (shard 1) posts its guild, and only it, once.
    second = ScriptedPublisher(clock)
    second._next_id = 5000  # another process's messages: other ids
    shard_1 = _scheduler(store, catalog, second, clock, SHARD_1_OF_2)
    await shard_1.start()
    try:
        await shard_1.wait_idle()
    finally:
        await shard_1.stop()
    assert [(p.guild_id, p.channel_id) for p in second.sent] == [(ON_SHARD_1, 200)]
    for guild_id in (ON_SHARD_0, ON_SHARD_1):
        latest = await store.posts.latest_sent(guild_id)
        assert latest is not None
        assert latest.week == IsoWeek(2026, 48)


async def test_without_ownership_one_process_posts_for_every_guild(
    store: Store, catalog: Catalog, clock: FakeClock
) -> None:
    publisher = ScriptedPublisher(clock)
    scheduler = _scheduler(store, catalog, publisher, clock, EVERY_GUILD)
    await scheduler.start()
    try:
        await scheduler.wait_idle()
    finally:
        await scheduler.stop()
    assert sorted(p.guild_id for p in publisher.sent) == [ON_SHARD_0, ON_SHARD_1]


async def test_reminders_only_for_guilds_on_this_processs_shards(
    store: Store, catalog: Catalog, clock: FakeClock
) -> None:
    publisher = ScriptedPublisher(clock)
    for guild_id in (ON_SHARD_0, ON_SHARD_1):
        outcome = await post_weekly_challenge(
            store,
            catalog,
            publisher,
            clock,
            guild_id,
            policy=PostPolicy(sleep=FakeSleep()),
        )
        assert outcome.outcome is Outcome.SENT
        await store.reminders.save(ReminderPref(guild_id, ALICE))
    clock.set(utc(2026, 11, 29, 18, 0))  # the default reminder: Sunday 18:00 in UTC
    shard_1_inbox, shard_0_inbox = Inbox(clock=clock), Inbox(clock=clock)

    shard_1 = await ReminderScheduler(
        store, lambda: catalog, shard_1_inbox, clock, owns=SHARD_1_OF_2
    ).run_once()
    assert shard_1.sent == 1
    assert [(r.guild_id, r.week) for r, _ in shard_1_inbox.sent] == [
        (ON_SHARD_1, IsoWeek(2026, 48))
    ]
    assert await store.reminders.sent_to(ON_SHARD_0, ALICE) == []

    shard_0 = await ReminderScheduler(
        store, lambda: catalog, shard_0_inbox, clock, owns=SHARD_0_OF_2
    ).run_once()
    assert shard_0.sent == 1
    assert [r.guild_id for r, _ in shard_0_inbox.sent] == [ON_SHARD_0]
    for guild_id in (ON_SHARD_0, ON_SHARD_1):
        assert await store.reminders.sent_to(guild_id, ALICE) == [("2026-W48", "sent")]
