"""A year of weekly posts, compressed: 20 guilds in 5 zones, 52 weeks, random restarts.

The real :class:`scheduler.runner.ChallengeScheduler` over a real SQLite file and the bundled
content, with a :class:`FakeClock` and a publisher that records (the "channel"). No real timer is
waited for: the test moves the clock to the earliest armed post (plus a little timer jitter) and
calls the runner's :meth:`~ChallengeScheduler.sweep`, which spawns ``fire`` for every guild
whose armed instant has passed, exactly as APScheduler's timer would.

Between posts, with a seeded ``random.Random``, the "process" is restarted: the scheduler is
stopped, the store closed, the clock moved on by a downtime (seconds to 20 h, always inside the
24 h grace window, so nothing may be missed), the store reopened from the same file and a new
scheduler started (its catch-up sends what fell due meanwhile). Some restarts land a few minutes
before a guild's post time, so its post is due while the bot is down; some hit a post in flight:

* ``crash_before`` / ``crash_after``: the process dies inside ``post_challenge``, before the
  message reached the channel or after it did but before the ledger said ``sent``;
* ``hang_before`` / ``hang_after``: the send hangs (before or after delivery) and SIGTERM comes:
  ``stop()`` waits its bounded time, cancels the post, and the next start settles it.

Half of the restarts at a post time also hit the late catch-up post itself with one of these
faults (a restart while a post is in flight inside the grace window); the bot then comes back
within minutes.

Seasons: the bundled season has 15 challenges and does not wrap (``scheduler/season.py``): after
the 15th post the runner arms nothing. A year of posts therefore needs the moderators to start a
new season, as they would with ``/admin schedule season_start:...``: a day or more after each
season's last post, a "moderator" saves the next Monday as ``season_start`` and calls
:meth:`~ChallengeScheduler.reschedule` (what the command does). 52 = 15 + 15 + 15 + 7; after
the 52nd post the moderators pause posting (``/admin pause``), so the year ends cleanly.

Checked at the end, per guild: exactly the 52 planned ISO weeks were posted, once each (channel
and ledger), challenge numbers 1-15, 1-15, 1-15, 1-7, each post at or after its local post time
and inside the grace window, the ledger ``sent`` with the channel's message id, no failed,
missed or claimed rows, and no notice to the moderators.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import random
import time as wallclock
from asyncio import FIRST_COMPLETED
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from content.loader import load_catalog
from content.models import Catalog
from scheduler.planning import IsoWeek, post_time_in_week
from scheduler.ports import ChallengePost, PublishedMessage
from scheduler.runner import ChallengeScheduler
from scheduler.season import season_length, weekly_schedule
from storage.models import GuildSchedule, PostState
from storage.store import Store, open_store
from tests.scheduler.doubles import Crash
from tests.scheduler.fakes import FakeClock, RecordingPublisher

SEED = 20261123
WEEKS = 52
FIRST_WEEK = IsoWeek(2026, 48)  # crosses 2026-W53 and every DST change of both hemispheres
SEASON_START = FIRST_WEEK.monday()
ZONES = (
    "Europe/Berlin",
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Sydney",
    "America/St_Johns",
)
#: (weekday, local time): Monday midnight, Sunday 02:30 (in the spring-forward gap and the
#: repeated fall-back hour where the zone has DST), Sunday 23:30 (the week's edge), Thursday.
SLOTS = ((0, time(0, 0)), (6, time(2, 30)), (6, time(23, 30)), (3, time(18, 45)))
GUILDS = 20
MODERATOR = 4242
GRACE = timedelta(hours=24)
LONGEST_DOWNTIME = timedelta(hours=20)  # < GRACE: every post can still be sent late
MEAN_DAYS_BETWEEN_RESTARTS = 5.0
RESTARTS_AT_A_POST_TIME = 15
FAULTY_POST_SHARE = 0.04
FAULTS = ("crash_before", "crash_after", "hang_before", "hang_after")
HANGS = ("hang_before", "hang_after")
CATCH_UP_FAULT_SHARE = 0.5  # of the restarts at a post time: the late post itself fails
TIMER_JITTER = timedelta(seconds=90)  # a timer goes off up to this late (a busy loop)


def guild_schedules() -> list[GuildSchedule]:
    """20 guilds: 4 per zone, one per slot, all starting their season in FIRST_WEEK."""
    return [
        GuildSchedule(
            guild_id=1000 + index,
            channel_id=9000 + index,
            weekday=SLOTS[index // len(ZONES)][0],
            post_time=SLOTS[index // len(ZONES)][1],
            timezone=ZONES[index % len(ZONES)],
            season_start=SEASON_START,
        )
        for index in range(GUILDS)
    ]


def planned_weeks() -> list[IsoWeek]:
    weeks = [FIRST_WEEK]
    while len(weeks) < WEEKS:
        weeks.append(weeks[-1].next())
    return weeks


def planned_slots(schedule: GuildSchedule) -> list[datetime]:
    """The 52 post instants (UTC) of the soak for ``schedule``."""
    planned = weekly_schedule(schedule)
    return [post_time_in_week(planned, *week) for week in planned_weeks()]


@dataclass
class SoakChannel(RecordingPublisher):
    """The channel: records posts; ``fault`` makes the next send crash or hang (once)."""

    fault: str | None = None
    entered: asyncio.Event = field(default_factory=asyncio.Event)

    async def post_challenge(
        self, guild_id: int, channel_id: int, post: ChallengePost
    ) -> PublishedMessage:
        fault, self.fault = self.fault, None
        if fault == "crash_before":
            raise Crash
        if fault == "hang_before":
            self.entered.set()
            await asyncio.Event().wait()  # never answers; cancelled by stop()
        message = await super().post_challenge(guild_id, channel_id, post)
        if fault == "crash_after":
            raise Crash
        if fault == "hang_after":  # delivered, but the answer never reaches the bot
            self.entered.set()
            await asyncio.Event().wait()
        return message


@dataclass
class Deployment:
    """One "process" at a time: the store and scheduler, stopped and started over one file."""

    path: Path
    catalog: Catalog
    channel: SoakChannel
    clock: FakeClock
    rng: random.Random
    store: Store | None = None
    scheduler: ChallengeScheduler | None = None
    restarts: Counter[str] = field(default_factory=Counter)

    async def boot(self, fault: str | None = None) -> ChallengeScheduler:
        """Open the store and start a scheduler; ``fault`` hits the catch-up's first send."""
        self.store = await open_store(self.path, clock=self.clock.now)
        catalog = self.catalog
        self.scheduler = ChallengeScheduler(
            self.store,
            lambda: catalog,
            self.channel,
            self.clock,
            grace=GRACE,
            retry_delays=(),
            stop_timeout=0.01,  # the bounded wait for an in-flight post, compressed
        )
        self.channel.fault, self.channel.entered = fault, asyncio.Event()
        await self.scheduler.start()
        await self._settle(fault, f"catch_up_{fault}")
        return self.scheduler

    async def shut_down(self) -> None:
        assert self.scheduler is not None
        assert self.store is not None
        await self.scheduler.stop()
        await self.store.close()
        self.scheduler = self.store = None

    async def restart(self, kind: str, *, fault: str | None = None) -> None:
        """Stop, stay down for a while (inside the grace window), start again.

        After a fault the bot comes back within minutes (a supervisor restarts it), so a post
        that was already late when the fault hit stays inside the grace window.
        """
        self.restarts[kind] += 1
        await self.shut_down()
        if kind in ("restart", "restart_at_post") and (
            kind == "restart_at_post" or self.rng.random() < 0.5
        ):
            down = timedelta(seconds=self.rng.uniform(600, LONGEST_DOWNTIME.total_seconds()))
        else:
            down = timedelta(seconds=self.rng.uniform(1, 600))
        self.clock.advance(down)
        await self.boot(fault)

    def armed(self) -> datetime | None:
        assert self.scheduler is not None
        times = [
            armed
            for guild_id in range(1000, 1000 + GUILDS)
            if (armed := self.scheduler.next_post_for(guild_id)) is not None
        ]
        return min(times, default=None)

    async def fire_due(self, fault: str | None) -> None:
        """What the timers do at ``clock.now()``; with ``fault``, the process dies mid-post."""
        assert self.scheduler is not None
        self.channel.fault, self.channel.entered = fault, asyncio.Event()
        await self.scheduler.sweep()
        await self._settle(fault, fault)

    async def _settle(self, fault: str | None, kind: str | None) -> None:
        """Let the spawned posts finish; if ``fault`` hit one, the process dies: restart."""
        assert self.scheduler is not None
        # The runner's own tasks (it names them); awaited here so a Crash is seen, not just
        # logged, and a hung send is noticed.
        firing = [t for t in asyncio.all_tasks() if t.get_name().startswith("weekly-post-")]
        entered = asyncio.ensure_future(self.channel.entered.wait())
        everything = asyncio.ensure_future(asyncio.gather(*firing, return_exceptions=True))
        await asyncio.wait([entered, everything], timeout=5, return_when=FIRST_COMPLETED)
        if entered.done():  # a send hangs: SIGTERM now (stop() cancels it after its wait)
            assert fault in HANGS, fault
            assert kind is not None
            await self.restart(kind)
            await asyncio.gather(everything, return_exceptions=True)
            return
        entered.cancel()
        results = await everything
        await self.scheduler.wait_idle()
        crashed = sum(isinstance(result, Crash) for result in results)
        if fault is not None and self.channel.fault is not None:  # no post was due: unused
            self.channel.fault = None
            assert crashed == 0, results
            return
        assert crashed == (fault is not None), (fault, results)
        if fault is not None:
            assert kind is not None
            await self.restart(kind)  # the process died in the send; start it again


