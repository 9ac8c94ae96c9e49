"""Streaks: a pure function, so the definition is tested on its own.

Definition. A guild's *challenge weeks* are the ISO weeks in which its weekly post was
sent (ledger state ``sent``), in order. A member *completed* a challenge week when they
have a completion attributed to that week (the week of the post of the challenge).

* **best streak**: the longest run of consecutive challenge weeks all completed.
* **current streak**: counted backwards from the latest challenge week. If the member has
  not completed the latest one yet, counting starts at the one before: that week's
  challenge is still open, so not having done it *yet* does not end a streak.

Weeks without a post (paused guild, missed or failed post) are not challenge weeks, so
they neither count nor break a streak. Completions attributed to other weeks are ignored.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

__all__ = ["StreakCounter", "count_csv", "counter_for", "streaks"]


class StreakCounter:
    """Streaks for many members of one guild: index the challenge weeks once, then count."""

    __slots__ = ("_index", "_last")

    def __init__(self, challenge_weeks: Iterable[str]) -> None:
        ordered = sorted(set(challenge_weeks))  # 'YYYY-Www' sorts chronologically
        self._index = dict(zip(ordered, range(len(ordered)), strict=True))
        self._last = len(ordered) - 1

    def count(self, completed_weeks: Iterable[str]) -> tuple[int, int]:
        """``(current, best)`` for a member who completed ``completed_weeks``."""
        # Bit i set = challenge week i completed; runs of ones are streaks. Integer bit
        # operations keep this cheap for members with a year of weeks on a leaderboard page.
        find = self._index.get
        done = 0
        for week in completed_weeks:
            position = find(week)
            if position is not None:
                done |= 1 << position
        if not done:
            return 0, 0
        best = 0
        runs = done
        while runs:  # each step shortens every run by one: the count is the longest run
            runs &= runs >> 1
            best += 1
        start = self._last if done >> self._last & 1 else self._last - 1
        window = (1 << (start + 1)) - 1
        gaps = ~done & window  # zeros at or below ``start``
        return start + 1 - gaps.bit_length() if gaps else start + 1, best


@lru_cache(maxsize=512)
def counter_for(challenge_weeks_csv: str | None) -> StreakCounter:
    """A cached counter per guild's list of sent weeks (it changes once a week)."""
    return StreakCounter(challenge_weeks_csv.split(",") if challenge_weeks_csv else ())


@lru_cache(maxsize=8192)
def count_csv(challenge_weeks_csv: str | None, completed_weeks_csv: str | None) -> tuple[int, int]:
    """``(current, best)`` from two ``group_concat`` strings; memoized (a pure function)."""
    completed = completed_weeks_csv.split(",") if completed_weeks_csv else ()
    return counter_for(challenge_weeks_csv).count(completed)


def streaks(challenge_weeks: Iterable[str], completed_weeks: Iterable[str]) -> tuple[int, int]:
    """``(current, best)`` streak; weeks are ``'2026-W48'`` strings. See the module doc."""
    return StreakCounter(challenge_weeks).count(completed_weeks)
