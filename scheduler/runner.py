"""Arms one timer per guild with APScheduler and runs :func:`post_weekly_challenge` when due.

The runner decides *when*; :mod:`scheduler.jobs` decides *whether and what*. The timers are
one-shot ``DateTrigger`` jobs on an ``AsyncIOScheduler``, one per guild (job id
``weekly-post:<guild id>``), armed with :func:`scheduler.planning.next_post_at` rather than a
``CronTrigger`` (see planning's docstring for the DST defects that rules out). After each fire
the next week's timer is armed from the settings read *then*, so a changed schedule is never
served from a stale trigger.

Time: the scheduler's idea of "now" is the injected :class:`Clock`. A timer is armed for
``target - clock.now()`` from the wall clock APScheduler uses, so with the system clock the two
agree and with a fake clock a test decides what "due" means (it calls :meth:`fire` itself). A
timer that fires early by the injected clock is simply re-armed.

Start-up catch-up: for every enabled guild, the latest post time at or before now (within the
season) goes through the same job: sent late within the grace window, otherwise recorded as
missed and reported. Every claimed-but-unconfirmed row is settled too (found in the channel ->
sent, else missed and reported when its time is long past), and season weeks a downtime of
several weeks skipped entirely are recorded as missed with one notice. After ``reschedule`` the
same catch-up runs, except that a post time the new schedule puts in the past is not recorded
as missed (nothing failed; ``/admin post-now`` can still send it). Catch-up runs in background
tasks, so ``start()`` returns quickly; :meth:`wait_idle` waits for them.

Ownership: with several processes (Discord shards, :mod:`scheduler.shards`), the runner is given
``owns`` and arms, catches up and re-arms only the guilds it returns ``True`` for; the other
guilds' posts are another process's work.

Isolation: each guild's work runs in its own task under its own lock; every exception is
logged with the guild id and never reaches APScheduler or another guild.

Safety net: a sweep every few minutes fires any guild whose armed instant has passed by the
injected clock (a suspended host or a wall-clock jump can leave APScheduler's monotonic wait
behind). Storage reads for the digest go through a one-slot gate, so when many guilds are due
in the same minute their leaderboard reads do not queue in front of members' commands.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

# APScheduler 3.x ships no type information (no py.typed): typed at our call sites instead.
from apscheduler.schedulers.asyncio import AsyncIOScheduler  # type: ignore[import-untyped]
from apscheduler.triggers.date import DateTrigger  # type: ignore[import-untyped]
from apscheduler.triggers.interval import IntervalTrigger  # type: ignore[import-untyped]

from content.models import Catalog
from scheduler.jobs import (
    DEFAULT_RETRY_DELAYS,
    MAX_AUTOMATIC_ATTEMPTS,
    Outcome,
    PostOutcome,
    PostPolicy,
    automatic_week,
    post_weekly_challenge,
    record_skipped_weeks,
)
from scheduler.planning import DEFAULT_GRACE, IsoWeek, next_post_at
from scheduler.ports import Clock, Publisher
from scheduler.season import (
    first_season_post,
    planning_week,
    season_status,
    weekly_schedule,
)
from scheduler.shards import EVERY_GUILD
from storage.models import GuildSchedule
from storage.store import Store

__all__ = ["ChallengeScheduler", "Outcome", "PostOutcome", "job_id"]

logger = logging.getLogger(__name__)

#: How long :meth:`ChallengeScheduler.stop` waits for an in-flight post before cancelling it
#: (a cancelled post stays "claimed" and is settled by the next start's catch-up).
DEFAULT_STOP_TIMEOUT = 10.0
#: How often :meth:`ChallengeScheduler.sweep` looks for timers that should have gone off.
SWEEP_INTERVAL = timedelta(minutes=5)


def job_id(guild_id: int) -> str:
    """The APScheduler job id of the guild's timer."""
    return f"weekly-post:{guild_id}"


