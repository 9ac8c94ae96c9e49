"""When is a guild's weekly post, and which week is it: pure functions, no I/O.

Every ``datetime`` going in or out of this module is timezone-aware; instants come back in UTC.
The guild's own zone is only used to interpret its wall clock and calendar.

Why this is written by hand instead of using APScheduler's ``CronTrigger`` (the library we
would otherwise prefer): with APScheduler 3.11.3 and ``zoneinfo`` zones the cron trigger skips a
week (Monday 00:00-00:59 right after a spring-forward Sunday) and fires twice (any time in a
repeated fall-back hour); ``tests/scheduler/test_crontrigger_defect.py`` reproduces both. The
functions below define the post instant per ISO week directly, are checked against a brute-force
walk of the time line, and the runner arms a one-shot ``DateTrigger`` with their answer.

Rules, in one place:

* The *week* is the ISO 8601 week (Monday-Sunday) in the guild's local calendar.
* A week's post is on ``schedule.weekday`` of that week at ``schedule.local_time`` local time.
* A local time that does not exist (clocks spring forward over it) is read with the UTC offset in
  force before the jump, i.e. PEP 495 ``fold=0``: 02:30 in a 02:00->03:00 gap posts at 03:30,
  as if the clock had not jumped yet. The post moves later by the size of the gap, never earlier.
  (With a gap at midnight, 23:30 in a 23:00->00:00 gap, that is the next local day.)
* A local time that happens twice (clocks fall back over it) posts once, at the first occurrence
  (``fold=0``).
* :func:`next_post_at` is *strictly after* ``now`` and :func:`last_post_at_or_before` is *at or
  before* ``now``: together they split the time line with no instant counted twice, so a job that
  fires at exactly its post instant and then asks for the next one gets the following week.
* ``week_of(post)`` is the week the post was planned for. The one exception in tzdata for
  1970-2037 is a Sunday 23:00-24:00 gap in Africa/Algiers on 25 April 1971, which moves a Sunday
  23:xx post into Monday; no zone in use today has a gap that crosses Sunday midnight.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from scheduler.zones import parse_time_zone
from storage.models import IsoWeek

__all__ = [
    "DEFAULT_GRACE",
    "DEFAULT_ON_TIME",
    "WEEKDAY_NAMES",
    "DueStatus",
    "IsoWeek",
    "WeeklySchedule",
    "challenge_index_for_week",
    "classify_due_post",
    "last_post_at_or_before",
    "next_post_at",
    "parse_local_time",
    "parse_time_zone",
    "parse_weekday",
    "post_time_in_week",
    "week_of",
]

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

_TIME_RE = re.compile(r"(?P<hour>[01]?[0-9]|2[0-3]):(?P<minute>[0-5][0-9])")


def parse_weekday(text: str) -> int:
    """``"monday"``, ``"Mon"``, ``"tues"``, ``"THURS"`` ... -> 0..6 (0 = Monday).

    Accepts a day's English name or any prefix of it of at least three letters, in any case.
    """
    word = text.strip().lower()
    if len(word) >= 3:
        for number, name in enumerate(WEEKDAY_NAMES):
            if name.lower().startswith(word):
                return number
    raise ValueError(
        f"{text.strip()!r} is not a day of the week; use a name such as Monday or Mon."
    )


def parse_local_time(text: str) -> time:
    """``"09:30"``, ``"9:30"``, ``"18:00"`` -> ``time``; 24-hour clock, minutes required."""
    match = _TIME_RE.fullmatch(text.strip())
    if match is None:
        raise ValueError(
            f"{text.strip()!r} is not a time of day; use the 24-hour HH:MM form, "
            "e.g. 09:30 or 18:00."
        )
    return time(int(match["hour"]), int(match["minute"]))


@dataclass(frozen=True)
class WeeklySchedule:
    """One post a week on ``weekday`` (0 = Monday .. 6 = Sunday) at ``local_time`` in ``zone``.

    ``local_time`` is a naive wall-clock time; it is interpreted in ``zone`` each week, so the
    post follows the guild's clocks across daylight-saving changes.
    """

    weekday: int
    local_time: time
    zone: zoneinfo.ZoneInfo

    def __post_init__(self) -> None:
        if isinstance(self.weekday, bool) or not isinstance(self.weekday, int):
            raise TypeError(f"weekday must be an int 0..6, got {self.weekday!r}")
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0 (Monday) .. 6 (Sunday), got {self.weekday}")
        if not isinstance(self.local_time, time) or self.local_time.tzinfo is not None:
            raise ValueError(
                "local_time must be a naive datetime.time (the zone is given separately)"
            )
        if self.local_time.fold != 0:
            raise ValueError("local_time.fold must be 0: repeated times use the first occurrence")
        if not isinstance(self.zone, zoneinfo.ZoneInfo):
            raise TypeError(f"zone must be a zoneinfo.ZoneInfo, got {self.zone!r}")

    @classmethod
    def from_strings(cls, weekday: str, time: str, tz: str) -> WeeklySchedule:
        """Build from what a moderator types: ``("mon", "09:30", "Europe/Berlin")``.

        See :func:`parse_weekday`, :func:`parse_local_time` and :func:`parse_time_zone` for what
        is accepted. Raises ``ValueError`` whose message can be shown to the moderator as is.
        """
        return cls(parse_weekday(weekday), parse_local_time(time), parse_time_zone(tz))

    def describe(self) -> str:
        """``"Monday 09:30 (Europe/Berlin)"``."""
        return f"{WEEKDAY_NAMES[self.weekday]} {self.local_time:%H:%M} ({self.zone.key})"


def _require_aware(name: str, value: datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value!r}")


def post_time_in_week(schedule: WeeklySchedule, iso_year: int, iso_week: int) -> datetime:
    """The UTC instant of the post for ISO week ``iso_year``-W``iso_week`` (local calendar).

    The local date is ``schedule.weekday`` of that week; the wall-clock time is
    ``schedule.local_time``. Nonexistent local times (spring-forward gap) are read with the offset
    before the jump, so the post lands as many minutes after the gap's end as the target was after
    its start (02:30 in a 02:00->03:00 gap -> 03:30). Repeated local times (fall-back) use the first
    occurrence. Both are what PEP 495 ``fold=0`` means; this function relies on it explicitly.
    """
    return _post_on(schedule, date.fromisocalendar(iso_year, iso_week, schedule.weekday + 1))


def _post_on(schedule: WeeklySchedule, day: date) -> datetime:
    """The post instant for local date ``day`` (which must be on ``schedule.weekday``)."""
    # ``local_time.fold`` is 0 (checked in WeeklySchedule), so this is the fold=0 reading.
    return datetime.combine(day, schedule.local_time, schedule.zone).astimezone(UTC)


def _post_day_in_week_of(schedule: WeeklySchedule, instant: datetime) -> date:
    """The local date of the post in the local ISO week containing ``instant``."""
    today = instant.astimezone(schedule.zone).date()
    return today + timedelta(days=schedule.weekday - today.weekday())


def week_of(schedule: WeeklySchedule, instant: datetime) -> IsoWeek:
    """The ISO week that ``instant`` falls in on the guild's local calendar."""
    _require_aware("instant", instant)
    return IsoWeek.of(instant.astimezone(schedule.zone).date())


