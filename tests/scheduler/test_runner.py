"""ChallengeScheduler: timers, catch-up on start, restarts, DST, several guilds, failures.

The fake clock decides what "now" is; the tests play the timer by calling ``fire`` with the
instant the runner armed (``next_post_for``), the way the APScheduler job does. One test at the
end runs the real AsyncIOScheduler with a timer due in a fraction of a second.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
import time_machine

from content.models import Catalog
from scheduler.jobs import Outcome
from scheduler.planning import IsoWeek
from scheduler.ports import ChallengePost, Clock, PublishedMessage, SystemClock
from scheduler.runner import ChallengeScheduler
from storage.models import GuildSchedule, PostState
from storage.store import Store, open_store
from tests.scheduler.doubles import (
    DAY,
    HOUR,
    MINUTE,
    Crash,
    FakeSleep,
    ScriptedPublisher,
    ShiftedClock,
    crashing_store,
    guild,
    utc,
)
from tests.scheduler.fakes import FakeClock

W48 = IsoWeek(2026, 48)
MONDAY_W48 = utc(2026, 11, 23, 9, 0)
SECOND = timedelta(seconds=1)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(MONDAY_W48 - DAY)  # Sunday before the season's first post


@pytest.fixture
def publisher(clock: FakeClock) -> ScriptedPublisher:
    return ScriptedPublisher(clock)


Make = Callable[..., ChallengeScheduler]


@pytest.fixture
async def make(
    store: Store, catalog: Catalog, publisher: ScriptedPublisher, clock: FakeClock
) -> AsyncIterator[Make]:
    """Build schedulers (fast retries); every one built is stopped at the end."""
    built: list[ChallengeScheduler] = []

    def build(
        *, use_store: Store | None = None, use_clock: Clock | None = None, **kwargs: object
    ) -> ChallengeScheduler:
        options: dict[str, object] = {"retry_delays": (0.0, 0.0, 0.0), "sleep": FakeSleep()}
        options.update(kwargs)
        scheduler = ChallengeScheduler(
            use_store or store,
            lambda: catalog,
            publisher,
            use_clock or clock,
            **options,  # type: ignore[arg-type]
        )
        built.append(scheduler)
        return scheduler

    yield build
    for scheduler in built:
        await scheduler.stop()


async def started(scheduler: ChallengeScheduler) -> ChallengeScheduler:
    await scheduler.start()
    await scheduler.wait_idle()
    return scheduler


async def fire_when_due(scheduler: ChallengeScheduler, clock: FakeClock, guild_id: int = 1) -> None:
    """Move the clock to the armed instant and let the timer go off."""
    armed = scheduler.next_post_for(guild_id)
    assert armed is not None
    clock.set(armed)
    await scheduler.fire(guild_id, armed)
    await scheduler.wait_idle()


async def test_start_arms_the_first_post_and_the_timer_posts_once(
    make: Make, clock: FakeClock, publisher: ScriptedPublisher, store: Store
) -> None:
    scheduler = await started(make())
    assert scheduler.running
    assert publisher.sent == []  # nothing due before the season's first post
    assert scheduler.next_post_for(1) == MONDAY_W48
    await fire_when_due(scheduler, clock)
    assert [sent.post.week for sent in publisher.sent] == [W48]
    assert scheduler.next_post_for(1) == MONDAY_W48 + 7 * DAY
    # A second, spurious trigger in the same week changes nothing.
    clock.advance(HOUR)
    await scheduler.fire(1)
    assert len(publisher.sent) == 1
    record = await store.posts.get(1, W48)
    assert record is not None
    assert record.state is PostState.SENT


async def test_a_timer_that_fires_early_is_rearmed_not_trusted(
    make: Make, clock: FakeClock, publisher: ScriptedPublisher
) -> None:
    scheduler = await started(make())
    clock.set(MONDAY_W48 - SECOND)
    await scheduler.fire(1, MONDAY_W48)
    assert publisher.sent == []
    assert scheduler.next_post_for(1) == MONDAY_W48


@dataclass(frozen=True)
class DstCase:
    zone: str
    weekday: int
    at: time
    season_start: date
    posts: tuple[datetime, ...]  # expected UTC instants, three consecutive weeks
    repeated_hour: bool = False  # the middle post's local time happens twice


DST_CASES = {
    "Berlin spring forward, Sunday 02:30 (in the gap)": DstCase(
        "Europe/Berlin",
        6,
        time(2, 30),
        date(2026, 3, 16),
        (utc(2026, 3, 22, 1, 30), utc(2026, 3, 29, 1, 30), utc(2026, 4, 5, 0, 30)),
    ),
    "Berlin fall back, Sunday 02:30 (twice)": DstCase(
        "Europe/Berlin",
        6,
        time(2, 30),
        date(2026, 10, 12),
        (utc(2026, 10, 18, 0, 30), utc(2026, 10, 25, 0, 30), utc(2026, 11, 1, 1, 30)),
        repeated_hour=True,
    ),
    "Berlin Monday 09:00 across spring forward": DstCase(
        "Europe/Berlin",
        0,
        time(9, 0),
        date(2026, 3, 23),
        (utc(2026, 3, 23, 8, 0), utc(2026, 3, 30, 7, 0), utc(2026, 4, 6, 7, 0)),
    ),
    "New York spring forward, Sunday 02:30 (in the gap)": DstCase(
        "America/New_York",
        6,
        time(2, 30),
        date(2026, 2, 23),
        (utc(2026, 3, 1, 7, 30), utc(2026, 3, 8, 7, 30), utc(2026, 3, 15, 6, 30)),
    ),
    "New York fall back, Sunday 01:30 (twice)": DstCase(
        "America/New_York",
        6,
        time(1, 30),
        date(2026, 10, 19),
        (utc(2026, 10, 25, 5, 30), utc(2026, 11, 1, 5, 30), utc(2026, 11, 8, 6, 30)),
        repeated_hour=True,
    ),
    "New York Monday 09:00 across spring forward": DstCase(
        "America/New_York",
        0,
        time(9, 0),
        date(2026, 3, 2),
        (utc(2026, 3, 2, 14, 0), utc(2026, 3, 9, 13, 0), utc(2026, 3, 16, 13, 0)),
    ),
}


@pytest.mark.parametrize("case", DST_CASES.values(), ids=DST_CASES.keys())
async def test_dst_weeks_post_at_local_wall_time_once_a_week(
    case: DstCase, make: Make, clock: FakeClock, publisher: ScriptedPublisher, store: Store
) -> None:
    clock.set(case.posts[0] - 2 * DAY)
    await store.settings.save(
        guild(weekday=case.weekday, at=case.at, tz=case.zone, season_start=case.season_start)
    )
    scheduler = await started(make())
    for number, expected in enumerate(case.posts, start=1):
        assert scheduler.next_post_for(1) == expected
        clock.set(expected - SECOND)
        await scheduler.fire(1, expected)  # early by a second: re-armed, nothing sent
        assert len(publisher.sent) == number - 1
        await fire_when_due(scheduler, clock)
        assert len(publisher.sent) == number
        assert publisher.sent[-1].post.challenge_number == number
        if case.repeated_hour:
            clock.set(expected + HOUR)  # the wall clock shows the post time again
            await scheduler.fire(1)
            assert len(publisher.sent) == number
    weeks = [sent.post.week for sent in publisher.sent]
    assert weeks == [weeks[0], weeks[0].next(), weeks[0].next().next()]


async def test_downtime_within_grace_posts_late_on_start(
    make: Make, clock: FakeClock, publisher: ScriptedPublisher
) -> None:
    clock.set(MONDAY_W48 + 5 * HOUR)
    scheduler = await started(make())
    [sent] = publisher.sent
    assert sent.post.late
    assert scheduler.next_post_for(1) == MONDAY_W48 + 7 * DAY


async def test_downtime_exactly_the_grace_window_still_posts(
    make: Make, clock: FakeClock, publisher: ScriptedPublisher
) -> None:
    clock.set(MONDAY_W48 + DAY)
    await started(make())
    assert len(publisher.sent) == 1
    assert publisher.notices == []


async def test_downtime_longer_than_grace_is_missed_and_reported(
    make: Make, clock: FakeClock, publisher: ScriptedPublisher, store: Store
) -> None:
    clock.set(MONDAY_W48 + DAY + MINUTE)
    scheduler = await started(make())
    assert publisher.sent == []
    [notice] = publisher.notices_for(1)
    assert "missed" in notice
    record = await store.posts.get(1, W48)
    assert record is not None
    assert record.state is PostState.MISSED
    assert scheduler.next_post_for(1) == MONDAY_W48 + 7 * DAY
    # Restarting again neither posts nor reports it twice.
    await scheduler.stop()
    await started(make())
    assert publisher.sent == []
    assert len(publisher.notices) == 1


async def test_configurable_grace(
    make: Make, clock: FakeClock, publisher: ScriptedPublisher
) -> None:
    clock.set(MONDAY_W48 + 3 * HOUR)
    await started(make(grace=timedelta(hours=2)))
    assert publisher.sent == []
    assert len(publisher.notices) == 1


async def test_restart_during_a_post_crash_between_send_and_record(
    make: Make,
    database: Path | str,
    clock: FakeClock,
    publisher: ScriptedPublisher,
    store: Store,
) -> None:
    first = await started(make(use_store=crashing_store(store, clock)))
    clock.set(MONDAY_W48)
    with pytest.raises(Crash):
        await first.fire(1, MONDAY_W48)
    assert len(publisher.sent) == 1
    # The process is gone; a new one opens the same database and starts.
    clock.advance(3 * MINUTE)
    reopened = await open_store(database, clock=clock.now)
    try:
        await started(make(use_store=reopened))
        assert len(publisher.sent) == 1
        assert publisher.notices == []
        record = await reopened.posts.get(1, W48)
        assert record is not None
        assert record.state is PostState.SENT
        assert record.message_id == publisher.sent[0].message_id
    finally:
        await reopened.close()


@dataclass
class HangingPublisher(ScriptedPublisher):
    """``post_challenge`` waits for ``release`` before sending (a stuck Discord call)."""

    release: asyncio.Event | None = None
    entered: asyncio.Event | None = None

    async def post_challenge(
        self, guild_id: int, channel_id: int, post: ChallengePost
    ) -> PublishedMessage:
        if self.release is not None and self.entered is not None:
            self.entered.set()
            await self.release.wait()
        return await super().post_challenge(guild_id, channel_id, post)


async def test_stop_waits_a_bounded_time_then_the_next_start_finishes_the_post(
    store: Store, catalog: Catalog, clock: FakeClock
) -> None:
    publisher = HangingPublisher(clock, release=asyncio.Event(), entered=asyncio.Event())
    clock.set(MONDAY_W48)
    first = ChallengeScheduler(
        store, lambda: catalog, publisher, clock, retry_delays=(), stop_timeout=0.05
    )
    await first.start()
    assert publisher.entered is not None
    await asyncio.wait_for(publisher.entered.wait(), 5)
    await first.stop()  # the post hangs: cancelled after 0.05 s, left "claimed"
    record = await store.posts.get(1, W48)
    assert record is not None
    assert record.state is PostState.CLAIMED
    assert publisher.sent == []

    publisher.release = None
    second = ChallengeScheduler(store, lambda: catalog, publisher, clock, retry_delays=())
    await started(second)
    await second.stop()
    assert len(publisher.sent) == 1
    record = await store.posts.get(1, W48)
    assert record is not None
    assert (record.state, record.attempts) == (PostState.SENT, 2)


async def test_stale_claim_of_an_earlier_week_is_settled_on_start(
    make: Make, store: Store, clock: FakeClock, publisher: ScriptedPublisher
) -> None:
    first = await started(make(use_store=crashing_store(store, clock)))
    clock.set(MONDAY_W48)
    with pytest.raises(Crash):
        await first.fire(1, MONDAY_W48)
    await first.stop()
    clock.set(MONDAY_W48 + 7 * DAY + HOUR)  # down for a week
    await started(make())
    assert [sent.post.week for sent in publisher.sent] == [W48, W48.next()]
    for week in (W48, W48.next()):
        record = await store.posts.get(1, week)
        assert record is not None
        assert record.state is PostState.SENT
    assert publisher.notices == []


async def test_restart_loops_around_the_post_time_still_post_once(
    make: Make, store: Store, clock: FakeClock, publisher: ScriptedPublisher
) -> None:
    clock.set(MONDAY_W48 - HOUR)
    for round_number in range(40):
        use_store = crashing_store(store, clock) if round_number == 12 else None
        scheduler = make(use_store=use_store)
        await scheduler.start()
        try:
            await scheduler.wait_idle()
            armed = scheduler.next_post_for(1)
            if armed is not None and clock.now() >= armed:
                await scheduler.fire(1, armed)
                await scheduler.wait_idle()
        except Crash:
            pass
        await scheduler.stop()
        clock.advance(7 * MINUTE)  # 40 restarts over 4 h 40 min, crossing 09:00
    assert len(publisher.sent) == 1
    assert publisher.notices == []
    record = await store.posts.get(1, W48)
    assert record is not None
    assert record.state is PostState.SENT


async def test_start_and_stop_are_idempotent(make: Make, publisher: ScriptedPublisher) -> None:
    scheduler = make()
    await scheduler.stop()
    await scheduler.start()
    await scheduler.start()
    await scheduler.wait_idle()
    await scheduler.stop()
    await scheduler.stop()
    assert not scheduler.running
    assert scheduler.next_post_for(1) is None
    await scheduler.start()
    await scheduler.wait_idle()
    assert scheduler.next_post_for(1) == MONDAY_W48


async def test_two_guilds_in_different_zones(
    make: Make, store: Store, clock: FakeClock, publisher: ScriptedPublisher
) -> None:
    await store.settings.save(guild(1, tz="Europe/Berlin"))
    await store.settings.save(guild(2, channel_id=200, tz="America/New_York"))
    berlin, new_york = utc(2026, 11, 23, 8, 0), utc(2026, 11, 23, 14, 0)
    scheduler = await started(make())
    assert scheduler.next_post_for(1) == berlin
    assert scheduler.next_post_for(2) == new_york
    clock.set(berlin)
    await scheduler.fire(1, berlin)
    await scheduler.fire(2, new_york)  # too early for New York: re-armed
    assert [sent.guild_id for sent in publisher.sent] == [1]
    assert scheduler.next_post_for(2) == new_york
    clock.set(new_york)
    await scheduler.fire(2, new_york)
    assert [(sent.guild_id, sent.channel_id) for sent in publisher.sent] == [(1, 100), (2, 200)]
    assert scheduler.next_post_for(1) == berlin + 7 * DAY
    assert scheduler.next_post_for(2) == new_york + 7 * DAY


async def test_a_guild_that_removes_its_channel_does_not_affect_others(
    make: Make, store: Store, clock: FakeClock, publisher: ScriptedPublisher
) -> None:
    await store.settings.save(guild(2, channel_id=200))
    scheduler = await started(make())
    publisher.missing_channels.add(200)
    clock.set(MONDAY_W48)
    await scheduler.fire(2, MONDAY_W48)
    await scheduler.fire(1, MONDAY_W48)
    assert [sent.guild_id for sent in publisher.sent] == [1]
    [notice] = publisher.notices_for(2)
    assert "/admin schedule" in notice
    assert publisher.notices_for(1) == []
    failed = await store.posts.get(2, W48)
    assert failed is not None
    assert failed.state is PostState.FAILED
    assert scheduler.next_post_for(2) == MONDAY_W48 + 7 * DAY  # next week is still armed

    # A moderator picks another channel: the reschedule catches this week up.
    clock.advance(2 * HOUR)
    await store.settings.save(guild(2, channel_id=201))
    assert await scheduler.reschedule(2) == MONDAY_W48 + 7 * DAY
    await scheduler.wait_idle()
    assert [(sent.guild_id, sent.channel_id) for sent in publisher.sent] == [(1, 100), (2, 201)]


async def test_an_unexpected_error_in_one_guild_is_logged_and_isolated(
    make: Make,
    store: Store,
    clock: FakeClock,
    publisher: ScriptedPublisher,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await store.settings.save(guild(2, channel_id=200))
    scheduler = await started(make())
    clock.set(MONDAY_W48)
    original = publisher.post_challenge

    async def broken(guild_id: int, channel_id: int, post: ChallengePost) -> PublishedMessage:
        if guild_id == 2:
            raise RuntimeError("bug in the renderer")
        return await original(guild_id, channel_id, post)

    publisher.post_challenge = broken  # type: ignore[method-assign]
    with caplog.at_level(logging.ERROR, logger="scheduler"):
        await scheduler.fire(2, MONDAY_W48)
        await scheduler.fire(1, MONDAY_W48)
    assert [sent.guild_id for sent in publisher.sent] == [1]
    assert any(getattr(r, "guild_id", None) == 2 for r in caplog.records)
    assert scheduler.next_post_for(2) == MONDAY_W48 + 7 * DAY
    outcome = await scheduler.post_now(2)
    assert outcome.outcome is Outcome.FAILED
    assert outcome.reason == "internal error (RuntimeError)"


async def test_season_not_started_arms_its_first_post_and_a_finished_one_arms_nothing(
    make: Make, store: Store, clock: FakeClock, publisher: ScriptedPublisher
) -> None:
    await store.settings.save(guild(season_start=date(2027, 1, 6)))  # a Wednesday of W01
    scheduler = await started(make())
    assert scheduler.next_post_for(1) == utc(2027, 1, 11, 9, 0)  # W02: W01's Monday is past
    assert (await scheduler.post_now(1)).outcome is Outcome.NO_CHALLENGE

    await store.settings.save(guild(season_start=date(2026, 1, 5)))  # 15 weeks long gone
    assert await scheduler.reschedule(1) is None
    await scheduler.wait_idle()
    assert scheduler.next_post_for(1) is None
    assert publisher.sent == []
    assert publisher.notices == []


async def test_paused_guild_has_no_timer_and_no_catch_up(
    make: Make, store: Store, clock: FakeClock, publisher: ScriptedPublisher
) -> None:
    await store.settings.save(guild(enabled=False))
    clock.set(MONDAY_W48 + HOUR)
    scheduler = await started(make())
    assert scheduler.next_post_for(1) is None
    assert publisher.sent == []
    await scheduler.fire(1)  # a timer armed before the pause
    assert publisher.sent == []
    # /admin resume after this week's post time: the week passed while paused, so nothing
    # goes out on its own (the season module calls it "before the schedule") ...
    await store.settings.save(guild())
    assert await scheduler.reschedule(1) == MONDAY_W48 + 7 * DAY
    await scheduler.wait_idle()
    assert publisher.sent == []
    assert publisher.notices == []  # ... and it is not reported as missed
    # ... until a moderator asks: /admin post-now sends it, and not as "late".
    assert (await scheduler.post_now(1)).outcome is Outcome.SENT
    assert len(publisher.sent) == 1
    assert not publisher.sent[0].post.late
    # /admin pause again
    await store.settings.save(guild(enabled=False))
    assert await scheduler.reschedule(1) is None
    assert scheduler.next_post_for(1) is None


async def test_post_now_twice(make: Make, publisher: ScriptedPublisher, clock: FakeClock) -> None:
    scheduler = await started(make())
    clock.set(MONDAY_W48 - HOUR)  # an hour before this week's post time
    first = await scheduler.post_now(1)
    second = await scheduler.post_now(1)
    assert first.outcome is Outcome.SENT
    assert second.outcome is Outcome.ALREADY_SENT
    assert second.message_id == first.message_id
    assert len(publisher.sent) == 1
    await fire_when_due(scheduler, clock)  # this week's timer: already sent
    assert len(publisher.sent) == 1
    await fire_when_due(scheduler, clock)  # next week's timer still works
    assert len(publisher.sent) == 2
    assert publisher.sent[1].post.week == W48.next()


async def test_reschedule_of_an_unknown_guild_and_post_now_unconfigured(make: Make) -> None:
    scheduler = await started(make())
    assert await scheduler.reschedule(99) is None
    outcome = await scheduler.post_now(99)
    assert outcome.outcome is Outcome.NOT_CONFIGURED


async def test_reschedule_moves_the_timer(make: Make, store: Store) -> None:
    scheduler = await started(make())
    await store.settings.save(guild(weekday=2, at=time(18, 30), tz="Asia/Kolkata"))
    assert await scheduler.reschedule(1) == utc(2026, 11, 25, 13, 0)
    assert scheduler.next_post_for(1) == utc(2026, 11, 25, 13, 0)


async def test_the_real_apscheduler_fires_the_armed_timer(
    store: Store, catalog: Catalog, publisher: ScriptedPublisher
) -> None:
    clock = ShiftedClock(MONDAY_W48 - timedelta(milliseconds=300))
    publisher.clock = clock
    scheduler = ChallengeScheduler(store, lambda: catalog, publisher, clock, retry_delays=())
    await scheduler.start()
    try:
        assert scheduler.next_post_for(1) == MONDAY_W48
        for _ in range(60):  # up to 3 s
            if publisher.sent:
                break
            await asyncio.sleep(0.05)
        await scheduler.wait_idle()
        assert len(publisher.sent) == 1
        assert publisher.sent[0].post.week == W48
        assert scheduler.next_post_for(1) == MONDAY_W48 + 7 * DAY
    finally:
        await scheduler.stop()


def test_guild_schedule_defaults_are_what_the_tests_assume() -> None:
    assert guild() == GuildSchedule(
        guild_id=1,
        channel_id=100,
        weekday=0,
        post_time=time(9, 0),
        timezone="UTC",
        season_start=date(2026, 11, 23),
        enabled=True,
        leaderboard_public=True,
    )


async def test_a_schedule_change_does_not_record_a_slot_that_passed_before_it_as_missed(
    make: Make, store: Store, clock: FakeClock, publisher: ScriptedPublisher
) -> None:
    # Fridays until now; on Wednesday W48 a moderator moves the post to Mondays.
    await store.settings.save(guild(weekday=4))
    clock.set(utc(2026, 11, 25, 12, 0))
    scheduler = await started(make())
    await store.settings.save(guild(weekday=0))
    assert await scheduler.reschedule(1) == MONDAY_W48 + 7 * DAY
    await scheduler.wait_idle()
    assert publisher.sent == []
    assert publisher.notices == []
    assert await store.posts.get(1, W48) is None  # not "missed": /admin post-now still can
    assert (await scheduler.post_now(1)).outcome is Outcome.SENT


async def test_a_broken_catalog_does_not_stop_the_scheduler(
    store: Store, clock: FakeClock, publisher: ScriptedPublisher, catalog: Catalog
) -> None:
    calls = 0

    def flaky() -> Catalog:
        nonlocal calls
        calls += 1
        if calls <= 2:
            raise ValueError("content reload failed")
        return catalog

    scheduler = ChallengeScheduler(store, flaky, publisher, clock, retry_delays=())
    await started(scheduler)
    try:
        assert scheduler.next_post_for(1) == MONDAY_W48  # armed despite the error
        clock.set(MONDAY_W48)
        await scheduler.fire(1, MONDAY_W48)
        assert len(publisher.sent) == 1
    finally:
        await scheduler.stop()


async def test_the_sweep_fires_timers_the_event_loop_slept_through(
    make: Make, store: Store, clock: FakeClock, publisher: ScriptedPublisher
) -> None:
    await store.settings.save(guild(2, channel_id=200, tz="America/New_York"))
    scheduler = await started(make())
    await scheduler.sweep()
    await scheduler.wait_idle()
    assert publisher.sent == []
    clock.set(MONDAY_W48 + 10 * MINUTE)  # e.g. the host was suspended over 09:00
    await scheduler.sweep()
    await scheduler.sweep()  # twice in a row: still one post
    await scheduler.wait_idle()
    assert [sent.guild_id for sent in publisher.sent] == [1]  # New York is not due yet
    assert scheduler.next_post_for(1) == MONDAY_W48 + 7 * DAY


async def test_production_wiring_with_the_system_clock_under_time_machine(
    store: Store, catalog: Catalog
) -> None:
    """SystemClock + real AsyncIOScheduler, the wall clock moved to just before the post."""
    with time_machine.travel(MONDAY_W48 - timedelta(milliseconds=300), tick=True):
        clock = SystemClock()
        publisher = ScriptedPublisher(clock)
        scheduler = ChallengeScheduler(store, lambda: catalog, publisher, clock, retry_delays=())
        await scheduler.start()
        try:
            await scheduler.wait_idle()
            assert publisher.sent == []  # the catch-up found nothing due yet
            for _ in range(60):
                if publisher.sent:
                    break
                await asyncio.sleep(0.05)
            await scheduler.wait_idle()
            [sent] = publisher.sent
            assert sent.post.week == W48
            assert not sent.post.late
            assert MONDAY_W48 <= sent.at < MONDAY_W48 + 3 * SECOND
        finally:
            await scheduler.stop()


async def test_downtime_of_several_weeks_records_every_skipped_week_with_one_notice(
    make: Make, store: Store, clock: FakeClock, publisher: ScriptedPublisher
) -> None:
    scheduler = await started(make())
    await fire_when_due(scheduler, clock)  # W48 goes out
    await scheduler.stop()
    clock.set(MONDAY_W48 + 21 * DAY + HOUR)  # back three weeks later, an hour after W51's post
    await started(make())
    assert [sent.post.week for sent in publisher.sent] == [W48, IsoWeek(2026, 51)]
    assert publisher.sent[1].post.challenge_number == 4
    [notice] = publisher.notices_for(1)
    assert "2026-W49, 2026-W50" in notice
    for week in (IsoWeek(2026, 49), IsoWeek(2026, 50)):
        record = await store.posts.get(1, week)
        assert record is not None
        assert record.state is PostState.MISSED
    # Another restart finds everything settled: nothing new.
    await started(make())
    assert len(publisher.sent) == 2
    assert len(publisher.notices) == 1


async def test_downtime_from_before_the_season_records_only_season_weeks(
    make: Make, store: Store, clock: FakeClock, publisher: ScriptedPublisher
) -> None:
    clock.set(MONDAY_W48 + 14 * DAY + 2 * DAY)  # W50's post is two days old
    await started(make())
    assert publisher.sent == []
    weeks = sorted(
        str(record.week) for record in await store.posts.list_unsent()
    )  # nothing left unsettled
    assert weeks == []
    states = [await store.posts.get(1, IsoWeek(2026, w)) for w in (47, 48, 49, 50)]
    assert states[0] is None  # before the season
    assert all(r is not None and r.state is PostState.MISSED for r in states[1:])
    assert len(publisher.notices) == 2  # W48-W49 together, then W50


async def test_a_post_now_that_crashed_after_sending_is_recorded_at_the_next_start(
    make: Make, store: Store, clock: FakeClock, publisher: ScriptedPublisher
) -> None:
    clock.set(MONDAY_W48 - 3 * HOUR)  # ahead of this week's post time
    first = await started(make())
    publisher.crash_after_send = True
    with pytest.raises(Crash):
        await first.post_now(1)
    await first.stop()
    clock.advance(MINUTE)
    await started(make())  # still before 09:00: the week is not due, but its message is out
    record = await store.posts.get(1, W48)
    assert record is not None
    assert record.state is PostState.SENT  # so the Mark done button can find it
    assert record.message_id == publisher.sent[0].message_id
    assert len(publisher.sent) == 1
