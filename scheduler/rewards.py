"""Milestone roles: give a member's reward roles when they reach them, take streak roles away
when the streak breaks (if the server chose so). Optional per server: ``/admin rewards``.

When:

* :func:`reward_member` after a completion is recorded (Mark done, ``/challenge done``,
  ``/admin mark``): the member's rewards reached and not held.
* :func:`settle_rewards` after the weekly post is in the channel (the week passed, streaks of
  members who did not do last week's challenge are now 0): first the ``remove_when_broken``
  roles whose streak fell below the threshold are taken away, then every reward reached and not
  held is given (a reward added after members reached it, a grant that failed before the
  moderators fixed a permission). Running it twice changes nothing.

Exactly once comes from the ledger (:mod:`storage.rewards`), written after Discord confirmed the
change: a granted role is never granted again, across restarts. Giving a role twice would not
harm either (Discord keeps one), so a crash between Discord's answer and the ledger write costs
at most a repeated, harmless request.

Failures never reach the member's "Recorded" answer and never fail the weekly post: missing
Manage Roles or a role the bot may not give (above its highest role, managed, deleted) is
told to the moderators once per distinct problem (the reward's ``problem``), and further
members of that role are not tried in the same pass. Transient errors are logged and left to
the next pass.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from scheduler.ports import (
    MemberMissing,
    MissingPermissions,
    Publisher,
    PublishError,
    RoleNotAssignable,
    TransientPublishError,
)
from storage.rewards import MemberReward, RewardKind, RewardRule
from storage.store import Store

__all__ = ["RoleChange", "describe_rule", "reward_member", "settle_rewards"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RoleChange:
    """A role given (``granted``) or taken away, confirmed by Discord and recorded."""

    guild_id: int
    user_id: int
    role_id: int
    granted: bool


#: After a completion, "this guild has no milestone roles" may come from a read this many
#: seconds old; this process's ``/admin rewards`` changes are seen at once, another process's
#: within this time (and the weekly pass gives what a completion missed).
RULES_READ_AGE = 60.0


def describe_rule(rule: RewardRule) -> str:
    """``"a 4-week streak"`` / ``"100 season points"``: the milestone, for people."""
    if rule.kind is RewardKind.STREAK:
        return f"a {rule.threshold}-week streak"
    return f"{rule.threshold} season points"


async def reward_member(
    store: Store, publisher: Publisher, guild_id: int, user_id: int
) -> list[RoleChange]:
    """Give the member every reward role they reached and do not hold. Never raises."""
    try:
        due = await store.rewards.due_for(guild_id, user_id, max_age=RULES_READ_AGE)
        return await _Pass(store, publisher, guild_id).apply(due, grant=True)
    except Exception:
        logger.exception(
            "milestone roles for user %s in guild %s: error",
            user_id,
            guild_id,
            extra={"event": "milestone_role", "guild_id": guild_id, "outcome": "error"},
        )
        return []


async def settle_rewards(store: Store, publisher: Publisher, guild_id: int) -> list[RoleChange]:
    """The week passed: take broken streak roles away, then give the roles reached and not
    held. Never raises (see the module doc)."""
    try:
        run = _Pass(store, publisher, guild_id)
        changes = await run.apply(await store.rewards.broken(guild_id), grant=False)
        changes += await run.apply(await store.rewards.due_in_guild(guild_id), grant=True)
    except Exception:
        logger.exception(
            "milestone roles of guild %s: error",
            guild_id,
            extra={"event": "milestone_role", "guild_id": guild_id, "outcome": "error"},
        )
        return []
    return changes


def _what_to_fix(error: PublishError, rule: RewardRule, *, grant: bool) -> str:
    verb = "give" if grant else "take away"
    head = f"I could not {verb} the milestone role <@&{rule.role_id}> ({describe_rule(rule)})"
    later = (
        " Members who reached it meanwhile get it with the next weekly post."
        if grant
        else " I try again with the next weekly post."
    )
    if isinstance(error, MissingPermissions):
        return f"{head}: I need the 'Manage Roles' permission. Grant it to my role.{later}"
    if isinstance(error, RoleNotAssignable):
        return (
            f"{head}: {error.reason}. Move my role above it in Server Settings > Roles, or"
            f" remove the reward with /admin rewards remove.{later}"
        )
    return f"{head}: {error}.{later}"


@dataclass
class _Pass:
    """One round of grants or revocations in a guild; a role that failed is not retried."""

    store: Store
    publisher: Publisher
    guild_id: int

    def __post_init__(self) -> None:
        self._blocked: set[int] = set()
        self._cleared: set[int] = set()

    async def apply(self, items: list[MemberReward], *, grant: bool) -> list[RoleChange]:
        changes: list[RoleChange] = []
        for item in items:
            if item.rule.role_id in self._blocked:
                continue
            if await self._one(item, grant=grant):
                changes.append(RoleChange(self.guild_id, item.user_id, item.rule.role_id, grant))
        return changes

    async def _one(self, item: MemberReward, *, grant: bool) -> bool:
        rule = item.rule
        try:
            if grant:
                reason = f"Milestone reached: {describe_rule(rule)}"
                await self.publisher.grant_role(self.guild_id, item.user_id, rule.role_id, reason)
            else:
                reason = f"Streak below the milestone: {describe_rule(rule)}"
                await self.publisher.revoke_role(self.guild_id, item.user_id, rule.role_id, reason)
        except MemberMissing:
            _log(item, "member_left", grant=grant)
            return False
        except TransientPublishError as error:
            self._blocked.add(rule.role_id)
            _log(item, "failed", grant=grant, reason=str(error))
            return False
        except PublishError as error:
            self._blocked.add(rule.role_id)
            _log(item, "failed", grant=grant, reason=str(error))
            if await self.store.rewards.set_problem(self.guild_id, rule.role_id, str(error)):
                await self._notify(_what_to_fix(error, rule, grant=grant))
            return False
        if grant:
            recorded = await self.store.rewards.mark_granted(
                self.guild_id, rule.role_id, item.user_id
            )
        else:
            recorded = await self.store.rewards.mark_revoked(
                self.guild_id, rule.role_id, item.user_id
            )
        if rule.problem is not None and rule.role_id not in self._cleared:
            self._cleared.add(rule.role_id)
            await self.store.rewards.set_problem(self.guild_id, rule.role_id, None)
        _log(item, "granted" if grant else "revoked", grant=grant)
        return recorded

    async def _notify(self, text: str) -> None:
        try:
            await self.publisher.notify_moderators(self.guild_id, text)
        except Exception:
            logger.exception(
                "could not notify the moderators of guild %s",
                self.guild_id,
                extra={"event": "moderator_notice_failed", "guild_id": self.guild_id},
            )


def _log(item: MemberReward, outcome: str, *, grant: bool, reason: str | None = None) -> None:
    level = logging.WARNING if outcome == "failed" else logging.INFO
    logger.log(
        level,
        "milestone role %s for user %s in guild %s: %s",
        item.rule.role_id,
        item.user_id,
        item.rule.guild_id,
        outcome,
        extra={
            "event": "milestone_role",
            "guild_id": item.rule.guild_id,
            "role_id": item.rule.role_id,
            "action": "grant" if grant else "revoke",
            "outcome": outcome,
            "reason": reason,
        },
    )
