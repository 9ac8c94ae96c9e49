"""Why the runner does not schedule with APScheduler's ``CronTrigger``: recorded defects.

With APScheduler 3.11.3 and ``zoneinfo`` zones, ``CronTrigger(day_of_week=..., hour=...,
minute=..., timezone=...)`` gets daylight-saving weeks wrong in two ways, reproduced below:

* it **skips a week**: Monday 00:00 Europe/Berlin, asked on Saturday 28 March 2026, answers
  Monday 6 April and never fires on Monday 30 March, the first Monday after clocks go forward.
  In 5-minute steps over 2026 in nine zones (Berlin, London, New York, St John's, Sydney,
  Lord Howe, Auckland, Chatham, Casablanca), every Monday time from 00:00 up to the size of the
  shift is skipped once a year (00:00-00:55; 00:00-00:25 on Lord Howe's 30-minute shift);
* it **fires twice**: Sunday 02:30 Europe/Berlin fires at 02:30 CEST and again an hour later at
  02:30 CET on 25 October 2026, when the clocks go back; in the same sweep, every time in the
  repeated hour fired twice (on Chatham from 03:00; 02:45-02:55 happened to be right).

Inside spring-forward gaps it agrees with us (02:30 -> 03:30), and everywhere else too.

``planning.next_post_at`` gets every one of these weeks right (it is checked against a brute-force
walk in test_planning_reference.py), so the runner arms a one-shot ``DateTrigger`` at its answer.
If these tests start failing after an APScheduler upgrade, the defects are fixed upstream: update
this docstring and the one in scheduler/planning.py, and the cron trigger may be reconsidered.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import apscheduler  # type: ignore[import-untyped]
import pytest
from apscheduler.triggers.cron import CronTrigger  # type: ignore[import-untyped]
from apscheduler.triggers.date import DateTrigger  # type: ignore[import-untyped]

from scheduler.planning import IsoWeek, WeeklySchedule, next_post_at, week_of
from tests.scheduler.bruteforce import walk_years

BERLIN = ZoneInfo("Europe/Berlin")
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TIMES = [time(0), time(0, 30), time(1), time(1, 30), time(2), time(2, 30), time(3), time(23, 30)]


def cron_for(schedule: WeeklySchedule) -> CronTrigger:
    return CronTrigger(
        day_of_week=DAY_NAMES[schedule.weekday],
        hour=schedule.local_time.hour,
        minute=schedule.local_time.minute,
        timezone=schedule.zone,
    )


def cron_fires(trigger: CronTrigger, start: datetime, end: datetime) -> list[datetime]:
    """Fire times the way APScheduler's scheduler asks for them: previous fire time and now."""
    fires: list[datetime] = []
    previous: datetime | None = None
    now = start
    while (fire := trigger.get_next_fire_time(previous, now)) is not None and fire < end:
        fires.append(fire.astimezone(UTC))
        previous = now = fire
    return fires


def planned_posts(schedule: WeeklySchedule, start: datetime, end: datetime) -> list[datetime]:
    posts: list[datetime] = []
    while (post := next_post_at(schedule, start)) < end:
        posts.append(post)
        start = post
    return posts


def test_version_under_test() -> None:
    assert apscheduler.__version__.startswith("3.11"), "re-check the defects below"


def test_cron_trigger_skips_the_monday_after_spring_forward() -> None:
    schedule = WeeklySchedule(0, time(0, 0), BERLIN)
    saturday = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    monday_30_march = datetime(2026, 3, 29, 22, 0, tzinfo=UTC)  # 00:00 CEST

    fire = cron_for(schedule).get_next_fire_time(None, saturday)
    assert fire is not None
    assert fire.astimezone(UTC) == monday_30_march + timedelta(days=7), "defect fixed upstream?"

    assert next_post_at(schedule, saturday) == monday_30_march
    assert week_of(schedule, monday_30_march) == IsoWeek(2026, 14)


def test_cron_trigger_fires_twice_when_clocks_go_back() -> None:
    schedule = WeeklySchedule(6, time(2, 30), BERLIN)
    first = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST
    again = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 02:30 CET, same Sunday

    trigger = cron_for(schedule)
    fire = trigger.get_next_fire_time(None, datetime(2026, 10, 24, tzinfo=UTC))
    assert fire is not None
    assert fire.astimezone(UTC) == first
    refire = trigger.get_next_fire_time(fire, fire)
    assert refire is not None
    assert refire.astimezone(UTC) == again, "defect fixed upstream?"

    assert next_post_at(schedule, first) == datetime(2026, 11, 1, 1, 30, tzinfo=UTC)


@pytest.mark.slow  # brute force: every weekday x time of 2026 against a walk
@pytest.mark.parametrize(
    ("key", "repeated"),
    [
        ("Europe/Berlin", {time(2), time(2, 30)}),  # 03:00 CEST -> 02:00 CET, 25 Oct
        ("America/New_York", {time(1), time(1, 30)}),  # 02:00 EDT -> 01:00 EST, 1 Nov
        ("Australia/Sydney", {time(2), time(2, 30)}),  # 03:00 AEDT -> 02:00 AEST, 5 Apr
    ],
)
def test_sweep_where_cron_goes_wrong_and_planning_does_not(key: str, repeated: set[time]) -> None:
    """Every weekday x grid time for 2026: list the schedules where cron disagrees."""
    zone = ZoneInfo(key)
    walk = walk_years(zone, 2026, 2026, timedelta(minutes=15))
    start, end = datetime(2026, 1, 5, tzinfo=UTC), datetime(2026, 12, 21, tzinfo=UTC)
    skipped: set[tuple[int, time]] = set()
    doubled: set[tuple[int, time]] = set()
    for weekday in range(7):
        for at in TIMES:
            schedule = WeeklySchedule(weekday, at, zone)
            planned = planned_posts(schedule, start, end)
            reference = [
                post
                for year, week in [IsoWeek(2026, n) for n in range(1, 54)]
                if start < (post := walk.post(year, week, weekday, at)) < end
            ]
            assert planned == reference
            fired = cron_fires(cron_for(schedule), start, end)
            weeks_fired = [week_of(schedule, fire) for fire in fired]
            if len(set(weeks_fired)) < len(planned):
                skipped.add((weekday, at))
            if len(set(weeks_fired)) < len(weeks_fired):
                doubled.add((weekday, at))
    # The midnight hour of the Monday after a spring-forward Sunday is skipped; the repeated
    # hour of a fall-back Sunday fires twice. Every other schedule on the grid is right.
    assert skipped == {(0, time(0)), (0, time(0, 30))}
    assert doubled == {(6, at) for at in repeated}


def test_runner_can_arm_a_date_trigger_with_the_planned_instant() -> None:
    schedule = WeeklySchedule(0, time(0, 0), BERLIN)
    now = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    post = next_post_at(schedule, now)
    trigger = DateTrigger(run_date=post)
    assert trigger.get_next_fire_time(None, now) == post
    assert trigger.get_next_fire_time(post, post) is None  # one-shot: re-armed by the runner
