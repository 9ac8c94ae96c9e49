"""How late the bot is: an interaction's age when its handler starts, from Discord's timestamp.

Discord takes the first answer to an interaction within 3 s of creating it. On a busy event
loop (a burst of hundreds of interactions) a handler can start a second or more after that,
and its answer then takes about as long again to get out. The age is read from the
interaction's snowflake (``interaction.created_at``), so time spent queued anywhere counts.

Our clock and Discord's may disagree by more than the ages themselves: :class:`LagMeter`
takes the smallest age it saw lately (over one to two :data:`FLOOR_WINDOW`) as "on time", so
an offset of either sign cancels out; at worst a burst that starts the process makes it
under-estimate, which only makes the bot wait longer and drop less.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    import discord


__all__ = ["ANSWER_BY", "FLOOR_WINDOW", "METER", "LagMeter", "too_late"]

#: Discord's snowflake epoch (2015-01-01 UTC) in Unix milliseconds.
DISCORD_EPOCH_MS: Final = 1_420_070_400_000
#: The latest a first answer should reach Discord (of its 3 s), leaving room for the network.
ANSWER_BY: Final = 2.5
#: A handler starting this late draws no picture (``/progress``): a card is ~20 ms of CPU that
#: a loop already behind gives to the answers still to send (the text says it all).
PICTURE_LAG: Final = 0.5
#: Seconds over which the smallest age seen is the clock offset (the previous window counts
#: too, so a burst that spans the turn of a window keeps the floor of the quiet time before).
FLOOR_WINDOW: Final = 60.0


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
        # The snowflake's milliseconds, without building datetimes (this runs per interaction).
        created = ((interaction.id >> 22) + DISCORD_EPOCH_MS) / 1000
        return self.lag(time.time() - created)


#: The process's meter (every handler reads it: one event loop, one clock offset).
METER: Final = LagMeter()


def too_late(interaction: discord.Interaction[Any], meter: LagMeter = METER) -> bool:
    """Is the handler starting past :data:`ANSWER_BY`? Then no answer of ours can arrive in
    time on a loop this busy: dropping it (nothing done, nothing written) leaves the time to
    the interactions that can still be answered; Discord tells the member it failed."""
    return meter.of(interaction) > ANSWER_BY
