"""How late the bot is: an interaction's age when its handler starts, from Discord's timestamp.

Discord takes the first answer to an interaction within 3 s of creating it. On a busy event
loop (a burst of hundreds of interactions) a handler can start a second or more after that,
and its answer then takes about as long again to get out. The age is read from the
interaction's snowflake (``interaction.created_at``), so time spent queued anywhere counts.

Our clock and Discord's may disagree by more than the ages themselves: :class:`LagMeter`
takes the smallest age it saw lately (over one to two :data:`FLOOR_WINDOW`) as "on time", so
an offset of either sign cancels out; at worst a burst that starts the process makes it
under-estimate, which only makes the bot wait longer and drop less.

A burst of thousands of interactions at once would start thousands of handlers, each slowing
all the others until every answer is late. :class:`Admission` lets at most
:data:`MAX_HANDLERS` run at once; the others wait in arrival order, so work is done first come
first served and an interaction that waited past :data:`ANSWER_BY` is dropped when its turn
comes (for the price of a log line) instead of making the ones behind it late too.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    import discord


__all__ = [
    "ADMISSION",
    "ANSWER_BY",
    "FLOOR_WINDOW",
    "MAX_HANDLERS",
    "METER",
    "Admission",
    "LagMeter",
    "admit",
    "created_at",
    "room_to_draw",
    "too_late",
]

#: Discord's snowflake epoch (2015-01-01 UTC) in Unix milliseconds.
DISCORD_EPOCH_MS: Final = 1_420_070_400_000
#: The latest a first answer should reach Discord (of its 3 s), leaving room for the network.
ANSWER_BY: Final = 2.5
#: A handler starting this late draws no picture (``/progress``): a card is ~30 ms of CPU that
#: a loop already behind gives to the answers still to send (the text says it all).
PICTURE_LAG: Final = 0.5
#: Seconds over which the smallest age seen is the clock offset (the previous window counts
#: too, so a burst that spans the turn of a window keeps the floor of the quiet time before).
FLOOR_WINDOW: Final = 60.0
#: Interaction handlers running at once; the rest wait their turn in arrival order. A handler
#: holds its slot through its answer's HTTP round trip, so the limit must cover the answers in
#: flight (about throughput x round trip). Measured with ``bench/bench_burst.py`` at 2,000
#: interactions from 400 members, 2 rounds, on 2 quiet cores (load about 1), interactions
#: not answered in time (late or dropped) of 4,000: 64: 1,509-2,099; 128: 1,309; 256: 851-1,254;
#: 512: 1,705; no limit: 1,440. 16 and 32 starve a burst (most wait past ANSWER_BY).
MAX_HANDLERS: Final = 256


def created_at(snowflake: int) -> float:
    """When Discord made ``snowflake`` (an interaction id), in Unix seconds: its milliseconds,
    without building datetimes (this runs for every interaction)."""
    return ((snowflake >> 22) + DISCORD_EPOCH_MS) / 1000


class LagMeter:
    """Interaction ages corrected by our clock's offset from Discord's."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._window_start = -math.inf
        self._previous = math.inf
        self._current = math.inf

    def lag(self, age: float) -> float:
        """Seconds ``age`` (our clock now less Discord's timestamp) is above the floor."""
        now = self._monotonic()
        if now - self._window_start >= FLOOR_WINDOW:
            self._previous, self._current = self._current, math.inf
            self._window_start = now
        self._current = min(self._current, age)
        return max(0.0, age - min(self._previous, self._current))

    def of(self, interaction: discord.Interaction[Any]) -> float:
        """How late the bot is with ``interaction``, in seconds (0: on time)."""
        return self.lag(time.time() - created_at(interaction.id))


#: The process's meter (every handler reads it: one event loop, one clock offset).
METER: Final = LagMeter()


def too_late(interaction: discord.Interaction[Any], meter: LagMeter = METER) -> bool:
    """Is the handler starting past :data:`ANSWER_BY`? Then no answer of ours can arrive in
    time on a loop this busy: dropping it (nothing done, nothing written) leaves the time to
    the interactions that can still be answered; Discord tells the member it failed."""
    return meter.of(interaction) > ANSWER_BY


class Admission:
    """At most ``limit`` handlers at once, admitted first come first served.

    A handler's task enters once (:meth:`enter`) and holds its slot until the task ends, or
    until it calls :meth:`leave` to wait for something that needs no CPU of ours (a write's
    commit) without holding up the handlers behind it. A freed slot is handed straight to the
    longest waiting task, so none can overtake another.
    """

    def __init__(self, limit: int) -> None:
        if limit < 1:
            raise ValueError(f"admission limit must be at least 1, not {limit}")
        self.limit = limit
        #: Slots held (or being handed over) right now; the most ever held at once.
        self.running = 0
        self.peak = 0
        self._queue: deque[asyncio.Future[None]] = deque()
        self._holders: set[asyncio.Task[Any]] = set()

    @property
    def waiting(self) -> int:
        """Tasks queued for a slot (cancelled ones may still be counted until their turn)."""
        return len(self._queue)

    async def enter(self) -> None:
        """Wait for a slot for the current task (at once if one is free and nobody queues);
        a task that holds one already keeps it."""
        task = asyncio.current_task()
        if task is None:
            raise RuntimeError("Admission.enter() outside a task")
        if task in self._holders:
            return
        if self.running < self.limit and not self._queue:
            self.running += 1
        else:
            waiter = asyncio.get_running_loop().create_future()
            self._queue.append(waiter)
            try:
                await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled():
                    self._hand_on()  # the slot came just as the task was cancelled: pass it on
                raise
        self._holders.add(task)
        self.peak = max(self.peak, self.running)
        task.add_done_callback(self._release)

    def leave(self) -> None:
        """Give the current task's slot to the next in line now (no-op if it holds none)."""
        task = asyncio.current_task()
        if task is not None:
            self._release(task)

    def _release(self, task: asyncio.Task[Any]) -> None:
        if task in self._holders:
            self._holders.discard(task)
            self._hand_on()

    def _hand_on(self) -> None:
        while self._queue:
            waiter = self._queue.popleft()
            if not waiter.done():
                waiter.set_result(None)  # the slot passes on: running stays as it is
                return
        self.running -= 1


#: The process's admission (one event loop: one bound on the handlers running on it).
ADMISSION: Final = Admission(MAX_HANDLERS)


def room_to_draw(
    interaction: discord.Interaction[Any],
    admission: Admission = ADMISSION,
    meter: LagMeter = METER,
) -> bool:
    """May this handler draw a picture? Not in a burst: when it started over
    :data:`PICTURE_LAG` late, or when other handlers are queued for a slot (those answers
    come first; a picture drawn before may still be sent, see ``bot.cards.kept_picture``)."""
    return admission.waiting == 0 and meter.of(interaction) <= PICTURE_LAG


async def admit(
    interaction: discord.Interaction[Any],
    admission: Admission = ADMISSION,
    meter: LagMeter = METER,
) -> bool:
    """Wait for the handler's turn (:class:`Admission`; the slot is held until the handler's
    task ends); then is it still worth answering? ``False``: :func:`too_late` by now."""
    await admission.enter()
    return not too_late(interaction, meter)
