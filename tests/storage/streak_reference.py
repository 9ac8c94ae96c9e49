"""The streak definition, spelled out slowly: the oracle the stored streaks are checked against.

See :mod:`storage.streaks` for the definition in words.
"""

from __future__ import annotations

from collections.abc import Iterable


def reference_streaks(challenge: Iterable[str], done: Iterable[str]) -> tuple[int, int]:
    """``(current, best)`` for a member who completed ``done`` among ``challenge`` weeks."""
    weeks = sorted(set(challenge))  # 'YYYY-Www' sorts chronologically
    completed = set(done)
    best = run = 0
    for week in weeks:
        run = run + 1 if week in completed else 0
        best = max(best, run)
    i = len(weeks) - 1
    if i >= 0 and weeks[i] not in completed:
        i -= 1  # the latest challenge is still open
    current = 0
    while i >= 0 and weeks[i] in completed:
        current += 1
        i -= 1
    return current, best
