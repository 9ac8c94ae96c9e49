"""Milestone roles: a server's rewards and the ledger of roles given (migration 0008).

A reward is a role given when a member's current streak (weeks) or season points reach a
threshold. The ledger (``reward_grants``) holds one row per role and member, written after
Discord confirmed the change: ``granted`` is never granted again, ``revoked`` (the streak
broke, and the server chose ``remove_when_broken``) is granted again when the member reaches
the milestone again. The streak is the one definition of :mod:`storage.streaks`.

Members who opted out of leaderboards get no reward role: a role shows their progress to
the whole server.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from storage._codec import to_us, utc_now
from storage._kept import Kept
from storage.db import Database, Row
from storage.dialect import Dialect
from storage.streaks import current_streak_sql

__all__ = ["MemberReward", "RewardKind", "RewardRule", "RewardsRepository"]


class RewardKind(StrEnum):
    """What a reward's threshold counts."""

    STREAK = "streak"
    """Weeks in a row (the member's current streak)."""
    POINTS = "points"
    """Points this season."""


@dataclass(frozen=True, slots=True)
class RewardRule:
    """A server's milestone role: ``role_id`` once ``kind`` reaches ``threshold``.

    ``problem`` is the last problem with the role the moderators were told about (``None``
    once a grant worked again).
    """

    guild_id: int
    role_id: int
    kind: RewardKind
    threshold: int
    remove_when_broken: bool = False
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class MemberReward:
    """A member and one of the guild's rewards (to grant, or to take away)."""

    rule: RewardRule
    user_id: int


_RULE_COLUMNS = "r.guild_id, r.role_id, r.kind, r.threshold, r.remove_when_broken, r.problem"
_ADD = (
    "INSERT INTO guild_rewards (guild_id, role_id, kind, threshold, remove_when_broken,"
    " created_at_us) VALUES (?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (guild_id, role_id) DO UPDATE SET kind = excluded.kind,"
    " threshold = excluded.threshold, remove_when_broken = excluded.remove_when_broken,"
    " problem = NULL"
    " RETURNING guild_id, role_id, kind, threshold, remove_when_broken, problem"
)
_LIST = (
    f"SELECT {_RULE_COLUMNS} FROM guild_rewards AS r"  # noqa: S608
    " WHERE r.guild_id = ? ORDER BY r.kind DESC, r.threshold, r.role_id"
)
_REMOVE = "DELETE FROM guild_rewards WHERE guild_id = ? AND role_id = ? RETURNING 1"
# What the member's numbers reach: the streak of storage.streaks, or season points.
_REACHED = (
    f"(CASE r.kind WHEN 'streak' THEN {current_streak_sql('m')} ELSE m.points_season END)"
    " >= r.threshold"
)
_NOT_HELD = (
    "NOT EXISTS (SELECT 1 FROM reward_grants AS g WHERE g.guild_id = r.guild_id"
    " AND g.role_id = r.role_id AND g.user_id = m.user_id AND g.state = 'granted')"
)
_ANY = "SELECT 1 FROM guild_rewards WHERE guild_id = ? LIMIT 1"
_DUE_FOR_MEMBER = (
    f"SELECT {_RULE_COLUMNS}, m.user_id FROM guild_rewards AS r"  # noqa: S608
    " JOIN members AS m ON m.guild_id = r.guild_id AND m.user_id = :user"
    f" WHERE r.guild_id = :guild AND m.opted_out = 0 AND {_REACHED} AND {_NOT_HELD}"
    " ORDER BY r.threshold, r.role_id"
)
_DUE_IN_GUILD = (
    f"SELECT {_RULE_COLUMNS}, m.user_id FROM guild_rewards AS r"  # noqa: S608
    " JOIN members AS m ON m.guild_id = r.guild_id"
    f" WHERE r.guild_id = :guild AND m.opted_out = 0 AND {_REACHED} AND {_NOT_HELD}"
    " ORDER BY r.role_id, m.user_id LIMIT :limit"
)
_BROKEN = (
    f"SELECT {_RULE_COLUMNS}, g.user_id FROM reward_grants AS g"  # noqa: S608
    " JOIN guild_rewards AS r ON r.guild_id = g.guild_id AND r.role_id = g.role_id"
    " JOIN members AS m ON m.guild_id = g.guild_id AND m.user_id = g.user_id"
    " WHERE g.guild_id = :guild AND g.state = 'granted' AND r.kind = 'streak'"
    f" AND r.remove_when_broken = 1 AND {current_streak_sql('m')} < r.threshold"
    " ORDER BY r.role_id, g.user_id LIMIT :limit"
)
_MARK = (
    "INSERT INTO reward_grants (guild_id, role_id, user_id, state, changed_at_us)"
    " SELECT r.guild_id, r.role_id, :user, :state, :at FROM guild_rewards AS r"
    " WHERE r.guild_id = :guild AND r.role_id = :role"
    " AND EXISTS (SELECT 1 FROM members WHERE guild_id = :guild AND user_id = :user)"
    " ON CONFLICT (guild_id, role_id, user_id) DO UPDATE"
    " SET state = excluded.state, changed_at_us = excluded.changed_at_us"
    " WHERE reward_grants.state <> excluded.state RETURNING 1"
)
_HOLDERS = (
    "SELECT user_id FROM reward_grants"
    " WHERE guild_id = ? AND role_id = ? AND state = 'granted' ORDER BY user_id"
)


