"""Which challenge a guild gets in which week, and why there is none: the one place that says so.

Everything that talks about the season asks this module: the runner and the job (what to post),
``/admin schedule``, ``/admin show`` and ``/admin post-now`` (what to tell a moderator),
``/challenge current`` and ``/progress`` (what to tell a member), and the digest. So they can
never disagree.

The bridge between what storage keeps (:class:`storage.models.GuildSchedule`, with the zone as
an IANA key, and the post ledger) and what planning computes with
(:class:`scheduler.planning.WeeklySchedule`, :class:`scheduler.planning.IsoWeek`).

Season rules (:data:`SEASON_RULE` says them to moderators in the same words everywhere):

* The season begins at local midnight of ``season_start``; ``/admin schedule`` without one
  starts it today. Challenge 1 goes out at the first post time on or after that instant, the
  next ISO week (guild-local calendar) gets challenge 2, and so on; after the last challenge the
  season is over (it does not wrap around: a moderator sets a new start date).
* ``/admin post-now`` in the week before challenge 1's post time (a group that sets up on a
  Wednesday for Monday posts) starts the season *this* week: the start moves back to this
  week's Monday (:func:`start_this_week`), challenge 1 goes out at once, and challenge 2 follows
  at the next post time. Without it, challenge 1 simply goes out at the next post time:
  nothing is skipped. ``/admin schedule`` without a start picks one so that this holds on any
  day (:func:`default_season_start`).
* A week whose post time passed before the schedule's timing was set (a back-dated season start,
  or a pause) is never posted automatically and never reported as missed: it is
  :attr:`WeekState.BEFORE_SCHEDULE`, and ``/admin post-now`` can still post it in its own week.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from content.models import Catalog, Challenge
from scheduler.planning import (
    IsoWeek,
    WeeklySchedule,
    challenge_index_for_week,
    next_post_at,
    post_time_in_week,
    week_of,
)
from storage.models import GuildSchedule, PostRecord, PostState
from storage.store import Store

__all__ = [
    "SEASON_RULE",
    "SeasonChallenge",
    "SeasonState",
    "SeasonStatus",
    "WeekPlan",
    "WeekState",
    "can_start_this_week",
    "challenge_for_week",
    "current_week",
    "default_season_start",
    "first_season_post",
    "load_status",
    "planning_week",
    "season_length",
    "season_start_instant",
    "season_status",
    "start_this_week",
    "weekly_schedule",
]


@dataclass(frozen=True)
class SeasonChallenge:
    """The challenge a guild gets in ``week``: ``number`` is 1-based ("challenge 3 of 15")."""

    week: IsoWeek
    number: int
    challenge: Challenge


def weekly_schedule(schedule: GuildSchedule) -> WeeklySchedule:
    """The guild's settings as planning's :class:`WeeklySchedule` (weekday, time, zone)."""
    return WeeklySchedule(schedule.weekday, schedule.post_time, ZoneInfo(schedule.timezone))


def planning_week(week: tuple[int, int]) -> IsoWeek:
    """Any ``(year, week)`` tuple as an :class:`IsoWeek`."""
    return IsoWeek(week[0], week[1])


def current_week(schedule: GuildSchedule, now: datetime) -> IsoWeek:
    """The ISO week ``now`` (aware) falls in on the guild's local calendar."""
    return week_of(weekly_schedule(schedule), now)


#: Season starts outside these dates are treated as unset: near the ends of the calendar the
#: post arithmetic would overflow, and no study group plans seasons centuries away.
EARLIEST_SEASON_START = date(2000, 1, 1)
LATEST_SEASON_START = date(2199, 12, 31)


def season_start_instant(schedule: GuildSchedule) -> datetime | None:
    """Local midnight of the guild's ``season_start`` as a UTC instant.

    ``None`` if unset or outside :data:`EARLIEST_SEASON_START`..:data:`LATEST_SEASON_START`.
    """
    start = schedule.season_start
    if start is None or not EARLIEST_SEASON_START <= start <= LATEST_SEASON_START:
        return None
    zone = ZoneInfo(schedule.timezone)
    return datetime.combine(start, time(0), zone).astimezone(UTC)


@functools.lru_cache(maxsize=1024)
def first_season_post(schedule: GuildSchedule) -> datetime | None:
    """The season's first post instant: the first post time at or after the season start.

    Kept per schedule (a frozen value): members' commands ask it several times each.
    """
    start = season_start_instant(schedule)
    if start is None:
        return None
    return next_post_at(weekly_schedule(schedule), start - timedelta(microseconds=1))


