"""The milestone-role ledger (migration 0008): rewards per role, a grant recorded once, and
nothing left behind when a reward is removed or a member is forgotten."""

from __future__ import annotations

import pytest

from storage.rewards import RewardKind, RewardRule
from storage.store import Store
from tests.postgres import INTEGRITY_ERRORS

GUILD, ADA, ROLE = 1, 7, 900


async def member_with_points(store: Store, user_id: int, points: int) -> None:
    await store.progress.record_completion(GUILD, user_id, f"c-{user_id}", points=points)


async def test_add_replaces_the_roles_reward_and_lists_streaks_first(store: Store) -> None:
    await store.rewards.add(RewardRule(GUILD, 902, RewardKind.POINTS, 50))
    await store.rewards.add(RewardRule(GUILD, ROLE, RewardKind.STREAK, 4))
    saved = await store.rewards.add(
        RewardRule(GUILD, ROLE, RewardKind.STREAK, 8, remove_when_broken=True)
    )
    assert saved == RewardRule(GUILD, ROLE, RewardKind.STREAK, 8, remove_when_broken=True)
    assert [r.role_id for r in await store.rewards.for_guild(GUILD)] == [ROLE, 902]
    assert await store.rewards.for_guild(2) == []
    with pytest.raises(ValueError, match="streak"):
        await store.rewards.add(
            RewardRule(GUILD, 903, RewardKind.POINTS, 5, remove_when_broken=True)
        )
    with pytest.raises(INTEGRITY_ERRORS):
        await store.rewards.add(RewardRule(GUILD, 904, RewardKind.POINTS, 0))


async def test_a_grant_is_recorded_once_and_the_member_is_no_longer_due(store: Store) -> None:
    await store.rewards.add(RewardRule(GUILD, ROLE, RewardKind.POINTS, 10))
    await member_with_points(store, ADA, 10)
    [due] = await store.rewards.due_for(GUILD, ADA)
    assert (due.user_id, due.rule.role_id) == (ADA, ROLE)
    assert await store.rewards.due_in_guild(GUILD) == [due]
    assert await store.rewards.mark_granted(GUILD, ROLE, ADA) is True
    assert await store.rewards.mark_granted(GUILD, ROLE, ADA) is False
    assert await store.rewards.due_for(GUILD, ADA) == []
    assert await store.rewards.holders(GUILD, ROLE) == [ADA]
    assert await store.rewards.mark_revoked(GUILD, ROLE, ADA) is True
    assert await store.rewards.holders(GUILD, ROLE) == []
    assert len(await store.rewards.due_for(GUILD, ADA)) == 1  # revoked: due again


async def test_below_the_threshold_or_unknown_nothing_is_due(store: Store) -> None:
    await store.rewards.add(RewardRule(GUILD, ROLE, RewardKind.POINTS, 11))
    await member_with_points(store, ADA, 10)
    assert await store.rewards.due_for(GUILD, ADA) == []
    assert await store.rewards.due_for(GUILD, 999) == []
    assert await store.rewards.mark_granted(GUILD, ROLE, 999) is False  # no such member
    assert await store.rewards.mark_granted(GUILD, 999, ADA) is False  # no such reward


async def test_removing_the_reward_or_forgetting_the_member_deletes_the_ledger(
    store: Store,
) -> None:
    for role in (ROLE, 902):
        await store.rewards.add(RewardRule(GUILD, role, RewardKind.POINTS, 1))
    await member_with_points(store, ADA, 5)
    await member_with_points(store, 8, 5)
    for role in (ROLE, 902):
        for user in (ADA, 8):
            await store.rewards.mark_granted(GUILD, role, user)
    assert await store.rewards.remove(GUILD, ROLE) is True
    assert await store.rewards.remove(GUILD, ROLE) is False
    assert await store.rewards.holders(GUILD, ROLE) == []
    await store.members.forget_member(ADA, guild_id=GUILD)
    assert await store.rewards.holders(GUILD, 902) == [8]
    rows = await store.db.fetch("SELECT role_id, user_id FROM reward_grants")
    assert rows == [(902, 8)]


async def test_a_problem_is_new_once(store: Store) -> None:
    await store.rewards.add(RewardRule(GUILD, ROLE, RewardKind.STREAK, 2))
    assert await store.rewards.set_problem(GUILD, ROLE, "no Manage Roles") is True
    assert await store.rewards.set_problem(GUILD, ROLE, "no Manage Roles") is False
    assert await store.rewards.set_problem(GUILD, ROLE, "role above mine") is True
    assert await store.rewards.set_problem(GUILD, ROLE, None) is True
    assert await store.rewards.set_problem(GUILD, ROLE, None) is False
    [rule] = await store.rewards.for_guild(GUILD)
    assert rule.problem is None


async def test_a_guild_without_rewards_is_known_and_its_own_changes_seen_at_once(
    store: Store,
) -> None:
    await member_with_points(store, ADA, 20)
    assert await store.rewards.due_for(GUILD, ADA, max_age=60) == []  # none: kept as such
    await store.rewards.add(RewardRule(GUILD, ROLE, RewardKind.POINTS, 10))
    [due] = await store.rewards.due_for(GUILD, ADA, max_age=60)  # this store's add: seen
    assert due.rule.role_id == ROLE
    assert await store.rewards.remove(GUILD, ROLE)
    assert await store.rewards.due_for(GUILD, ADA, max_age=60) == []
