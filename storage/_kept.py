"""Reads a repository may answer again for a short while: settings and the post ledger.

A member's command reads the guild's settings and latest post on every interaction, yet they
change a few times a week. A repository keeps such reads here and forgets them all whenever it
writes (after the commit), so this process always sees its own changes; a change made by
another process (a person with ``sqlite3``, a test's second connection) is seen once the copy
is older than the ``max_age`` its caller accepts. Callers that act on what they read (the
scheduler, ``/admin``) pass no ``max_age`` and always read the database.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["Kept"]

T = TypeVar("T")

#: Entries kept per repository; the oldest goes first past this.
KEPT = 4096


class Kept(Generic[T]):
    """Values by key, each with when it was read; :meth:`forget` after every write."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._values: dict[Hashable, tuple[float, T]] = {}
        self._generation = 0

    async def read(self, key: Hashable, max_age: float, load: Callable[[], Awaitable[T]]) -> T:
        """The copy of ``key`` read within ``max_age`` seconds, or ``load()`` (then kept)."""
        now = self._monotonic()
        if max_age > 0:
            kept = self._values.get(key)
            if kept is not None and now - kept[0] <= max_age:
                return kept[1]
        generation = self._generation
        value = await load()
        if generation == self._generation:  # no write committed while it was read
            if len(self._values) >= KEPT:
                del self._values[next(iter(self._values))]
            self._values[key] = (now, value)
        return value

    def forget(self) -> None:
        """Drop every copy (a write committed): the next reads go to the database."""
        self._values.clear()
        self._generation += 1
