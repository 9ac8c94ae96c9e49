"""Opt-in reminders: a DM before the week's challenge closes, for members who asked.

Planning is pure (:func:`reminder_due`): the week's challenge is open from its post time to the
next week's post time (both from :mod:`scheduler.planning`, DST-correct). A member's reminder
falls on their chosen weekday and time *in their own zone* within that window; by default the
day before the next post, at 18:00. A time that does not exist that day (spring forward) is
moved past the gap, exactly like the weekly post (``post_time_in_week``).

Sending (:class:`ReminderScheduler`): one task sleeps until the next reminder is due (at most
:data:`RECHECK`, and woken by :meth:`ReminderScheduler.poke` after ``/remind``), then sends
everything due. Each member gets exactly one DM per week, the way the weekly post goes out
exactly once (``scheduler/jobs.py``): the reminder ledger is claimed before sending
(:mod:`storage.reminders`), then marked ``sent``. A row left ``claimed`` (the bot was killed
between the claim and the record, or Discord failed transiently) is settled at the next pass by
looking through the member's DM channel for the bot's DM carrying the reminder's marker
(:func:`scheduler.ports.reminder_marker`, in the DM's Mark done button): found -> recorded as
sent; not found -> sent again if still within ``grace`` (else recorded as failed); history
unreadable -> left claimed for the next pass. One process owns the ledger and passes are
serialised (a lock), so a claimed row seen by a pass is always a dead one.
Nobody who did not ask is sent anything (only enabled settings are read), and a member who
marked the week done gets nothing (recorded as ``done``). After downtime, reminders due within
``grace`` are sent late; older ones are dropped. DMs go out a few at a time (``concurrency``
workers draining one list, not a task per reminder), so discord.py's rate limiter paces them
and member commands keep their share of the loop; planning thousands of members yields to the
loop every :data:`YIELD_EVERY`. ``bench/bench_reminders.py`` measures a burst of 10,000.
A member whose DMs are closed has the reminder switched off and is told at their next command.
With several processes (Discord shards), each is given ``owns`` (:mod:`scheduler.shards`) and
sends only the reminders of the guilds it owns.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from content.models import Catalog
from scheduler.planning import IsoWeek, WeeklySchedule, post_time_in_week
from scheduler.ports import (
    Clock,
    DirectMessenger,
    PublishError,
    Reminder,
    ReminderUndeliverable,
    TransientPublishError,
)
from scheduler.season import challenge_for_week, planning_week, weekly_schedule
from scheduler.shards import EVERY_GUILD
from storage.models import GuildSchedule, ReminderPref
from storage.store import Store

__all__ = [
    "DEFAULT_REMINDER_TIME",
    "ReminderPass",
    "ReminderScheduler",
    "reminder_due",
]

logger = logging.getLogger(__name__)

#: The default reminder: the day before the next post, at this local time.
DEFAULT_REMINDER_TIME = time(18, 0)
#: Reminders due longer ago than this (the bot was down) are dropped, not sent.
DEFAULT_REMINDER_GRACE = timedelta(hours=6)
#: The runner looks again at least this often (new posts, changed settings).
RECHECK = timedelta(minutes=5)
#: A pass that left reminders claimed (transient failure) is followed by another this soon.
RETRY_PENDING = timedelta(minutes=1)
#: Planning a guild's reminders yields to the event loop after this many members.
YIELD_EVERY = 500
#: DMs in flight at once; discord.py paces them further with Discord's rate limits.
DEFAULT_CONCURRENCY = 8


def _at(day: date, at: time, zone: ZoneInfo) -> datetime:
    """``at`` on ``day`` in ``zone`` as an instant, with planning's DST rules."""
    iso = IsoWeek.of(day)
    return post_time_in_week(WeeklySchedule(day.weekday(), at, zone), iso.year, iso.week)


def reminder_due(schedule: GuildSchedule, pref: ReminderPref, week: IsoWeek) -> datetime | None:
    """When the member's reminder for ``week``'s challenge is due, or ``None`` if their chosen
    day and time do not fall while that challenge is open."""
    planned = weekly_schedule(schedule)
    opens = post_time_in_week(planned, *week)
    closes = post_time_in_week(planned, *week.next())
    zone = ZoneInfo(pref.timezone)
    if pref.weekday is None:
        due = _at(closes.astimezone(zone).date() - timedelta(days=1), pref.remind_time, zone)
    else:
        first = opens.astimezone(zone).date()
        day = first + timedelta(days=(pref.weekday - first.weekday()) % 7)
        due = _at(day, pref.remind_time, zone)
        if due <= opens:  # that weekday's time had passed when the challenge opened
            due = _at(day + timedelta(days=7), pref.remind_time, zone)
    return due if opens < due < closes else None