_WEEK = timedelta(days=7)


def next_post_at(schedule: WeeklySchedule, now: datetime) -> datetime:
    """The earliest post instant *strictly after* ``now`` (UTC).

    Strict so that a job firing at exactly its post instant, asking what comes next, gets the
    following week rather than itself again.
    """
    _require_aware("now", now)
    # Posts increase week over week (no offset change is anywhere near a week), so the first one
    # after ``now`` in week order is the earliest. Starting a week early also covers a post pushed
    # into the next local week by a gap across Sunday midnight (see the module docstring).
    day = _post_day_in_week_of(schedule, now) - _WEEK
    while (candidate := _post_on(schedule, day)) <= now:
        day += _WEEK
    return candidate


def last_post_at_or_before(
    schedule: WeeklySchedule, now: datetime, *, not_before: datetime | None = None
) -> datetime | None:
    """The latest post instant *at or before* ``now`` (UTC), for catch-up after downtime.

    ``not_before`` (e.g. when the guild configured this schedule, or its season start) drops
    posts earlier than it: the result is ``None`` when the latest post is before ``not_before``,
    so a guild is never sent a "late" post for a week it had not signed up for yet.
    """
    _require_aware("now", now)
    if not_before is not None:
        _require_aware("not_before", not_before)
    day = _post_day_in_week_of(schedule, now) + _WEEK  # a week late: mirror of next_post_at
    while (candidate := _post_on(schedule, day)) > now:
        day -= _WEEK
    if not_before is not None and candidate < not_before:
        return None
    return candidate


def challenge_index_for_week(season_start: date, week: IsoWeek) -> int | None:
    """Which challenge (0-based) week ``week`` gets in a season that starts on ``season_start``.

    The ISO week containing ``season_start`` gets challenge 0, the next week 1, and so on; weeks
    before it get ``None``. Both arguments are on the guild's local calendar (``week_of`` already
    converted the instant with the guild's zone), so no zone is needed here. What happens after the
    last challenge (wrap around, stop) is the caller's decision.
    """
    start = IsoWeek.of(season_start).monday()
    weeks = (week.monday() - start).days // 7
    return weeks if weeks >= 0 else None


DueStatus = Literal["not_due", "due", "late_ok", "missed"]

DEFAULT_ON_TIME = timedelta(minutes=5)
DEFAULT_GRACE = timedelta(hours=24)


def classify_due_post(
    scheduled_for: datetime,
    now: datetime,
    grace: timedelta = DEFAULT_GRACE,
    *,
    on_time: timedelta = DEFAULT_ON_TIME,
) -> DueStatus:
    """Decide what to do with a post scheduled for ``scheduled_for`` when checked at ``now``.

    With ``lateness = now - scheduled_for``:

    * ``lateness < 0``: ``"not_due"``, leave it to the timer;
    * ``0 <= lateness <= on_time``: ``"due"``, a normal, punctual post;
    * ``on_time < lateness <= grace``: ``"late_ok"``, send it now (the bot was down or slow),
      and the message may say it is late;
    * ``lateness > grace``: ``"missed"``, skip it and record it as missed.

    Boundaries are inclusive on the generous side: exactly ``grace`` late is still sent.
    """
    _require_aware("scheduled_for", scheduled_for)
    _require_aware("now", now)
    if on_time < timedelta(0) or grace < on_time:
        raise ValueError(f"need 0 <= on_time <= grace, got on_time={on_time}, grace={grace}")
    lateness = now - scheduled_for
    if lateness < timedelta(0):
        return "not_due"
    if lateness <= on_time:
        return "due"
    if lateness <= grace:
        return "late_ok"
    return "missed"
