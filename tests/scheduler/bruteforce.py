"""An independent, brute-force answer to "when is this week's post", for checking planning.py.

It never builds a local datetime and asks zoneinfo for its offset (the direction that has gaps
and folds, and the one planning.py uses). It only converts UTC instants to local wall-clock time,
which is a plain function, by walking the time line in fixed steps:

* the post for local date D at time T is the first UTC instant whose local wall clock reads
  D T or later (first occurrence of a repeated time);
* if the wall clock jumps over D T (a gap), the post is found by letting the clock run on at the
  offset it had just before the jump: last sample before the jump + (D T - its wall time).
  (A target exactly at the end of a gap, 03:00 after 02:00->03:00, exists and is not extrapolated.)
  That is what PEP 495 fold=0 means, derived here from the time line instead of from the zone.

Walking every minute of every week is too slow for years x zones x times, so the walk is done
once per zone over the whole period in ``step``-sized samples, with a running maximum of the
wall clock (monotone even across fall-backs) that can be bisected. This is exact only if every
offset change happens on a sample; the walk checks that and fails loudly otherwise (30 minutes
suits whole- and half-hour zones, 15 minutes +05:45 and +12:45; tests pick per zone).
"""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

ONE_MICROSECOND = timedelta(microseconds=1)
# Further than any UTC offset in tzdata (-12:00 .. +14:00) plus the largest daylight shift.
MARGIN = timedelta(hours=16)


def iso_week_day(year: int, week: int, weekday: int) -> date:
    """Date of ``weekday`` (0=Mon) in ISO week ``year-Wweek``: week 1 is the one with 4 January."""
    jan4 = date(year, 1, 4)
    return jan4 - timedelta(days=jan4.weekday()) + timedelta(weeks=week - 1, days=weekday)


def iso_weeks(first_year: int, last_year: int) -> list[tuple[int, int]]:
    """Every ISO week of the ISO years ``first_year..last_year``, in order, by walking Mondays."""
    weeks: list[tuple[int, int]] = []
    monday = iso_week_day(first_year, 1, 0)
    week_number = 1
    year = first_year
    while year <= last_year:
        weeks.append((year, week_number))
        monday += timedelta(days=7)
        if monday >= iso_week_day(year + 1, 1, 0):
            year, week_number = year + 1, 1
        else:
            week_number += 1
    return weeks


@dataclass
class WallClockWalk:
    """Samples of (UTC instant, local wall clock) every ``step`` over [start, end]."""

    zone: ZoneInfo
    instants: list[datetime]
    walls: list[datetime]  # naive local wall-clock readings
    running_max: list[datetime]

    @classmethod
    def build(
        cls, zone: ZoneInfo, start: datetime, end: datetime, step: timedelta
    ) -> WallClockWalk:
        count = int((end - start) / step) + 1
        instants = [start + index * step for index in range(count)]
        local = [instant.astimezone(zone) for instant in instants]
        offsets = [reading.utcoffset() for reading in local]
        for index in range(1, count):
            if offsets[index] != offsets[index - 1]:
                just_before = (instants[index] - ONE_MICROSECOND).astimezone(zone).utcoffset()
                if just_before != offsets[index - 1]:
                    raise AssertionError(
                        f"{zone.key}: offset changes between samples near {instants[index]}; "
                        f"use a smaller step than {step}"
                    )
        walls = [reading.replace(tzinfo=None) for reading in local]
        return cls(zone, instants, walls, list(itertools.accumulate(walls, max)))

    def _first_index(self, target: datetime) -> int:
        """Index of the first sample whose wall clock reads ``target`` or later."""
        index = bisect.bisect_left(self.running_max, target)
        if not 0 < index < len(self.walls):
            raise AssertionError(f"{target} is outside the walked window")
        return index

    def first_reaching(self, target: datetime) -> datetime:
        """The UTC instant the wall clock first reads ``target`` (naive), extrapolating gaps."""
        index = self._first_index(target)
        if self.walls[index] == target:
            return self.instants[index]
        # Jumped over it: run on from the last sample before the jump at the offset it had.
        before = index - 1
        return self.instants[before] + (target - self.walls[before])

    # The two questions below need the wall-clock readings to fall on the target's grid (a
    # +05:45 zone sampled every 30 minutes reads :15 and :45, never :30); they check that.

    def _first_index_on_grid(self, target: datetime) -> int:
        index = self._first_index(target)
        step = self.instants[1] - self.instants[0]
        if (self.walls[index] - target) % step:
            raise AssertionError(f"{self.zone.key}: {target} is off the {step} sampling grid")
        return index

    def skips(self, target: datetime) -> bool:
        """Whether the wall clock jumps over ``target`` (it never reads it)."""
        return self.walls[self._first_index_on_grid(target)] != target

    def repeats(self, target: datetime) -> int:
        """1 if the wall clock reads ``target`` a second time within a day, else 0."""
        index = self._first_index_on_grid(target)
        day = int(timedelta(days=1) / (self.instants[1] - self.instants[0]))
        return int(target in self.walls[index + 1 : index + day])

    def post(self, year: int, week: int, weekday: int, at: time) -> datetime:
        return self.first_reaching(datetime.combine(iso_week_day(year, week, weekday), at))


def walk_years(zone: ZoneInfo, first_year: int, last_year: int, step: timedelta) -> WallClockWalk:
    """A walk covering every local instant of ISO years ``first_year..last_year``."""
    start = datetime.combine(iso_week_day(first_year, 1, 0), time(), UTC) - MARGIN
    end = datetime.combine(iso_week_day(last_year + 1, 1, 0), time(), UTC) + MARGIN
    return WallClockWalk.build(zone, start, end, step)


def walk_around(zone: ZoneInfo, day: date, step: timedelta) -> WallClockWalk:
    """A walk covering every local instant of ``day`` (for one-off checks)."""
    start = datetime.combine(day, time(), UTC) - MARGIN
    end = datetime.combine(day + timedelta(days=1), time(), UTC) + MARGIN
    return WallClockWalk.build(zone, start, end, step)


def offset_changes(zone: ZoneInfo, first_year: int, last_year: int) -> list[datetime]:
    """UTC instants (to the minute) at which ``zone`` changes its UTC offset, found by sampling
    daily and bisecting; used to aim generated test cases at gaps and repeats."""
    changes: list[datetime] = []
    day = datetime(first_year, 1, 1, tzinfo=UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    offset = day.astimezone(zone).utcoffset()
    while day < end:
        following = day + timedelta(days=1)
        if following.astimezone(zone).utcoffset() != offset:
            low, high = 0, 24 * 60  # minutes after ``day``: offset is old at low, new at high
            while high - low > 1:
                middle = (low + high) // 2
                instant = day + timedelta(minutes=middle)
                if instant.astimezone(zone).utcoffset() == offset:
                    low = middle
                else:
                    high = middle
            changes.append(day + timedelta(minutes=high))
            offset = following.astimezone(zone).utcoffset()
        day = following
    return changes
