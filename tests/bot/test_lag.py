"""bot.lag: how late a handler starts, whatever our clock's offset from Discord's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.lag import ANSWER_BY, FLOOR_WINDOW, LagMeter, too_late
from tests.bot.fakes import FakeInteraction


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize("offset", [0.0, 12.0, -12.0])
def test_lag_is_the_age_above_the_smallest_age_seen(offset: float) -> None:
    meter = LagMeter(Ticks())
    assert meter.lag(offset + 0.05) == 0.0  # the first is "on time"
    assert meter.lag(offset + 1.05) == pytest.approx(1.0)
    assert meter.lag(offset) == 0.0  # a fresher one lowers the floor
    assert meter.lag(offset + 2.0) == pytest.approx(2.0)


def test_the_floor_follows_a_clock_that_moved_after_two_windows() -> None:
    ticks = Ticks()
    meter = LagMeter(ticks)
    assert meter.lag(0.0) == 0.0
    ticks.now += FLOOR_WINDOW  # the previous window still holds the old floor
    assert meter.lag(5.0) == pytest.approx(5.0)
    ticks.now += FLOOR_WINDOW  # our clock was set 5 s ahead: that is the new "on time"
    assert meter.lag(5.0) == 0.0
    assert meter.lag(5.5) == pytest.approx(0.5)


def test_an_interaction_is_too_late_past_answer_by() -> None:
    meter = LagMeter(Ticks())
    now = datetime.now(UTC)
    fresh: Any = FakeInteraction(created_at=now)
    assert not too_late(fresh, meter)
    late: Any = FakeInteraction(created_at=now - timedelta(seconds=ANSWER_BY - 0.4))
    assert not too_late(late, meter)
    later: Any = FakeInteraction(created_at=now - timedelta(seconds=ANSWER_BY + 0.4))
    assert too_late(later, meter)