class ChallengeScheduler:
    """Weekly challenge posts for every configured guild. See the module docstring."""

    def __init__(
        self,
        store: Store,
        catalog: Callable[[], Catalog],
        publisher: Publisher,
        clock: Clock,
        *,
        grace: timedelta = DEFAULT_GRACE,
        retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        max_automatic_attempts: int = MAX_AUTOMATIC_ATTEMPTS,
        stop_timeout: float = DEFAULT_STOP_TIMEOUT,
        owns: Callable[[int], bool] = EVERY_GUILD,
    ) -> None:
        self._store = store
        #: Whether this process schedules a guild (its shard runs here).
        self._owns = owns
        self._catalog = catalog
        self._publisher = publisher
        self._clock = clock
        self._policy = PostPolicy(
            grace=grace,
            retry_delays=tuple(retry_delays),
            sleep=sleep,
            max_automatic_attempts=max_automatic_attempts,
            digest_gate=asyncio.Semaphore(1),
        )
        self._stop_timeout = stop_timeout
        self._aps: AsyncIOScheduler | None = None
        self._locks: dict[int, asyncio.Lock] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._next: dict[int, datetime] = {}

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Between :meth:`start` and :meth:`stop`."""
        return self._aps is not None

    async def start(self) -> None:
        """Start the timers, arm one per enabled guild and begin the catch-up. Idempotent."""
        if self._aps is not None:
            return
        self._aps = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                # A late wake-up (suspended host, blocked loop) still runs: the job itself
                # decides between late and missed with the grace window.
                "misfire_grace_time": int(self._policy.grace.total_seconds()) + 3600,
            },
        )
        self._aps.add_job(
            self.sweep,
            IntervalTrigger(seconds=SWEEP_INTERVAL.total_seconds(), timezone=UTC),
            id="weekly-post-sweep",
            name="weekly post sweep",
            replace_existing=True,
        )
        self._aps.start()
        try:
            guilds = [
                schedule
                for schedule in await self._store.settings.list_all(enabled_only=True)
                if self._owns(schedule.guild_id)
            ]
            # All of them, due or not: a /admin post-now that crashed after sending leaves a
            # row for a week whose time has not come, and its message needs its ledger entry
            # (streaks, /challenge current and the season status read the ledger).
            unsent = [
                record
                for record in await self._store.posts.list_unsent()
                if self._owns(record.guild_id)
            ]
        except BaseException:
            aps, self._aps = self._aps, None
            aps.shutdown(wait=False)
            raise
        stale: dict[int, list[IsoWeek]] = {}
        for record in unsent:
            stale.setdefault(record.guild_id, []).append(planning_week(record.week))
        for schedule in guilds:
            try:
                self._arm(schedule)
            except Exception:  # one guild's bad settings must not stop the others' posts
                logger.exception(
                    "cannot arm guild %d",
                    schedule.guild_id,
                    extra={"event": "weekly_post", "guild_id": schedule.guild_id},
                )
                continue
            self._spawn(
                schedule.guild_id, self._catch_up(schedule, stale.get(schedule.guild_id, []))
            )
        logger.info(
            "scheduler started: %d guild(s)",
            len(guilds),
            extra={"event": "scheduler_started", "guilds": len(guilds)},
        )

    async def stop(self) -> None:
        """Stop the timers; wait up to ``stop_timeout`` s for in-flight posts, then cancel."""
        aps, self._aps = self._aps, None
        if aps is None:
            return
        aps.pause()
        tasks = set(self._tasks)
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=self._stop_timeout)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)
                logger.warning(
                    "scheduler stopped with %d post(s) cancelled mid-way",
                    len(pending),
                    extra={"event": "scheduler_stop_cancelled", "tasks": len(pending)},
                )
        aps.shutdown(wait=False)
        await asyncio.sleep(0)  # AsyncIOScheduler defers its shutdown to the loop
        self._next.clear()
        logger.info("scheduler stopped", extra={"event": "scheduler_stopped"})

    async def wait_idle(self) -> None:
        """Wait until no catch-up, timer post or follow-up task is running."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    # -- what the admin commands call ------------------------------------------------------

    async def reschedule(self, guild_id: int) -> datetime | None:
        """Re-read the guild's settings and re-arm its timer; ``None`` when nothing is due.

        Call after ``/admin schedule``, ``pause`` or ``resume``. It also catches up this week's
        post (e.g. a new channel after a "channel missing" failure) in the background.
        """
        schedule = await self._store.settings.get(guild_id)
        if schedule is None:
            self._disarm(guild_id)
            return None
        upcoming = self._arm(schedule)
        owned = self._owns(guild_id)
        if self.running and owned and schedule.enabled and schedule.channel_id is not None:
            self._spawn(guild_id, self._catch_up(schedule, [], record_missed=False))
        return upcoming

    async def post_now(self, guild_id: int, *, actor_id: int | None = None) -> PostOutcome:
        """This week's post, now (``/admin post-now``); the ledger prevents a duplicate.

        Before the season's first week it may start the season this week (see
        :mod:`scheduler.season`), so the timer is re-armed from the settings afterwards.
        """
        async with self._lock(guild_id):
            try:
                return await self._run(guild_id, on_demand=True, actor_id=actor_id)
            except Exception as error:  # logged by the job; the moderator gets a reason
                return PostOutcome(
                    Outcome.FAILED, guild_id, reason=f"internal error ({type(error).__name__})"
                )
            finally:
                if self.running:
                    await self._rearm(guild_id)

    async def sweep(self) -> None:
        """Fire every guild whose armed time has passed by our clock but whose timer has not.

        A safety net that runs every :data:`SWEEP_INTERVAL`: APScheduler waits with the event
        loop's monotonic clock, which a suspended host or a wall-clock jump leaves behind. A
        timer and the sweep firing together is harmless (the guild lock and the ledger).
        """
        now = self._clock.now()
        for guild_id, armed_for in list(self._next.items()):
            if armed_for <= now and not self._lock(guild_id).locked():
                self._spawn(guild_id, self.fire(guild_id, armed_for))

    def next_post_for(self, guild_id: int) -> datetime | None:
        """When the guild's next post is armed for (UTC), for ``/admin show``."""
        return self._next.get(guild_id)

    async def fire(self, guild_id: int, armed_for: datetime | None = None) -> None:
        """What the guild's timer does when it goes off (tests call it with a fake clock).

        Never trust the trigger: if it fired before ``armed_for`` by our clock it is re-armed;
        otherwise the job works out the due week itself, then the next timer is armed from the
        current settings.
        """
        async with self._lock(guild_id):
            try:
                if armed_for is not None and self._clock.now() < armed_for:
                    self._arm_at(guild_id, armed_for)
                    return
                await self._run(guild_id, on_demand=False)
            except Exception:
                logger.exception(
                    "weekly post timer for guild %s failed",
                    guild_id,
                    extra={"event": "weekly_post_timer_error", "guild_id": guild_id},
                )
            finally:
                if self.running and (armed_for is None or self._clock.now() >= armed_for):
                    await self._rearm(guild_id)

    # -- internals -------------------------------------------------------------------------

    def _lock(self, guild_id: int) -> asyncio.Lock:
        return self._locks.setdefault(guild_id, asyncio.Lock())

    async def _run(
        self,
        guild_id: int,
        *,
        on_demand: bool,
        week: IsoWeek | None = None,
        record_missed: bool = True,
        actor_id: int | None = None,
    ) -> PostOutcome:
        return await post_weekly_challenge(
            self._store,
            self._catalog(),
            self._publisher,
            self._clock,
            guild_id,
            week=week,
            on_demand=on_demand,
            record_missed=record_missed,
            policy=self._policy,
            actor_id=actor_id,
        )

    async def _catch_up(
        self, schedule: GuildSchedule, stale_weeks: list[IsoWeek], *, record_missed: bool = True
    ) -> None:
        guild_id = schedule.guild_id
        async with self._lock(guild_id):
            try:
                due = automatic_week(schedule, self._clock.now())
                for week in sorted(set(stale_weeks) - {due}):  # unsettled rows of older weeks
                    await self._run(guild_id, on_demand=False, week=week)
                if record_missed:  # start-up: weeks a long downtime skipped entirely
                    await record_skipped_weeks(
                        self._store,
                        self._catalog(),
                        self._publisher,
                        self._clock,
                        guild_id,
                        policy=self._policy,
                    )
                await self._run(guild_id, on_demand=False, record_missed=record_missed)
            except Exception:
                logger.exception(
                    "catch-up for guild %s failed",
                    guild_id,
                    extra={"event": "weekly_post_catch_up_error", "guild_id": guild_id},
                )

    async def _rearm(self, guild_id: int) -> None:
        try:
            schedule = await self._store.settings.get(guild_id)
        except Exception:
            logger.exception(
                "could not re-arm guild %s",
                guild_id,
                extra={"event": "weekly_post_rearm_error", "guild_id": guild_id},
            )
            return
        if schedule is None:
            self._disarm(guild_id)
        else:
            self._arm(schedule)

    def _first_post(self, schedule: GuildSchedule) -> datetime | None:
        """The next post time the season has a challenge for, or ``None`` (paused, over...)."""
        if not schedule.enabled or schedule.channel_id is None:
            return None
        now = self._clock.now()
        try:
            catalog = self._catalog()
        except Exception:  # content being reloaded and broken: arm anyway, the job will tell
            logger.exception(
                "could not load the catalog to plan guild %s",
                schedule.guild_id,
                extra={"event": "catalog_error", "guild_id": schedule.guild_id},
            )
            first = first_season_post(schedule)
            if first is None:
                return None
            return first if first > now else next_post_at(weekly_schedule(schedule), now)
        # The ledger is not read here: a week already posted fires as a no-op ("already sent").
        upcoming = season_status(catalog, schedule, now).upcoming
        return None if upcoming is None else upcoming.post_at

    def _arm(self, schedule: GuildSchedule) -> datetime | None:
        if not self._owns(schedule.guild_id):  # another process's guild: never armed here
            self._disarm(schedule.guild_id)
            return None
        upcoming = self._first_post(schedule)
        if upcoming is None:
            self._disarm(schedule.guild_id)
            return None
        self._arm_at(schedule.guild_id, upcoming)
        return upcoming

    def _arm_at(self, guild_id: int, when: datetime) -> None:
        self._next[guild_id] = when
        if self._aps is None:
            return
        run_date = datetime.now(UTC) + (when - self._clock.now())
        self._aps.add_job(
            self._on_timer,
            DateTrigger(run_date=run_date, timezone=UTC),
            args=(guild_id, when),
            id=job_id(guild_id),
            name=f"weekly post for guild {guild_id}",
            replace_existing=True,
        )

    def _disarm(self, guild_id: int) -> None:
        self._next.pop(guild_id, None)
        if self._aps is not None:
            with contextlib.suppress(Exception):  # JobLookupError: nothing armed
                self._aps.remove_job(job_id(guild_id))

    async def _on_timer(self, guild_id: int, armed_for: datetime) -> None:
        # Hand the work to a task of our own: APScheduler cancels its job futures on
        # shutdown, and stop() wants to let an in-flight post finish first.
        self._spawn(guild_id, self.fire(guild_id, armed_for))

    def _spawn(self, guild_id: int, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work, name=f"weekly-post-{guild_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