def season_length(catalog: Catalog) -> int:
    """How many weekly challenges the season has."""
    return len(catalog.challenges)


def challenge_for_week(
    catalog: Catalog, schedule: GuildSchedule, week: tuple[int, int]
) -> SeasonChallenge | None:
    """The season's challenge for ``week``, or ``None`` (no season start, before it, or over)."""
    first_post = first_season_post(schedule)
    if first_post is None:
        return None
    iso_week = planning_week(week)
    first_week = current_week(schedule, first_post)
    index = challenge_index_for_week(first_week.monday(), iso_week)
    if index is None:
        return None
    number = index + 1
    challenge = catalog.challenge_for_week(number)
    if challenge is None:
        return None
    return SeasonChallenge(week=iso_week, number=number, challenge=challenge)


#: The season rule as moderators read it: ``/admin schedule``, ``/admin show`` and the README.
SEASON_RULE = (
    "Challenge 1 goes out at the first post time on or after the season start (or at once "
    "with `/admin post-now` in the week before it); then one challenge a week."
)


def can_start_this_week(schedule: GuildSchedule, now: datetime) -> bool:
    """Would ``/admin post-now`` start the season now? (See the module docstring.)

    True when challenge 1's post time falls in the week after the current one: a group that
    sets up on a Wednesday for Monday posts can start at once instead of waiting for Monday.
    """
    first = first_season_post(schedule)
    return first is not None and current_week(schedule, first) == current_week(schedule, now).next()


def start_this_week(schedule: GuildSchedule, now: datetime) -> GuildSchedule:
    """The settings with the season moved to start on this week's Monday (local calendar)."""
    return dataclasses.replace(schedule, season_start=current_week(schedule, now).monday())


class WeekState(StrEnum):
    """Where one week of the season stands, from the post ledger and the clock."""

    POSTED = "posted"
    """The week's post went out."""
    MISSED = "missed"
    """Given up: too late to send after a downtime (the moderators were told)."""
    UNCONFIRMED = "unconfirmed"
    """Claimed or failed and not confirmed yet: the runner settles it."""
    BEFORE_SCHEDULE = "before_schedule"
    """Its post time passed before the schedule was set (or while paused): not posted."""
    DUE = "due"
    """Its post time has passed and nothing is recorded yet: the runner is on it."""
    AHEAD = "ahead"
    """Its post time is still to come."""


@dataclass(frozen=True)
class WeekPlan:
    """One challenge of the season: its week, its post time and where it stands."""

    number: int
    challenge: Challenge
    week: IsoWeek
    post_at: datetime
    state: WeekState


class SeasonState(StrEnum):
    """Where the guild's season stands this week."""

    NOT_CONFIGURED = "not_configured"
    NOT_STARTED = "not_started"
    RUNNING = "running"
    OVER = "over"


def _week_state(
    schedule: GuildSchedule, post_at: datetime, post: PostRecord | None, now: datetime
) -> WeekState:
    if post is not None:
        if post.state is PostState.SENT:
            return WeekState.POSTED
        if post.state is PostState.MISSED:
            return WeekState.MISSED
        return WeekState.UNCONFIRMED
    if post_at > now:
        return WeekState.AHEAD
    changed = schedule.timing_changed_at
    if changed is not None and post_at < changed:
        return WeekState.BEFORE_SCHEDULE
    return WeekState.DUE


def _fmt(instant: datetime) -> str:
    return f"{instant:%Y-%m-%d %H:%M} UTC"


