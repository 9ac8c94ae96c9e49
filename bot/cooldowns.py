"""Command cooldowns whose cost per call does not grow with the number of members.

discord.py's ``app_commands.checks.cooldown`` keeps a bucket per key (a member, a server) and,
on every call, walks all of them to drop the expired ones: in a server where 20,000 members
used a command within the period, each call walks 20,000 buckets. :class:`Cooldowns` keeps
its buckets in the order they were last used, so the expired ones are always at the front
and each call drops only those: amortised constant time. The buckets are discord.py's own
:class:`~discord.app_commands.Cooldown` (the same token arithmetic) and a refusal raises the
same :class:`~discord.app_commands.CommandOnCooldown`, which ``bot.errors`` answers.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import discord
from discord import app_commands

__all__ = ["Cooldowns", "cooldown"]

T = TypeVar("T")


class Cooldowns:
    """``rate`` uses per ``per`` seconds for each key."""

    def __init__(self, rate: int, per: float) -> None:
        self.rate = rate
        self.per = per
        #: key -> (last use, bucket), least recently used first.
        self._buckets: OrderedDict[Hashable, tuple[float, app_commands.Cooldown]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def hit(self, key: Hashable, now: float) -> tuple[app_commands.Cooldown, float] | None:
        """Use one token of ``key``'s bucket at ``now`` (seconds since the epoch). ``None`` if
        allowed, else the bucket and the seconds until it has a token again (refuse)."""
        buckets = self._buckets
        while buckets:  # unused for a whole period: a fresh bucket would be the same
            oldest, (last, _) = next(iter(buckets.items()))
            if now <= last + self.per:
                break
            del buckets[oldest]
        found = buckets.pop(key, None)
        bucket = app_commands.Cooldown(self.rate, self.per) if found is None else found[1]
        buckets[key] = (now, bucket)  # now the most recently used
        retry_after = bucket.update_rate_limit(now)
        return None if retry_after is None else (bucket, retry_after)


def cooldown(
    rate: int, per: float, *, key: Callable[[discord.Interaction[Any]], Hashable]
) -> Callable[[T], T]:
    """Like ``app_commands.checks.cooldown(rate, per, key=key)``, in constant time a call."""
    buckets = Cooldowns(rate, per)

    def predicate(interaction: discord.Interaction[Any]) -> bool:
        refused = buckets.hit(key(interaction), interaction.created_at.timestamp())
        if refused is None:
            return True
        raise app_commands.CommandOnCooldown(*refused)

    return app_commands.check(predicate)