@functools.cache
def _set_problem(dialect: Dialect) -> str:
    return (
        "UPDATE guild_rewards SET problem = :problem WHERE guild_id = :guild AND role_id = :role"  # noqa: S608
        f" AND problem {dialect.distinct} :problem RETURNING 1"
    )


def _rule(row: Row) -> RewardRule:
    return RewardRule(
        guild_id=row[0],
        role_id=row[1],
        kind=RewardKind(row[2]),
        threshold=row[3],
        remove_when_broken=bool(row[4]),
        problem=row[5],
    )


def _member_reward(row: Row) -> MemberReward:
    return MemberReward(_rule(row), row[6])


class RewardsRepository:
    """A server's milestone roles and the ledger of roles given and taken away."""

    def __init__(self, db: Database, clock: Callable[[], datetime] = utc_now) -> None:
        self._db = db
        self._clock = clock
        #: Per guild: has it any reward at all? (Most have none.)
        self._any: Kept[bool] = Kept()

    async def add(self, rule: RewardRule) -> RewardRule:
        """Save the reward (replacing the role's earlier one, whose ledger stays)."""
        if rule.kind is RewardKind.POINTS and rule.remove_when_broken:
            raise ValueError("only a streak reward can be removed when the streak breaks")
        rows = await self._db.execute(
            _ADD,
            (
                rule.guild_id,
                rule.role_id,
                rule.kind.value,
                rule.threshold,
                int(rule.remove_when_broken),
                to_us(self._clock()),
            ),
        )
        self._any.forget()
        return _rule(rows[0])

    async def remove(self, guild_id: int, role_id: int) -> bool:
        """Delete the reward and its ledger; ``False`` if the role was no reward."""
        removed = bool(await self._db.execute(_REMOVE, (guild_id, role_id)))
        self._any.forget()
        return removed

    async def for_guild(self, guild_id: int) -> list[RewardRule]:
        """The guild's rewards: streaks first, then points, by threshold."""
        return [_rule(row) for row in await self._db.fetch(_LIST, (guild_id,))]

    async def due_for(
        self, guild_id: int, user_id: int, *, max_age: float = 0.0
    ) -> list[MemberReward]:
        """The rewards the member has reached and does not hold (by the ledger).

        Asked after every completion: ``max_age`` > 0 lets "this guild has no reward at all"
        (most guilds) come from a read that recent, and then nothing more is read; this
        repository's own changes are always seen (:mod:`storage._kept`).
        """

        async def any_reward() -> bool:
            return bool(await self._db.fetch(_ANY, (guild_id,)))

        if not await self._any.read(guild_id, max_age, any_reward):
            return []
        rows = await self._db.fetch(_DUE_FOR_MEMBER, {"guild": guild_id, "user": user_id})
        return [_member_reward(row) for row in rows]

    async def due_in_guild(self, guild_id: int, *, limit: int = 500) -> list[MemberReward]:
        """Every member's rewards reached and not held (at most ``limit``)."""
        rows = await self._db.fetch_large(_DUE_IN_GUILD, {"guild": guild_id, "limit": limit})
        return [_member_reward(row) for row in rows]

    async def broken(self, guild_id: int, *, limit: int = 500) -> list[MemberReward]:
        """Granted streak roles to take away: ``remove_when_broken`` and the current streak
        is now below the threshold (at most ``limit``)."""
        rows = await self._db.fetch_large(_BROKEN, {"guild": guild_id, "limit": limit})
        return [_member_reward(row) for row in rows]

    async def holders(self, guild_id: int, role_id: int) -> list[int]:
        """The members the ledger says hold the role from us."""
        return [row[0] for row in await self._db.fetch(_HOLDERS, (guild_id, role_id))]

    async def mark_granted(self, guild_id: int, role_id: int, user_id: int) -> bool:
        """Record that Discord gave the member the role; ``False`` if already recorded (or the
        reward or member is gone)."""
        return await self._mark(guild_id, role_id, user_id, "granted")

    async def mark_revoked(self, guild_id: int, role_id: int, user_id: int) -> bool:
        """Record that Discord took the role away; ``False`` if already recorded."""
        return await self._mark(guild_id, role_id, user_id, "revoked")

    async def _mark(self, guild_id: int, role_id: int, user_id: int, state: str) -> bool:
        params = {
            "guild": guild_id,
            "role": role_id,
            "user": user_id,
            "state": state,
            "at": to_us(self._clock()),
        }
        return bool(await self._db.execute(_MARK, params))

    async def set_problem(self, guild_id: int, role_id: int, problem: str | None) -> bool:
        """Remember the problem the moderators were told about (``None``: it is solved).

        ``True`` if it changed: a problem that is new, so the moderators should hear of it.
        """
        params = {"guild": guild_id, "role": role_id, "problem": problem}
        return bool(await self._db.execute(_set_problem(self._db.dialect), params))
