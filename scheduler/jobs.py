"""Post one guild's challenge for one ISO week, exactly once: the scheduler's core.

:func:`post_weekly_challenge` is what the runner's timers, its start-up catch-up and
``/admin post-now`` all call. It takes everything it touches as arguments (store, catalog,
publisher, clock), so tests drive it without APScheduler.

Exactly once comes from the storage post ledger (one row per guild and ISO week):

1. ``sent`` or ``missed`` in the ledger: nothing to do, ever again.
2. ``claimed`` or ``failed`` (an earlier run crashed between sending and recording, or failed):
   look for the bot's own message with the week's marker first, in the row's channel from the
   row's claim time on; found -> record it as sent (even ahead of the post time: streaks,
   ``/challenge current`` and the season status read sent posts from the ledger). Only
   otherwise send again, after re-claiming the row (``attempts`` + 1). A row is only ever
   re-claimed after such a look succeeded, because the claim time is where the next look
   starts; if the channel cannot be read, the row stays as it is (failed) and the moderators
   are told once.
3. No row: claim it (atomic; only the owner sends), send, record ``sent`` with the message id.

``tests/scheduler/test_exactly_once.py`` checks these rules against random runs of restarts,
crashes, outages and channel changes.

Within one process the runner serialises calls per guild (a lock), so an unconfirmed claim
seen here is always a dead one. One process owns a guild (Discord shards by guild), which is
what makes "look before re-sending" safe.

When (automatic runs): with ``lateness = now - scheduled post time``, on time or up to
``grace`` late the post is sent (flagged ``late`` after a few minutes); later than ``grace`` it
is recorded as missed and the moderators are told. ``/admin post-now`` (``on_demand``) ignores
both windows, and a pause: a moderator asked for it. Automatic runs give up re-trying a failed
post after :data:`MAX_AUTOMATIC_ATTEMPTS` claims (the moderators were told each time).

Failures: missing channel and missing permission are not retried (a person must act): the
row is marked failed and the moderators are told what to fix. Transient errors (Discord 5xx,
timeouts, rate limits) are retried after ``retry_delays`` (checking first that the failed send
did not get through after all), then marked failed and reported. Every outcome is logged as one
structured ``weekly_post`` event, never with message contents.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from content.models import Catalog
from scheduler.digest import build_weekly_post
from scheduler.planning import (
    DEFAULT_GRACE,
    DEFAULT_ON_TIME,
    WEEKDAY_NAMES,
    DueStatus,
    IsoWeek,
    classify_due_post,
    last_post_at_or_before,
    post_time_in_week,
)
from scheduler.ports import (
    ChallengePost,
    ChannelMissing,
    Clock,
    MissingPermissions,
    Publisher,
    PublishError,
    TransientPublishError,
    post_marker,
)
from scheduler.rewards import settle_rewards
from scheduler.season import (
    SeasonChallenge,
    can_start_this_week,
    challenge_for_week,
    current_week,
    planning_week,
    season_start_instant,
    season_status,
    start_this_week,
    weekly_schedule,
)
from scheduler.threads import ensure_thread
from storage.models import GuildSchedule, PostRecord, PostState
from storage.store import Store

__all__ = [
    "DEFAULT_RETRY_DELAYS",
    "LOOKUP_SLACK",
    "MAX_AUTOMATIC_ATTEMPTS",
    "Outcome",
    "PostOutcome",
    "PostPolicy",
    "automatic_week",
    "post_weekly_challenge",
    "record_skipped_weeks",
]

logger = logging.getLogger(__name__)

#: Seconds to wait before each retry of a transient failure (so 4 attempts in all).
DEFAULT_RETRY_DELAYS: tuple[float, ...] = (5.0, 30.0, 120.0)
#: Discord's ``retry_after`` is honoured up to this many seconds.
MAX_RETRY_AFTER = 600.0
#: Automatic runs (timer, start-up, reschedule) re-try a ``failed`` post while its ledger
#: ``attempts`` is below this; ``/admin post-now`` always tries.
MAX_AUTOMATIC_ATTEMPTS = 3
#: Looking for our own message starts this long before the claim: Discord's clock and ours
#: may differ a little.
LOOKUP_SLACK = timedelta(minutes=2)


class Outcome(StrEnum):
    """What happened to a guild's weekly post."""

    SENT = "sent"
    """Sent now (or found already in the channel after a crash: ``recovered``)."""
    ALREADY_SENT = "already_sent"
    """The ledger says it went out earlier; nothing was sent."""
    FAILED = "failed"
    """Could not send; ``reason`` says why, the moderators were told."""
    MISSED = "missed"
    """Too late to send (past the grace window); recorded and reported."""
    NO_CHALLENGE = "no_challenge"
    """The season has not started, has no start date, or is over."""
    NOT_CONFIGURED = "not_configured"
    """No settings or no channel, or the guild paused posting; ``reason`` says which."""
    NOT_DUE = "not_due"
    """Automatic runs only: the week's post time has not come yet (left to the timer)."""