@dataclass(order=True)
class Event:
    at: datetime
    kind: str = field(compare=False)
    guild_id: int = field(default=0, compare=False)
    season_start: date | None = field(default=None, compare=False)


def moderator_events(schedules: list[GuildSchedule], rng: random.Random) -> list[Event]:
    """A new season a day or more after each season's last post; a pause after the 52nd.

    The new season starts on the Monday of the week after the last post (local calendar), so
    its first post is exactly one week after the last one, however late in the week the
    moderator gets round to it (it may be a date already past: the season counts from there).
    """
    events = []
    for schedule in schedules:
        slots = planned_slots(schedule)
        for last in range(14, WEEKS, 15):  # the season's 15th post: slots 14, 29, 44
            after = slots[last] + timedelta(hours=rng.uniform(21, 24 * 5))
            next_week = planned_weeks()[last + 1]
            events.append(Event(after, "new_season", schedule.guild_id, next_week.monday()))
        after = slots[-1] + timedelta(hours=rng.uniform(21, 24 * 5))
        events.append(Event(after, "pause", schedule.guild_id))
    return events


def restart_events(
    schedules: list[GuildSchedule], rng: random.Random, start: datetime, end: datetime
) -> list[Event]:
    events = []
    at = start
    while (at := at + timedelta(days=rng.expovariate(1 / MEAN_DAYS_BETWEEN_RESTARTS))) < end:
        events.append(Event(at, "restart"))
    for _ in range(RESTARTS_AT_A_POST_TIME):  # down when a post falls due: a late catch-up post
        slot = rng.choice(planned_slots(rng.choice(schedules))[1:])
        events.append(Event(slot - timedelta(seconds=rng.uniform(1, 300)), "restart_at_post"))
    return events