@dataclass(frozen=True)
class ReminderPass:
    """What one pass of :meth:`ReminderScheduler.run_once` did."""

    sent: int = 0
    done: int = 0
    failed: int = 0
    dropped: int = 0
    #: Claimed-but-unconfirmed reminders found in the member's DMs (recorded as sent).
    found: int = 0
    #: Left claimed, to be settled at the next pass (transient failure, unreadable history).
    pending: int = 0
    next_due: datetime | None = None


@dataclass(frozen=True)
class _Due:
    pref: ReminderPref
    reminder: Reminder
    due: datetime
    #: Claimed by an earlier pass that never recorded how it ended: look before sending.
    unconfirmed: bool = False


class ReminderScheduler:
    """Sends members' reminders when due. See the module docstring."""

    def __init__(
        self,
        store: Store,
        catalog: Callable[[], Catalog],
        messenger: DirectMessenger,
        clock: Clock,
        *,
        grace: timedelta = DEFAULT_REMINDER_GRACE,
        concurrency: int = DEFAULT_CONCURRENCY,
        owns: Callable[[int], bool] = EVERY_GUILD,
    ) -> None:
        self._store = store
        #: Whether this process sends a guild's reminders (its shard runs here).
        self._owns = owns
        self._catalog = catalog
        self._messenger = messenger
        self._clock = clock
        self._grace = grace
        self._concurrency = concurrency
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Between :meth:`start` and :meth:`stop`."""
        return self._task is not None

    async def start(self) -> None:
        """Start the loop (its first pass catches up what fell due while down). Idempotent."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._loop(), name="reminders")

    async def stop(self) -> None:
        """Stop the loop; a DM being sent is cut off (its ledger row stays claimed, and the next
        pass looks for the DM before sending it again)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def poke(self) -> None:
        """Look again now (a member changed their reminder)."""
        self._wake.set()

    async def _loop(self) -> None:
        while True:
            try:
                result = await self.run_once()
                next_due = result.next_due
                if result.pending:
                    retry = self._clock.now() + RETRY_PENDING
                    next_due = retry if next_due is None else min(next_due, retry)
            except Exception:
                logger.exception("reminder pass failed", extra={"event": "reminder_error"})
                next_due = None
            now = self._clock.now()
            wait = RECHECK if next_due is None else min(RECHECK, max(next_due - now, timedelta()))
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), wait.total_seconds())

    # -- one pass ---------------------------------------------------------------------------

    async def run_once(self) -> ReminderPass:
        """Send every reminder due now (within the grace window) and settle the unconfirmed
        ones; say when the next is due."""
        async with self._lock:
            now = self._clock.now()
            work: list[_Due] = []
            dropped = 0
            next_due: datetime | None = None
            for schedule in await self._store.settings.list_all():
                if not self._owns(schedule.guild_id):
                    continue  # another process's guild
                found = await self._guild_reminders(schedule, now)
                for item in found:
                    if item.unconfirmed:
                        work.append(item)  # whatever its age: look, then record
                    elif item.due > now:
                        next_due = item.due if next_due is None else min(next_due, item.due)
                    elif now - item.due > self._grace:
                        dropped += 1
                    else:
                        work.append(item)
            counts = {"sent": 0, "done": 0, "failed": 0, "dropped": dropped, "found": 0}
            counts["pending"] = 0
            queue = iter(work)

            async def worker() -> None:
                # A few workers drain one queue: no task per reminder (10,000 tasks started
                # in one loop iteration stall every command for that long).
                for item in queue:
                    counts[await self._settle_or_send(item, now)] += 1

            workers = min(self._concurrency, len(work))
            await asyncio.gather(*(worker() for _ in range(workers)))
            if work or dropped:
                logger.info(
                    "reminders: %d sent, %d found already sent, %d already done, %d failed,"
                    " %d dropped, %d pending",
                    counts["sent"],
                    counts["found"],
                    counts["done"],
                    counts["failed"],
                    counts["dropped"],
                    counts["pending"],
                    extra={"event": "reminders", **counts},
                )
            return ReminderPass(next_due=next_due, **counts)

    async def _guild_reminders(self, schedule: GuildSchedule, now: datetime) -> list[_Due]:
        """The guild's not-yet-settled reminders for its open week, due or not."""
        prefs = await self._store.reminders.enabled(schedule.guild_id)
        if not prefs:
            return []
        latest = await self._store.posts.latest_sent(schedule.guild_id)
        if latest is None:
            return []
        week = planning_week(latest.week)
        closes = post_time_in_week(weekly_schedule(schedule), *week.next())
        if now >= closes:
            return []  # the week is over; the next post opens the next one
        settled = await self._store.reminders.claimed_weeks(schedule.guild_id, week)
        unconfirmed = (
            await self._store.reminders.unconfirmed(schedule.guild_id, week) if settled else {}
        )
        season = challenge_for_week(self._catalog(), schedule, week)
        number = season.number if season is not None else 0
        title = season.challenge.title if season is not None else latest.challenge_id
        found = []
        for index, pref in enumerate(prefs):
            if index % YIELD_EVERY == YIELD_EVERY - 1:
                await asyncio.sleep(0)  # thousands of members: let commands in between
            claimed_due = unconfirmed.get(pref.user_id)
            if pref.user_id in settled and claimed_due is None:
                continue
            due = claimed_due or reminder_due(schedule, pref, week)
            if due is None:
                continue
            reminder = Reminder(
                guild_id=schedule.guild_id,
                user_id=pref.user_id,
                week=week,
                challenge_id=latest.challenge_id,
                challenge_number=number,
                title=title,
                closes_at=closes,
            )
            found.append(_Due(pref, reminder, due, unconfirmed=claimed_due is not None))
        return found

    async def _settle_or_send(self, item: _Due, now: datetime) -> str:
        """One reminder, start to end; the name of the :class:`ReminderPass` count it adds to.

        An unexpected error leaves the row claimed: the next pass looks before re-sending.
        """
        try:
            if item.unconfirmed:
                return await self._settle(item, now)
            key = (item.reminder.guild_id, item.reminder.user_id, item.reminder.week)
            if not await self._store.reminders.claim(*key, due=item.due):
                return "done"  # pragma: no cover - another pass got there (the lock prevents it)
            return await self._deliver(item)
        except Exception:
            logger.exception(
                "reminder to user %s in guild %s failed unexpectedly",
                item.reminder.user_id,
                item.reminder.guild_id,
                extra={"event": "reminder_error", "guild_id": item.reminder.guild_id},
            )
            return "pending"

    async def _settle(self, item: _Due, now: datetime) -> str:
        """A claimed-but-unconfirmed reminder: look for the DM first, only then send again."""
        reminder = item.reminder
        key = (reminder.guild_id, reminder.user_id, reminder.week)
        try:
            delivered = await self._messenger.find_reminder(reminder)
        except PublishError as error:
            logger.warning(
                "cannot read the DMs of user %s to settle a reminder of guild %s: %s",
                reminder.user_id,
                reminder.guild_id,
                error,
                extra={"event": "reminder_pending", "guild_id": reminder.guild_id},
            )
            return "pending"
        if delivered:
            await self._store.reminders.finish(*key, "sent")
            return "found"
        if now - item.due > self._grace:
            await self._store.reminders.finish(
                *key, "failed", error="not delivered; the grace window had passed at the retry"
            )
            return "dropped"
        return await self._deliver(item)

    async def _deliver(self, item: _Due) -> str:
        """Send a claimed reminder (unless the week was marked done) and record the outcome."""
        reminder = item.reminder
        store = self._store
        key = (reminder.guild_id, reminder.user_id, reminder.week)
        if await store.progress.get_completion(*key[:2], reminder.challenge_id) is not None:
            await store.reminders.finish(*key, "done")
            return "done"
        try:
            await self._messenger.send_reminder(reminder)
        except ReminderUndeliverable as error:
            await store.reminders.finish(*key, "failed", error=str(error))
            await store.reminders.switch_off_undeliverable(reminder.guild_id, reminder.user_id)
            return "failed"
        except TransientPublishError as error:
            # It may have got through: stays claimed, so the next pass looks before re-sending.
            logger.warning(
                "reminder to user %s in guild %s failed for now: %s",
                reminder.user_id,
                reminder.guild_id,
                error,
                extra={"event": "reminder_pending", "guild_id": reminder.guild_id},
            )
            return "pending"
        except PublishError as error:
            await store.reminders.finish(*key, "failed", error=str(error))
            logger.warning(
                "reminder to user %s in guild %s failed: %s",
                reminder.user_id,
                reminder.guild_id,
                error,
                extra={"event": "reminder_failed", "guild_id": reminder.guild_id},
            )
            return "failed"
        await store.reminders.finish(*key, "sent")
        return "sent"