@dataclass(frozen=True)
class PostOutcome:
    """The result of one attempt to post a guild's weekly challenge."""

    outcome: Outcome
    guild_id: int
    week: IsoWeek | None = None
    message_id: int | None = None
    reason: str | None = None
    late: bool = False
    recovered: bool = False
    #: The post's discussion thread, when it has one (see :mod:`scheduler.threads`).
    thread_id: int | None = None

    @property
    def ok(self) -> bool:
        """The week's post is in the channel (sent now or earlier)."""
        return self.outcome in (Outcome.SENT, Outcome.ALREADY_SENT)


@dataclass(frozen=True)
class PostPolicy:
    """Timing knobs of :func:`post_weekly_challenge`; tests pass zero delays or a fake sleep."""

    grace: timedelta = DEFAULT_GRACE
    on_time: timedelta = DEFAULT_ON_TIME
    retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep)
    max_automatic_attempts: int = MAX_AUTOMATIC_ATTEMPTS
    #: Held while the digest's recap is read. The runner passes a one-slot semaphore, so
    #: many guilds due at the same minute read one after another instead of queueing dozens
    #: of leaderboard reads in front of members' commands on the shared reader connection.
    digest_gate: AbstractAsyncContextManager[object] = field(default_factory=nullcontext)

    def __post_init__(self) -> None:
        if self.grace < self.on_time or self.on_time < timedelta(0):
            raise ValueError(f"need 0 <= on_time <= grace, got {self.on_time} and {self.grace}")
        if any(delay < 0 for delay in self.retry_delays):
            raise ValueError(f"retry delays must be >= 0, got {tuple(self.retry_delays)}")


def automatic_week(schedule: GuildSchedule, now: datetime) -> IsoWeek | None:
    """The week whose post time is the latest at or before ``now`` within the season.

    A post time from before the schedule's timing was set does not count: that week is
    :attr:`scheduler.season.WeekState.BEFORE_SCHEDULE`, posted only by ``/admin post-now``.
    """
    planned = weekly_schedule(schedule)
    start = season_start_instant(schedule)
    if start is not None and schedule.timing_changed_at is not None:
        start = max(start, schedule.timing_changed_at)
    due = last_post_at_or_before(planned, now, not_before=start)
    if due is None:
        return None
    return current_week(schedule, due)


def _human_permission(name: str) -> str:
    return name.replace("_", " ").title()


def _local(schedule: GuildSchedule, instant: datetime) -> str:
    local = instant.astimezone(weekly_schedule(schedule).zone)
    return f"{WEEKDAY_NAMES[local.weekday()]} {local:%Y-%m-%d %H:%M} ({schedule.timezone})"


def _what_to_fix(error: PublishError, week: IsoWeek, channel_id: int) -> str:
    head = f"I could not post the weekly challenge for {week}"
    if isinstance(error, ChannelMissing):
        return (
            f"{head}: the challenge channel <#{error.channel_id}> no longer exists or I cannot"
            " see it. Choose a channel with /admin schedule, then use /admin post-now."
        )
    if isinstance(error, MissingPermissions):
        where = error.channel_id if error.channel_id is not None else channel_id
        return (
            f"{head} in <#{where}>: I need the '{_human_permission(error.permission)}'"
            " permission there. Grant it to my role (server or channel permissions), then use"
            " /admin post-now."
        )
    return f"{head}: {error}. Use /admin post-now to try again."


def _log(outcome: PostOutcome) -> PostOutcome:
    level = logging.WARNING if outcome.outcome in (Outcome.FAILED, Outcome.MISSED) else logging.INFO
    logger.log(
        level,
        "weekly post for guild %s, week %s: %s",
        outcome.guild_id,
        outcome.week,
        outcome.outcome.value,
        extra={
            "event": "weekly_post",
            "guild_id": outcome.guild_id,
            "week": None if outcome.week is None else str(outcome.week),
            "outcome": outcome.outcome.value,
            "late": outcome.late,
            "recovered": outcome.recovered,
            "reason": outcome.reason,
        },
    )
    return outcome