async def act_as_moderator(deployment: Deployment, event: Event) -> None:
    """``/admin schedule season_start:<next Monday>`` or ``/admin pause``."""
    store, scheduler = deployment.store, deployment.scheduler
    assert store is not None
    assert scheduler is not None
    schedule = await store.settings.get(event.guild_id)
    assert schedule is not None
    if event.kind == "new_season":
        assert scheduler.next_post_for(event.guild_id) is None, "the season should be over"
        changed = replace(schedule, season_start=event.season_start)
    else:
        changed = replace(schedule, enabled=False)
    await store.settings.save(changed, actor_id=MODERATOR)
    await scheduler.reschedule(event.guild_id)
    await scheduler.wait_idle()


async def test_a_year_of_weekly_posts_in_20_guilds_with_random_restarts(tmp_path: Path) -> None:
    began = wallclock.perf_counter()
    rng = random.Random(SEED)
    catalog = load_catalog()
    assert season_length(catalog) == 15, "the season arithmetic below assumes 15 challenges"
    schedules = guild_schedules()
    first_post = min(planned_slots(s)[0] for s in schedules)
    horizon = max(planned_slots(s)[-1] for s in schedules) + timedelta(days=6)
    clock = FakeClock(first_post - timedelta(days=2))
    channel = SoakChannel(clock)
    deployment = Deployment(tmp_path / "soak.sqlite3", catalog, channel, clock, rng)

    store = await open_store(deployment.path, clock=clock.now)
    for schedule in schedules:
        await store.settings.save(schedule, actor_id=MODERATOR)
    await store.close()
    await deployment.boot()

    events = moderator_events(schedules, rng) + restart_events(schedules, rng, clock.now(), horizon)
    heapq.heapify(events)
    faults: Counter[str] = Counter()
    logging.getLogger("scheduler").setLevel(logging.WARNING)  # 1040 INFO lines help nobody
    try:
        while True:
            armed = deployment.armed()
            if armed is not None and (not events or armed <= events[0].at):
                if armed > horizon:
                    break
                clock.set(max(clock.now(), armed + rng.uniform(0, 1) * TIMER_JITTER))
                fault = rng.choice(FAULTS) if rng.random() < FAULTY_POST_SHARE else None
                faults[fault or "none"] += 1
                await deployment.fire_due(fault)
                continue
            if not events or events[0].at > horizon:
                break
            event = heapq.heappop(events)
            clock.set(max(clock.now(), event.at))
            if event.kind == "restart_at_post" and rng.random() < CATCH_UP_FAULT_SHARE:
                await deployment.restart(event.kind, fault=rng.choice(FAULTS))
            elif event.kind.startswith("restart"):
                await deployment.restart(event.kind)
            else:
                await act_as_moderator(deployment, event)
        assert deployment.store is not None
        ledger = deployment.store
        await check_the_year(ledger, channel, schedules)
    finally:
        if deployment.scheduler is not None:
            await deployment.shut_down()

    elapsed = wallclock.perf_counter() - began
    late = sum(1 for sent in channel.sent if sent.post.late)
    summary = (
        f"{len(channel.sent)} posts, {late} late (catch-up), restarts {dict(deployment.restarts)},"
        f" timer firings {dict(faults)}, {elapsed:.1f} s"
    )
    print(summary)  # the numbers the report quotes (pytest -s)
    # Every kind of disturbance actually happened (a seed change must not silently lose one).
    assert all(deployment.restarts[kind] >= 2 for kind in FAULTS), summary
    assert deployment.restarts["restart"] >= 40, summary
    assert deployment.restarts["restart_at_post"] == RESTARTS_AT_A_POST_TIME, summary
    assert late >= RESTARTS_AT_A_POST_TIME, summary
    catch_up_faults = sum(n for kind, n in deployment.restarts.items() if kind.startswith("catch"))
    assert catch_up_faults >= 3, summary


