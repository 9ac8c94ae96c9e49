"""bot.lag: how late a handler starts, whatever our clock's offset from Discord's."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.lag import ANSWER_BY, FLOOR_WINDOW, MAX_HANDLERS, Admission, LagMeter, admit, too_late
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


class Handlers:
    """Handler tasks that each hold a slot until the test lets them finish, noting the order
    they got in and how many held one at once."""

    def __init__(self, admission: Admission) -> None:
        self.admission = admission
        self.started: list[int] = []
        self.release: dict[int, asyncio.Event] = {}
        self.most = 0
        self.inside = 0

    async def handler(self, n: int, *, leave_early: bool = False) -> None:
        self.release[n] = asyncio.Event()
        await self.admission.enter()
        await self.admission.enter()  # a second check in the same handler takes no second slot
        self.started.append(n)
        self.inside += 1
        self.most = max(self.most, self.inside)
        try:
            if leave_early:
                self.admission.leave()
                self.inside -= 1
            await self.release[n].wait()
        finally:
            if not leave_early:
                self.inside -= 1

    def spawn(self, count: int, **kwargs: Any) -> list[asyncio.Task[None]]:
        return [asyncio.create_task(self.handler(n, **kwargs)) for n in range(count)]

    async def finish(self, *numbers: int) -> None:
        for n in numbers:
            self.release[n].set()
        for _ in range(5):
            await asyncio.sleep(0)


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_at_most_the_limit_run_at_once_and_they_start_in_arrival_order() -> None:
    admission = Admission(3)
    handlers = Handlers(admission)
    tasks = handlers.spawn(10)
    await settle()
    assert handlers.started == [0, 1, 2]
    assert (admission.running, admission.waiting) == (3, 7)
    await handlers.finish(1)  # any slot freed goes to the longest waiting
    assert handlers.started == [0, 1, 2, 3]
    await handlers.finish(0, 2, 3, 4, 5, 6, 7, 8, 9)
    await asyncio.gather(*tasks)
    assert handlers.started == list(range(10))
    assert handlers.most == admission.peak == 3
    assert (admission.running, admission.waiting) == (0, 0)


async def test_a_handler_that_leaves_lets_the_next_in_without_a_second_release() -> None:
    admission = Admission(2)
    handlers = Handlers(admission)
    writes = handlers.spawn(2, leave_early=True)  # writes waiting on their commit
    await settle()
    reads = [asyncio.create_task(handlers.handler(n)) for n in (10, 11)]
    await settle()
    assert handlers.started == [0, 1, 10, 11]  # the reads did not wait behind the writes
    await handlers.finish(0, 1)  # the writes end: their slots were given back already
    await asyncio.gather(*writes)
    assert admission.running == 2
    await handlers.finish(10, 11)
    await asyncio.gather(*reads)
    assert (admission.running, admission.peak) == (0, 2)


async def test_a_handler_cancelled_in_the_queue_takes_no_slot_with_it() -> None:
    admission = Admission(1)
    handlers = Handlers(admission)
    tasks = handlers.spawn(3)
    await settle()
    tasks[1].cancel()  # cancelled while queued
    await handlers.finish(0)
    assert handlers.started == [0, 2]
    await handlers.finish(2)
    await asyncio.gather(tasks[0], tasks[2])
    assert (admission.running, admission.waiting) == (0, 0)


async def test_a_slot_handed_over_to_a_task_cancelled_meanwhile_passes_on() -> None:
    admission = Admission(1)
    handlers = Handlers(admission)
    tasks = handlers.spawn(3)
    await settle()
    handlers.release[0].set()
    await tasks[0]  # the slot is handed to task 1, which has not run yet...
    tasks[1].cancel()  # ...and is cancelled before it does
    await settle()
    assert handlers.started == [0, 2]
    await handlers.finish(2)
    await tasks[2]
    assert admission.running == 0


def test_the_limit_is_at_least_one() -> None:
    assert MAX_HANDLERS >= 1
    with pytest.raises(ValueError, match="at least 1"):
        Admission(0)


async def test_an_interaction_that_waited_past_answer_by_is_not_admitted_to_run() -> None:
    """Its turn comes, but too late: ``admit`` says drop it (the caller logs it "expired");
    one behind it that is still fresh runs."""
    admission = Admission(1)
    meter = LagMeter(Ticks())
    now = datetime.now(UTC)
    first: Any = FakeInteraction(created_at=now)
    assert not too_late(first, meter)  # "on time" is now
    handlers = Handlers(admission)
    holder = handlers.spawn(1)  # a handler holding the only slot
    await settle()

    async def turn(created_at: datetime) -> bool:
        interaction: Any = FakeInteraction(created_at=created_at)
        return await admit(interaction, admission, meter)

    late = asyncio.create_task(turn(now - timedelta(seconds=ANSWER_BY + 0.4)))
    fresh = asyncio.create_task(turn(now))
    await settle()
    assert not late.done()  # both wait for the slot
    assert not fresh.done()
    await handlers.finish(0)
    await holder[0]
    assert await late is False
    assert await fresh is True
    await settle()  # a task's slot is given back by its done callback
    assert admission.running == 0