async def _notify(publisher: Publisher, guild_id: int, text: str) -> None:
    """Best effort: a notice that cannot be delivered is logged, never raised."""
    try:
        await publisher.notify_moderators(guild_id, text)
    except Exception:
        logger.exception(
            "could not notify the moderators of guild %s",
            guild_id,
            extra={"event": "moderator_notice_failed", "guild_id": guild_id},
        )


@dataclass
class _Run:
    """One call's context, so the helpers below take few arguments."""

    store: Store
    publisher: Publisher
    clock: Clock
    policy: PostPolicy
    schedule: GuildSchedule
    channel_id: int
    week: IsoWeek
    scheduled_for: datetime

    @property
    def guild_id(self) -> int:
        return self.schedule.guild_id

    def outcome(
        self,
        outcome: Outcome,
        *,
        message_id: int | None = None,
        reason: str | None = None,
        late: bool = False,
        recovered: bool = False,
    ) -> PostOutcome:
        return PostOutcome(
            outcome,
            self.guild_id,
            self.week,
            message_id=message_id,
            reason=reason,
            late=late,
            recovered=recovered,
        )

    async def find_own(self, record: PostRecord) -> int | None:
        """Our message for this week in the row's channel, sent after the row's claim.

        Whoever held the claim sent after ``claimed_at`` (a re-claim looks before it moves
        ``claimed_at`` on), so the search starts there: Discord reads history forward from
        that point, a page at a time, so starting later than the scheduled time matters in a
        busy channel after a late catch-up.
        """
        return await self.publisher.find_own_post(
            self.guild_id,
            record.channel_id,
            post_marker(self.week),
            record.claimed_at - LOOKUP_SLACK,
        )

    async def recovered(self, record: PostRecord, message_id: int) -> PostOutcome:
        await self.store.posts.mark_sent(record.post_id, message_id=message_id)
        return self.outcome(Outcome.SENT, message_id=message_id, recovered=True)

    async def fail(self, record: PostRecord, error: PublishError) -> PostOutcome:
        reason = str(error)
        await self.store.posts.mark_failed(record.post_id, error=reason)
        await _notify(
            self.publisher, self.guild_id, _what_to_fix(error, self.week, record.channel_id)
        )
        return self.outcome(Outcome.FAILED, reason=reason)

    async def missed(self, record: PostRecord) -> PostOutcome:
        late_by = self.clock.now() - self.scheduled_for
        hours = int(late_by.total_seconds() // 3600)
        reason = (
            f"due {self.scheduled_for.isoformat()}, {hours} h late, past the"
            f" {_hours(self.policy.grace)} catch-up window"
        )
        await self.store.posts.mark_missed(record.post_id, reason=reason)
        await _notify(
            self.publisher,
            self.guild_id,
            f"The weekly challenge for {self.week} was not posted: it was due"
            f" {_local(self.schedule, self.scheduled_for)} and I could only get to it {hours} h"
            f" later, past the {_hours(self.policy.grace)} catch-up window. It is recorded as"
            " missed; the next challenge goes out as planned.",
        )
        return self.outcome(Outcome.MISSED, reason=reason)

    def capped(self, existing: PostRecord, *, on_demand: bool) -> bool:
        """Automatic runs have tried this failed post often enough: leave it to a moderator."""
        return (
            not on_demand
            and existing.state is PostState.FAILED
            and existing.attempts >= self.policy.max_automatic_attempts
        )

    async def look(self, existing: PostRecord) -> PostOutcome | None:
        """Did a ``claimed``/``failed`` row's post go out after all? ``None``: not found.

        Always asked first, whatever the row's attempts: a message in the channel must get its
        ledger entry (streaks, ``/challenge current`` and the season status read the ledger).
        """
        try:
            found = await self.find_own(existing)
        except TransientPublishError as error:
            # Cannot tell whether it went out, and sending now could duplicate it: the row
            # stays as it is for the next run (start-up, /admin post-now) to settle.
            return self.outcome(
                Outcome.FAILED,
                reason=f"could not check the channel for an earlier post ({error}); try again",
            )
        except PublishError as error:
            if existing.channel_id == self.channel_id:
                # The channel is gone or unreadable: sending there cannot work either, and
                # without reading it a duplicate cannot be ruled out. The row is not re-claimed
                # (its claim time is where the next look starts), and the moderators hear
                # about each problem once, not at every restart.
                reason = str(error)
                if existing.state is PostState.FAILED and existing.error == reason:
                    return self.outcome(Outcome.FAILED, reason=reason)  # told them already
                return await self.fail(existing, error)
            found = None  # a moderator chose another channel: the old one does not matter
        if found is not None:
            return await self.recovered(existing, found)
        return None

    async def settle(
        self,
        existing: PostRecord,
        season: SeasonChallenge | None,
        status: DueStatus,
        *,
        on_demand: bool,
    ) -> PostOutcome | None:
        """Settle a row :meth:`look` did not find; ``None`` means "re-claim it and send"."""
        if season is None:
            await self.store.posts.mark_missed(existing.post_id, reason="the season changed")
            reason = "the season changed: this week has no challenge any more"
            return self.outcome(Outcome.NO_CHALLENGE, reason=reason)
        if not on_demand and status == "missed":
            return await self.missed(existing)
        if self.capped(existing, on_demand=on_demand):
            return self.outcome(Outcome.FAILED, reason=existing.error)  # told them already
        if existing.state is PostState.CLAIMED:
            await self.store.posts.mark_failed(
                existing.post_id, error="claimed but never confirmed (no message found)"
            )
        return None

    async def send(self, record: PostRecord, post: ChallengePost) -> PostOutcome:
        """Send with retries for transient errors; ``record`` is a row this call owns."""
        delays = list(self.policy.retry_delays)
        attempt = 0
        while True:
            attempt += 1
            try:
                message = await self.publisher.post_challenge(self.guild_id, self.channel_id, post)
            except TransientPublishError as error:
                if not delays:
                    return await self.fail(
                        record,
                        TransientPublishError(
                            f"Discord kept failing after {attempt} attempts ({error})"
                        ),
                    )
                delay = delays.pop(0)
                if error.retry_after is not None:
                    delay = max(delay, min(error.retry_after, MAX_RETRY_AFTER))
                logger.info(
                    "weekly post for guild %s: transient error, retrying in %.0f s",
                    self.guild_id,
                    delay,
                    extra={"event": "weekly_post_retry", "guild_id": self.guild_id},
                )
                await self.policy.sleep(delay)
                # A timed-out send may have gone through: look before sending again.
                try:
                    found = await self.find_own(record)
                except PublishError:
                    found = None
                if found is not None:
                    return await self.recovered(record, found)
                continue
            except PublishError as error:  # missing channel/permission, or unknown: no retry
                return await self.fail(record, error)
            await self.store.posts.mark_sent(record.post_id, message_id=message.message_id)
            return self.outcome(Outcome.SENT, message_id=message.message_id, late=post.late)


def _hours(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:g} h"


async def post_weekly_challenge(
    store: Store,
    catalog: Catalog,
    publisher: Publisher,
    clock: Clock,
    guild_id: int,
    *,
    week: IsoWeek | None = None,
    on_demand: bool = False,
    record_missed: bool = True,
    policy: PostPolicy | None = None,
    actor_id: int | None = None,
) -> PostOutcome:
    """Post ``guild_id``'s challenge for ``week`` unless the ledger says it is settled.

    ``week=None`` means: for automatic runs, the week of the latest post time at or before now
    (within the season); for ``on_demand`` (``/admin post-now``), the guild's current week.
    ``record_missed=False`` (the catch-up after a schedule change) leaves a post whose time is
    past the grace window alone instead of recording it missed: under the new schedule its
    time passed before the schedule existed, nothing failed, and ``/admin post-now`` can
    still send it. ``actor_id`` is the moderator behind ``on_demand`` (for the audit log when
    ``/admin post-now`` starts the season this week, see :mod:`scheduler.season`).
    Never raises for Discord problems (they become ``FAILED`` and a moderator notice); storage
    errors propagate after being logged.
    """
    deps = _Deps(store, catalog, publisher, clock, policy or PostPolicy())
    try:
        outcome = await _post(
            deps,
            guild_id,
            week,
            on_demand=on_demand,
            record_missed=record_missed,
            actor_id=actor_id,
        )
    except Exception:
        logger.exception(
            "weekly post for guild %s, week %s: error",
            guild_id,
            week,
            extra={
                "event": "weekly_post",
                "guild_id": guild_id,
                "week": None if week is None else str(week),
                "outcome": "error",
            },
        )
        raise
    outcome = _log(outcome)
    if outcome.ok and outcome.week is not None:
        outcome = await _thread_step(deps, outcome, on_demand=on_demand)
        # The week passed: broken streaks lose their milestone roles (never raises).
        await settle_rewards(deps.store, deps.publisher, guild_id)
    return outcome


async def _thread_step(deps: _Deps, outcome: PostOutcome, *, on_demand: bool) -> PostOutcome:
    """The post is in the channel: make sure it has its discussion thread.

    Never changes whether the post counts as sent, and never raises: a thread problem is the
    moderators' to fix (:func:`scheduler.threads.ensure_thread` tells them), not a reason to
    fail or repeat the post.
    """
    assert outcome.week is not None
    try:
        post = await deps.store.posts.get(outcome.guild_id, outcome.week)
        if post is None:
            return outcome
        thread = await ensure_thread(
            deps.store,
            deps.catalog,
            deps.publisher,
            post,
            deps.clock.now(),
            sent_now=outcome.outcome is Outcome.SENT,
            on_demand=on_demand,
            recent=deps.policy.grace,
        )
    except Exception:
        logger.exception(
            "discussion thread for guild %s, week %s: error",
            outcome.guild_id,
            outcome.week,
            extra={"event": "weekly_thread", "guild_id": outcome.guild_id, "outcome": "error"},
        )
        return outcome
    return dataclasses.replace(outcome, thread_id=thread.thread_id)


@dataclass(frozen=True)
class _Deps:
    store: Store
    catalog: Catalog
    publisher: Publisher
    clock: Clock
    policy: PostPolicy


async def _post(  # noqa: PLR0911, PLR0912 -- one return per outcome, in decision order
    deps: _Deps,
    guild_id: int,
    week: IsoWeek | None,
    *,
    on_demand: bool,
    record_missed: bool,
    actor_id: int | None,
) -> PostOutcome:
    schedule = await deps.store.settings.get(guild_id)
    now = deps.clock.now()
    if (
        schedule is not None
        and schedule.channel_id is not None
        and week is None
        and on_demand
        and can_start_this_week(schedule, now)
    ):
        # /admin post-now before the season's first week: the season starts this week.
        schedule = start_this_week(schedule, now)
        await deps.store.settings.save(schedule, actor_id=actor_id)
    if schedule is None or schedule.channel_id is None:
        reason = "no challenge channel: choose one with /admin schedule"
        return PostOutcome(Outcome.NOT_CONFIGURED, guild_id, week, reason=reason)
    if not schedule.enabled and not on_demand:
        reason = "posting is paused: use /admin resume"
        return PostOutcome(Outcome.NOT_CONFIGURED, guild_id, week, reason=reason)
    if week is None:
        week = current_week(schedule, now) if on_demand else automatic_week(schedule, now)
        if week is None:
            reason = _no_challenge_reason(deps.catalog, schedule, now)
            return PostOutcome(Outcome.NO_CHALLENGE, guild_id, None, reason=reason)
    week = planning_week(week)
    scheduled_for = post_time_in_week(weekly_schedule(schedule), *week)
    run = _Run(
        deps.store,
        deps.publisher,
        deps.clock,
        deps.policy,
        schedule,
        schedule.channel_id,
        week,
        scheduled_for,
    )

    existing = await deps.store.posts.get(guild_id, week)
    if existing is not None and existing.state is PostState.SENT:
        return run.outcome(Outcome.ALREADY_SENT, message_id=existing.message_id)
    if existing is not None and existing.state is PostState.MISSED:
        return run.outcome(Outcome.MISSED, reason=existing.error)

    if existing is not None:  # claimed or failed: did it go out after all? (even if not due)
        looked = await run.look(existing)
        if looked is not None:
            return looked

    status = classify_due_post(scheduled_for, now, deps.policy.grace, on_time=deps.policy.on_time)
    season = challenge_for_week(deps.catalog, schedule, week)
    if existing is None and season is None:
        reason = _no_challenge_reason(deps.catalog, schedule, now)
        return run.outcome(Outcome.NO_CHALLENGE, reason=reason)
    if not on_demand and status == "not_due":
        return run.outcome(Outcome.NOT_DUE)
    if existing is not None:  # not found: settle it before anything is sent again
        settled = await run.settle(existing, season, status, on_demand=on_demand)
        if settled is not None:
            return settled
    if season is None:  # pragma: no cover - settle() returned for this case
        raise AssertionError("no challenge to send")
    if existing is None and not on_demand and status == "missed" and not record_missed:
        reason = "its time passed before the schedule was set (not recorded)"
        return run.outcome(Outcome.MISSED, reason=reason)

    claim = await deps.store.posts.claim(
        guild_id,
        week,
        challenge_id=season.challenge.id,
        channel_id=schedule.channel_id,
        scheduled_for=scheduled_for,
        retry_failed=True,
    )
    if not claim.owned:  # another caller got there first (another process)
        if claim.post.state is PostState.SENT:
            return run.outcome(Outcome.ALREADY_SENT, message_id=claim.post.message_id)
        return run.outcome(Outcome.FAILED, reason=f"the post is {claim.post.state} elsewhere")
    if not on_demand and status == "missed":
        return await run.missed(claim.post)
    # Only an automatic post can be late (the bot was down at its time); a moderator's
    # /admin post-now is on time whenever it is asked for.
    late = not on_demand and now - scheduled_for > deps.policy.on_time
    async with deps.policy.digest_gate:
        post = await build_weekly_post(deps.store, deps.catalog, schedule, season, late=late)
    return await run.send(claim.post, post)


def _no_challenge_reason(catalog: Catalog, schedule: GuildSchedule, now: datetime) -> str:
    """Why there is nothing to post: the season module's words (posts are not consulted)."""
    reason = season_status(catalog, schedule, now).no_challenge_reason()
    return reason or "this week's challenge is already settled"


async def record_skipped_weeks(
    store: Store,
    catalog: Catalog,
    publisher: Publisher,
    clock: Clock,
    guild_id: int,
    *,
    policy: PostPolicy | None = None,
) -> list[IsoWeek]:
    """Record the season weeks a long downtime skipped entirely, with one notice.

    Start-up catch-up handles the latest due week with :func:`post_weekly_challenge`; this
    looks at the weeks before it, back to the guild's latest ledger row (or the season's first
    week), and records those past the grace window as missed, so that none is missed silently
    however long the bot was down. Returns the weeks recorded, oldest first.
    """
    policy = policy or PostPolicy()
    schedule = await store.settings.get(guild_id)
    if schedule is None or schedule.channel_id is None or not schedule.enabled:
        return []
    now = clock.now()
    due = automatic_week(schedule, now)
    if due is None:
        return []
    planned = weekly_schedule(schedule)
    skipped: list[tuple[IsoWeek, str, datetime]] = []
    week = due.previous()
    # Bounded by the season's length: challenge_for_week is None before its first week.
    while (season := challenge_for_week(catalog, schedule, week)) is not None:
        if await store.posts.get(guild_id, week) is not None:
            break  # settled (or settling) from here back
        scheduled_for = post_time_in_week(planned, *week)
        if schedule.timing_changed_at is not None and scheduled_for < schedule.timing_changed_at:
            break  # due before this timing was set: nobody missed it, nothing to report
        if classify_due_post(scheduled_for, now, policy.grace, on_time=policy.on_time) == "missed":
            skipped.append((week, season.challenge.id, scheduled_for))
        week = week.previous()
    recorded: list[IsoWeek] = []
    for week, challenge_id, scheduled_for in reversed(skipped):
        claim = await store.posts.claim(
            guild_id,
            week,
            challenge_id=challenge_id,
            channel_id=schedule.channel_id,
            scheduled_for=scheduled_for,
        )
        if not claim.owned:
            continue
        reason = f"due {scheduled_for.isoformat()}; the bot was not running"
        await store.posts.mark_missed(claim.post.post_id, reason=reason)
        recorded.append(week)
        _log(PostOutcome(Outcome.MISSED, guild_id, week, reason=reason))
    if recorded:
        weeks = ", ".join(str(week) for week in recorded)
        await _notify(
            publisher,
            guild_id,
            f"While I was offline, the weekly challenges for {weeks} were not posted, and it is"
            f" now past the {_hours(policy.grace)} catch-up window. They are recorded as missed;"
            " the challenges continue as planned.",
        )
    return recorded