async def check_the_year(
    store: Store, channel: SoakChannel, schedules: list[GuildSchedule]
) -> None:
    weeks = planned_weeks()
    assert len(set(weeks)) == WEEKS
    assert channel.notices == [], channel.notices[:3]
    all_ids = [sent.message_id for sent in channel.sent]
    assert len(all_ids) == len(set(all_ids))
    assert len(channel.sent) == GUILDS * WEEKS
    for schedule in schedules:
        guild_id = schedule.guild_id
        sent = [s for s in channel.sent if s.guild_id == guild_id]
        posted = [s.post.week for s in sent]
        duplicates = [week for week, n in Counter(posted).items() if n > 1]
        assert not duplicates, f"guild {guild_id} ({schedule.timezone}): twice {duplicates}"
        missing = sorted(set(weeks) - set(posted))
        assert not missing, f"guild {guild_id} ({schedule.timezone}): missed {missing}"
        assert sorted(posted) == weeks, (
            f"guild {guild_id}: extra {sorted(set(posted) - set(weeks))}"
        )
        by_week = {s.post.week: s for s in sent}
        for index, (week, slot) in enumerate(zip(weeks, planned_slots(schedule), strict=True)):
            post = by_week[week]
            assert post.post.challenge_number == index % 15 + 1, (guild_id, week)
            assert slot <= post.at <= slot + GRACE, (guild_id, week, slot, post.at)
            assert post.post.late == (post.at - slot > timedelta(minutes=5)), (guild_id, week)
            record = await store.posts.get(guild_id, week)
            assert record is not None, (guild_id, week)
            assert record.state is PostState.SENT, (guild_id, week, record)
            assert record.message_id == post.message_id, (guild_id, week)
    rows = await store.db.fetch(
        "SELECT guild_id, state, count(*) FROM challenge_posts GROUP BY guild_id, state"
    )
    assert sorted(tuple(row) for row in rows) == [
        (s.guild_id, "sent", WEEKS) for s in sorted(schedules, key=lambda s: s.guild_id)
    ]


