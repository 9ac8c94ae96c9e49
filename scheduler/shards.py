"""Which guilds this process schedules: the ones on the Discord shards it runs.

Discord puts a guild on shard ``(guild_id >> 22) % shard_count``; a bot process that runs some
of the shards receives the events of exactly those guilds. The weekly posts, catch-up, threads
and reminders of a guild are scheduled by the process that owns its shard, and by no other, so
two processes on one database never both work on one guild (the ledger's claims make a double
post impossible anyway; ownership keeps each process to its own share of the work).

Pure: the runner and the reminder scheduler take a :class:`Ownership` (``bot`` builds it from the
settings); nothing here reads settings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["EVERY_GUILD", "Ownership", "owns", "shard_of"]


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard Discord sends the guild's events on (Discord's formula)."""
    if shard_count < 1:
        raise ValueError(f"shard_count must be at least 1, not {shard_count}")
    return (guild_id >> 22) % shard_count


def owns(guild_id: int, shard_count: int, shard_ids: Iterable[int]) -> bool:
    """Whether a process running ``shard_ids`` of ``shard_count`` shards owns the guild."""
    return shard_of(guild_id, shard_count) in set(shard_ids)


@dataclass(frozen=True)
class Ownership:
    """The shards a process runs: ``shard_ids`` of ``shard_count`` (``None``: all of them).

    Call it with a guild id: ``True`` when this process schedules that guild.
    """

    shard_count: int = 1
    shard_ids: frozenset[int] | None = None

    def __post_init__(self) -> None:
        if self.shard_count < 1:
            raise ValueError(f"shard_count must be at least 1, not {self.shard_count}")
        if self.shard_ids is not None:
            outside = sorted(i for i in self.shard_ids if not 0 <= i < self.shard_count)
            if outside:
                raise ValueError(f"shard ids {outside} are not below {self.shard_count}")

    @classmethod
    def of(cls, shard_count: int | None, shard_ids: Iterable[int] | None) -> Ownership:
        """From the (optional) settings: no count means one process with every guild."""
        if shard_count is None:
            return EVERY_GUILD
        return cls(shard_count, None if shard_ids is None else frozenset(shard_ids))

    @property
    def every_guild(self) -> bool:
        """This process owns every guild (no sharding, or all shards in this process)."""
        return self.shard_ids is None or len(self.shard_ids) == self.shard_count

    def __call__(self, guild_id: int) -> bool:
        """Whether this process schedules the guild."""
        if self.shard_ids is None:
            return True
        return owns(guild_id, self.shard_count, self.shard_ids)

    def __str__(self) -> str:
        if self.shard_ids is None:
            return f"all {self.shard_count} shard(s)"
        ids = ",".join(str(i) for i in sorted(self.shard_ids))
        return f"shard(s) {ids} of {self.shard_count}"


#: One process, every guild: what the schedulers assume unless told otherwise.
EVERY_GUILD = Ownership()
