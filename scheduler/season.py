"""Which week it is for a guild, and which challenge of the season that week gets: pure.

The bridge between what storage keeps (:class:`storage.models.GuildSchedule`, with the zone as
an IANA key and its own ``IsoWeek``) and what planning computes with
(:class:`scheduler.planning.WeeklySchedule`, :class:`scheduler.planning.IsoWeek`). Conversions
happen here, once, so the rest of the scheduler speaks planning's types.

Season rules:

* The season begins at local midnight of ``season_start`` (storage counts season completions
  from that instant too). Its first post is the first post time at or after it, and that
  post's ISO week (guild-local calendar) gets challenge 1, the next week challenge 2, and so on
  (:func:`scheduler.planning.challenge_index_for_week` counted from that week). So with Monday
  posts and a season starting on a Wednesday, challenge 1 goes out the following Monday: a
  post is never sent before the season starts, and no challenge is skipped.
* No ``season_start``, a week before the first post's, or a week after the last challenge: no
  challenge (``None``). The season does not wrap around; a moderator starts a new season by
  setting a new start date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from content.models import Catalog, Challenge
from scheduler.planning import (
    IsoWeek,
    WeeklySchedule,
    challenge_index_for_week,
    next_post_at,
    week_of,
)
from storage.models import GuildSchedule

__all__ = [
    "SeasonChallenge",
    "challenge_for_week",
    "current_week",
    "first_season_post",
    "planning_week",
    "season_length",
    "season_start_instant",
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


def first_season_post(schedule: GuildSchedule) -> datetime | None:
    """The season's first post instant: the first post time at or after the season start."""
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