def test_the_soak_plan_is_what_the_docstring_says() -> None:
    schedules = guild_schedules()
    assert len(schedules) == GUILDS
    assert Counter(s.timezone for s in schedules) == dict.fromkeys(ZONES, 4)
    assert len({(s.weekday, s.post_time, s.timezone) for s in schedules}) == GUILDS
    weeks = planned_weeks()
    assert IsoWeek(2026, 53) in weeks
    assert weeks[-1] == IsoWeek(2027, 46)
    # A Berlin Sunday 02:30 guild meets the spring-forward gap (2027-03-28) inside the year.
    berlin = next(s for s in schedules if s.timezone == "Europe/Berlin" and s.weekday == 6)
    gap_day = [t for t in planned_slots(berlin) if t.date() == date(2027, 3, 28)]
    assert gap_day == [datetime(2027, 3, 28, 1, 30, tzinfo=UTC)]  # 03:30 CEST


@pytest.fixture(autouse=True)
def _quiet_apscheduler() -> None:
    logging.getLogger("apscheduler").setLevel(logging.WARNING)


async def test_a_restart_does_not_report_weeks_from_before_the_schedule_as_missed(
    tmp_path: Path,
) -> None:
    catalog = load_catalog()
    monday = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # 2026-W49
    clock = FakeClock(monday + timedelta(minutes=3))
    channel = SoakChannel(clock)
    deployment = Deployment(tmp_path / "db.sqlite3", catalog, channel, clock, random.Random(1))
    scheduler = await deployment.boot()
    assert deployment.store is not None
    # /admin schedule: Mondays 09:00 UTC, the season started last Monday (challenge 1 was due
    # then, before the bot knew this guild). This week's post time passed three minutes before
    # the schedule existed, so nothing goes out on its own; /admin post-now sends challenge 2.
    await deployment.store.settings.save(
        GuildSchedule(1, channel_id=9, season_start=date(2026, 11, 23)), actor_id=MODERATOR
    )
    await scheduler.reschedule(1)
    await scheduler.wait_idle()
    assert channel.sent == []
    await scheduler.post_now(1, actor_id=MODERATOR)
    assert [(s.post.week, s.post.challenge_number, s.post.late) for s in channel.sent] == [
        (IsoWeek(2026, 49), 2, False)
    ]
    assert [(s.post.week, s.post.challenge_number) for s in channel.sent] == [
        (IsoWeek(2026, 49), 2)
    ]
    assert channel.notices == []
    try:
        await deployment.restart("restart")  # an ordinary deploy a few minutes later
        assert channel.notices == [], channel.notices
        assert deployment.store is not None
        assert await deployment.store.posts.get(1, IsoWeek(2026, 48)) is None
    finally:
        await deployment.shut_down()