@dataclass(frozen=True)
class SeasonStatus:
    """The guild's season at one instant: every reader asks this (see the module docstring).

    Build it with :func:`season_status` (pure) or :func:`load_status` (reads the store).
    """

    schedule: GuildSchedule | None
    now: datetime
    weeks: tuple[WeekPlan, ...]
    """The whole season, challenge 1 first; empty when there is no season."""

    @property
    def configured(self) -> bool:
        """Settings, a channel and a valid season start exist."""
        return (
            self.schedule is not None
            and self.schedule.channel_id is not None
            and season_start_instant(self.schedule) is not None
        )

    @property
    def paused(self) -> bool:
        """A moderator paused the weekly posts."""
        return self.schedule is not None and not self.schedule.enabled

    @property
    def week(self) -> IsoWeek | None:
        """The guild's current ISO week (local calendar)."""
        return None if self.schedule is None else current_week(self.schedule, self.now)

    @property
    def length(self) -> int:
        """How many challenges the season has."""
        return len(self.weeks)

    @property
    def state(self) -> SeasonState:
        """Not configured, not started, running or over, for the current week."""
        if not self.configured or not self.weeks:
            return SeasonState.NOT_CONFIGURED
        week = self.week
        if week is None or week < self.weeks[0].week:
            return SeasonState.NOT_STARTED
        if week > self.weeks[-1].week:
            return SeasonState.OVER
        return SeasonState.RUNNING

    @property
    def this_week(self) -> WeekPlan | None:
        """The challenge the current week carries, posted or not."""
        return next((plan for plan in self.weeks if plan.week == self.week), None)

    @property
    def posted_this_week(self) -> bool:
        """The current week's post is in the channel."""
        plan = self.this_week
        return plan is not None and plan.state is WeekState.POSTED

    @property
    def latest_posted(self) -> WeekPlan | None:
        """The season's most recent posted week, if any."""
        posted = [plan for plan in self.weeks if plan.state is WeekState.POSTED]
        return posted[-1] if posted else None

    @property
    def upcoming(self) -> WeekPlan | None:
        """The next post that will go out on its own (``None``: paused, over, not configured).

        Never a week already posted: a week posted early with ``/admin post-now`` is skipped.
        """
        if not self.configured or self.paused:
            return None
        return next(
            (p for p in self.weeks if p.state is WeekState.AHEAD and p.post_at > self.now), None
        )

    @property
    def can_start_now(self) -> bool:
        """``/admin post-now`` would start the season this week (:func:`can_start_this_week`)."""
        return (
            self.schedule is not None
            and self.configured
            and self.state is SeasonState.NOT_STARTED
            and can_start_this_week(self.schedule, self.now)
        )

    @property
    def before_schedule(self) -> tuple[WeekPlan, ...]:
        """Weeks whose post time passed before the schedule was set (never posted)."""
        return tuple(p for p in self.weeks if p.state is WeekState.BEFORE_SCHEDULE)

    def no_challenge_reason(  # noqa: PLR0911 -- one answer per reason, in the order checked
        self, when: Callable[[datetime], str] = _fmt
    ) -> str | None:
        """Why the current week has no posted challenge, exactly; ``None`` if it has one.

        ``when`` formats an instant (the bot passes Discord's timestamp markup).
        """
        if self.posted_this_week:
            return None
        state = self.state
        if state is SeasonState.NOT_CONFIGURED:
            if self.schedule is None or self.schedule.channel_id is None:
                return (
                    "No weekly challenge is set up here yet: a moderator starts with "
                    "`/admin schedule`."
                )
            return "The season has no start date: a moderator sets one with `/admin schedule`."
        if state is SeasonState.OVER:
            return (
                f"The season is over: all {self.length} challenges have had their week. "
                "A moderator starts a new one with `/admin schedule` and a new `season_start`."
            )
        if self.paused:
            return "The weekly posts are paused: a moderator restarts them with `/admin resume`."
        first = self.weeks[0]
        if state is SeasonState.NOT_STARTED:
            text = (
                f"The season has not started: challenge 1 (**{first.challenge.name}**) goes out "
                f"{when(first.post_at)}."
            )
            if self.can_start_now:
                text += " A moderator can post it now with `/admin post-now`."
            return text
        plan = self.this_week
        assert plan is not None  # running: the current week is one of the season's
        this = f"This week's challenge {plan.number} (**{plan.challenge.name}**)"
        if plan.state is WeekState.AHEAD:
            return f"{this} goes out {when(plan.post_at)}."
        if plan.state is WeekState.BEFORE_SCHEDULE:
            text = (
                f"{this} was not posted: its post time passed before the schedule was set. "
                "A moderator can post it now with `/admin post-now`."
            )
        elif plan.state is WeekState.MISSED:
            text = f"{this} was not posted: it was too late after the bot was offline."
        else:
            text = f"{this} was due {when(plan.post_at)} and is not posted yet."
        upcoming = self.upcoming
        if upcoming is not None:
            text += (
                f" Next: challenge {upcoming.number} (**{upcoming.challenge.name}**) "
                f"{when(upcoming.post_at)}."
            )
        return text

    def before_schedule_note(self) -> str | None:
        """E.g. "Weeks 1–2 passed before this server's schedule was set (not posted)"."""
        skipped = [p.number for p in self.before_schedule]
        if not skipped:
            return None
        if len(skipped) == 1:
            return f"Week {skipped[0]} passed before this server's schedule was set (not posted)."
        span = (
            f"{skipped[0]}–{skipped[-1]}"
            if skipped == list(range(skipped[0], skipped[-1] + 1))
            else ", ".join(map(str, skipped))
        )
        return f"Weeks {span} passed before this server's schedule was set (not posted)."

    def season_line(self) -> str:
        """The season in one line, for ``/admin schedule`` and ``/admin show``."""
        if self.schedule is None or season_start_instant(self.schedule) is None:
            return "no start date, so nothing is posted"
        start = self.schedule.season_start
        assert start is not None
        head = f"{self.length} challenges, starting {start.isoformat()}"
        plan = self.this_week
        state = self.state
        if state is SeasonState.OVER:
            return f"{head}: over (set a new `season_start` to begin again)"
        if state is SeasonState.NOT_STARTED or plan is None:
            return f"{head}: not started yet"
        this = f"challenge {plan.number} of {self.length} (**{plan.challenge.name}**)"
        if plan.state is WeekState.POSTED:
            return f"{head}: {this} is this week's (posted)"
        return f"{head}: {this} is this week's (not posted yet)"


