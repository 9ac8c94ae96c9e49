"""Milestone roles: given once when reached, taken away when a streak breaks (if chosen),
problems told to the moderators once. Real SQLite and content, a recording publisher, a set
clock: weekly posts go out through post_weekly_challenge, completions through the store."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from content.models import Catalog
from scheduler.jobs import Outcome, PostPolicy, post_weekly_challenge
from scheduler.ports import MissingPermissions, RoleNotAssignable, TransientPublishError
from scheduler.rewards import reward_member, settle_rewards
from storage.rewards import RewardKind, RewardRule
from storage.store import Store, open_store
from tests.scheduler.doubles import DAY, FakeSleep, utc
from tests.scheduler.fakes import FakeClock, RecordingPublisher

GUILD = 1
ADA, BO = 501, 502
ROLE, OTHER_ROLE = 900, 901
MONDAY_W48 = utc(2026, 11, 23, 9, 0)  # guild()'s post time in 2026-W48: challenge 1


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(MONDAY_W48)


@pytest.fixture
def publisher(clock: FakeClock) -> RecordingPublisher:
    return RecordingPublisher(clock)


class Season:
    """Weekly posts one week apart, and members completing them."""

    def __init__(
        self, store: Store, catalog: Catalog, publisher: RecordingPublisher, clock: FakeClock
    ) -> None:
        self.store, self.catalog, self.publisher, self.clock = store, catalog, publisher, clock
        self.weeks = 0

    async def next_week(self) -> None:
        """The clock moves to the next post time and the post goes out (and the week passes)."""
        if self.weeks:
            self.clock.advance(7 * DAY)
        self.weeks += 1
        outcome = await post_weekly_challenge(
            self.store,
            self.catalog,
            self.publisher,
            self.clock,
            GUILD,
            policy=PostPolicy(retry_delays=(), sleep=FakeSleep()),
        )
        assert outcome.outcome is Outcome.SENT, outcome

    async def complete(self, user_id: int) -> None:
        """The member marks this week's challenge done; rewards follow, as in record_done."""
        challenge = self.catalog.challenge(self.publisher.sent[-1].post.challenge_id)
        result = await self.store.progress.record_completion(
            GUILD, user_id, challenge.id, points=challenge.points
        )
        assert result.recorded
        await reward_member(self.store, self.publisher, GUILD, user_id)

    def grants(self) -> list[tuple[str, int, int, int]]:
        return self.publisher.role_requests


@pytest.fixture
def season(
    store: Store, catalog: Catalog, publisher: RecordingPublisher, clock: FakeClock
) -> Season:
    return Season(store, catalog, publisher, clock)


def streak(weeks: int, *, remove: bool = False, role: int = ROLE) -> RewardRule:
    return RewardRule(GUILD, role, RewardKind.STREAK, weeks, remove_when_broken=remove)


async def test_a_streak_role_is_given_once_when_reached_also_after_a_restart(
    season: Season, store: Store, publisher: RecordingPublisher, tmp_path: Path, clock: FakeClock
) -> None:
    await store.rewards.add(streak(2))
    await season.next_week()
    await season.complete(ADA)
    assert season.grants() == []  # a streak of 1
    await season.next_week()
    await season.complete(ADA)
    assert season.grants() == [("grant", GUILD, ADA, ROLE)]
    assert publisher.roles[(GUILD, ADA)] == {ROLE}
    await season.next_week()
    await season.complete(ADA)  # a streak of 3: still the one grant
    assert await store.rewards.holders(GUILD, ROLE) == [ADA]

    async with await open_store(tmp_path / "db.sqlite3", clock=clock.now) as restarted:
        assert await reward_member(restarted, publisher, GUILD, ADA) == []
        assert await settle_rewards(restarted, publisher, GUILD) == []
    assert season.grants() == [("grant", GUILD, ADA, ROLE)]


async def test_a_points_role_is_given_when_the_season_points_reach_it(
    season: Season, store: Store, catalog: Catalog
) -> None:
    first, second = catalog.challenges[0], catalog.challenges[1]
    await store.rewards.add(RewardRule(GUILD, ROLE, RewardKind.POINTS, first.points + 1))
    await season.next_week()
    await season.complete(ADA)
    assert season.grants() == []
    assert first.points + second.points > first.points + 1
    await season.next_week()
    await season.complete(ADA)
    assert season.grants() == [("grant", GUILD, ADA, ROLE)]


