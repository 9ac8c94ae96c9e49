"""Which week it is for a guild, and which challenge of the season that week gets: pure.

The bridge between what storage keeps (:class:`storage.models.GuildSchedule`, with the zone as
an IANA key and its own ``IsoWeek``) and what planning computes with
(:class:`scheduler.planning.WeeklySchedule`, :class:`scheduler.planning.IsoWeek`). Conversions
happen here, once, so the rest of the scheduler speaks planning's types.

Season rules:

* The ISO week (guild-local calendar) that contains ``season_start`` gets challenge 1, the next
  week challenge 2, and so on (:func:`scheduler.planning.challenge_index_for_week`).
* No ``season_start``, a week before it, or a week after the last challenge: no challenge
  (``None``). The season does not wrap around; a moderator starts a new season by setting a
  new start date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from content.models import Catalog, Challenge
from scheduler.planning import IsoWeek, WeeklySchedule, challenge_index_for_week, week_of
from storage.models import GuildSchedule

__all__ = [
    "SeasonChallenge",
    "challenge_for_week",
    "current_week",
    "planning_week",
    "season_length",
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
    """Any ``(year, week)`` tuple (e.g. storage's ``IsoWeek``) as planning's :class:`IsoWeek`."""
    return IsoWeek(week[0], week[1])


def current_week(schedule: GuildSchedule, now: datetime) -> IsoWeek:
    """The ISO week ``now`` (aware) falls in on the guild's local calendar."""
    return week_of(weekly_schedule(schedule), now)


def season_length(catalog: Catalog) -> int:
    """How many weekly challenges the season has."""
    return len(catalog.challenges)


def challenge_for_week(
    catalog: Catalog, schedule: GuildSchedule, week: tuple[int, int]
) -> SeasonChallenge | None:
    """The season's challenge for ``week``, or ``None`` (no season start, before it, or over)."""
    if schedule.season_start is None:
        return None
    iso_week = planning_week(week)
    index = challenge_index_for_week(schedule.season_start, iso_week)
    if index is None:
        return None
    number = index + 1
    challenge = catalog.challenge_for_week(number)
    if challenge is None:
        return None
    return SeasonChallenge(week=iso_week, number=number, challenge=challenge)