def season_status(
    catalog: Catalog,
    schedule: GuildSchedule | None,
    now: datetime,
    posts: Sequence[PostRecord] = (),
) -> SeasonStatus:
    """The season of a guild at ``now``, from its settings and its post ledger (pure).

    ``posts`` are the guild's ledger rows from the season's first week on (any more are
    ignored); :func:`load_status` reads them.
    """
    first = None if schedule is None else first_season_post(schedule)
    if schedule is None or first is None:
        return SeasonStatus(schedule, now, ())
    by_week = {planning_week(post.week): post for post in posts}
    plans = tuple(
        WeekPlan(
            number, challenge, week, post_at, _week_state(schedule, post_at, by_week.get(week), now)
        )
        for number, challenge, week, post_at in _season_weeks(catalog.challenges, schedule, first)
    )
    return SeasonStatus(schedule, now, plans)


_Weeks = tuple[tuple[int, Challenge, IsoWeek, datetime], ...]
#: :func:`_season_weeks` by (challenges' identity, schedule): the challenges kept alongside,
#: so a reloaded catalog is never matched by a reused id.
_weeks_kept: dict[tuple[int, GuildSchedule], tuple[tuple[Challenge, ...], _Weeks]] = {}
_WEEKS_KEPT = 256


def _season_weeks(
    challenges: tuple[Challenge, ...], schedule: GuildSchedule, first: datetime
) -> _Weeks:
    """Each challenge's number, week and post instant: a function of the settings alone.

    Every ``/progress`` and ``/challenge current`` needs them (a time-zone conversion per
    week), and they change only with the schedule or the content, so they are kept.
    """
    key = (id(challenges), schedule)
    kept = _weeks_kept.get(key)
    if kept is not None and kept[0] is challenges:
        return kept[1]
    planned = weekly_schedule(schedule)
    week = current_week(schedule, first)
    weeks: list[tuple[int, Challenge, IsoWeek, datetime]] = []
    for number, challenge in enumerate(challenges, 1):
        weeks.append((number, challenge, week, post_time_in_week(planned, *week)))
        week = week.next()
    if len(_weeks_kept) >= _WEEKS_KEPT:
        _weeks_kept.clear()
    _weeks_kept[key] = (challenges, tuple(weeks))
    return tuple(weeks)


async def load_status(
    store: Store, catalog: Catalog, guild_id: int, now: datetime, *, max_age: float = 0.0
) -> SeasonStatus:
    """:func:`season_status` for ``guild_id``, reading its settings and ledger from ``store``.

    ``max_age`` > 0: copies of them read that recently will do (members' commands).
    """
    schedule = await store.settings.get(guild_id, max_age=max_age)
    first = None if schedule is None else first_season_post(schedule)
    if schedule is None or first is None:
        return SeasonStatus(schedule, now, ())
    posts = await store.posts.from_week(guild_id, current_week(schedule, first), max_age=max_age)
    return season_status(catalog, schedule, now, posts)


def default_season_start(schedule: GuildSchedule, now: datetime) -> date:
    """The start ``/admin schedule`` picks when none is given: the season starts this week.

    Today (local), so challenge 1 goes out at the next post time; or tomorrow when today's post
    time has already passed, so that it is not counted as a week that passed before the
    schedule. Either way ``/admin post-now`` can start it at once (:func:`can_start_this_week`).
    """
    today = now.astimezone(ZoneInfo(schedule.timezone)).date()
    first = first_season_post(dataclasses.replace(schedule, season_start=today))
    return today if first is None or first > now else today + timedelta(days=1)