async def test_a_broken_streak_loses_the_role_only_if_the_server_chose_so(
    season: Season, store: Store, publisher: RecordingPublisher
) -> None:
    await store.rewards.add(streak(1, remove=True))
    await store.rewards.add(streak(1, role=OTHER_ROLE))  # kept when the streak breaks
    await season.next_week()
    await season.complete(ADA)
    assert publisher.roles[(GUILD, ADA)] == {ROLE, OTHER_ROLE}
    await season.next_week()  # week 1 still counts while week 2 is open: nothing breaks
    assert [r for r in season.grants() if r[0] == "revoke"] == []
    await season.next_week()  # week 2 passed undone: the streak is 0
    assert publisher.roles[(GUILD, ADA)] == {OTHER_ROLE}
    assert await store.rewards.holders(GUILD, ROLE) == []
    await season.next_week()  # already taken away: not again
    assert [r[0] for r in season.grants()].count("revoke") == 1
    await season.complete(ADA)  # reached again: given again
    assert publisher.roles[(GUILD, ADA)] == {ROLE, OTHER_ROLE}
    assert await store.rewards.holders(GUILD, ROLE) == [ADA]


async def test_a_missing_permission_reaches_the_moderators_once_and_recording_goes_on(
    season: Season, store: Store, publisher: RecordingPublisher
) -> None:
    await store.rewards.add(streak(1))
    await season.next_week()
    publisher.role_errors = [MissingPermissions("manage_roles", guild_id=GUILD)] * 2
    await season.complete(ADA)  # never raises
    await season.complete(BO)
    [(guild_id, notice)] = publisher.notices
    assert guild_id == GUILD
    assert "Manage Roles" in notice, notice
    assert f"<@&{ROLE}>" in notice, notice
    assert await store.rewards.holders(GUILD, ROLE) == []
    [rule] = await store.rewards.for_guild(GUILD)
    assert rule.problem is not None

    # The moderators fixed it: the next weekly post gives both their role.
    await season.next_week()
    assert sorted(await store.rewards.holders(GUILD, ROLE)) == [ADA, BO]
    [rule] = await store.rewards.for_guild(GUILD)
    assert rule.problem is None
    # A new problem later is told again.
    publisher.role_errors = [RoleNotAssignable(ROLE, "it is not below my highest role")]
    await season.complete(502_000)
    assert len(publisher.notices) == 2
    assert "highest role" in publisher.notices[1][1]


async def test_one_failure_stops_the_role_for_the_pass_and_transient_errors_are_not_told(
    season: Season, store: Store, publisher: RecordingPublisher
) -> None:
    await season.next_week()
    await season.complete(ADA)
    await season.complete(BO)
    await store.rewards.add(streak(1))  # added after they reached it
    publisher.role_errors = [TransientPublishError("502")]
    assert await settle_rewards(store, publisher, GUILD) == []
    assert len(season.grants()) == 1  # BO was not tried after ADA failed
    assert publisher.notices == []
    changes = await settle_rewards(store, publisher, GUILD)
    assert sorted(change.user_id for change in changes) == [ADA, BO]


async def test_opted_out_members_get_no_role(season: Season, store: Store) -> None:
    await store.rewards.add(streak(1))
    await season.next_week()
    await store.members.set_opted_out(GUILD, ADA, True)
    await season.complete(ADA)
    assert season.grants() == []


async def test_no_rewards_no_requests(season: Season, store: Store) -> None:
    await season.next_week()
    await season.complete(ADA)
    await season.next_week()
    assert season.grants() == []
    assert await store.rewards.for_guild(GUILD) == []


async def test_a_storage_error_never_reaches_the_members_answer(
    season: Season, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_args: object, **_kwargs: object) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(store.rewards, "due_for", broken)
    monkeypatch.setattr(store.rewards, "broken", broken)
    await season.next_week()  # the post is not failed by it either
    assert await reward_member(store, season.publisher, GUILD, ADA) == []
    assert await settle_rewards(store, season.publisher, GUILD) == []
