"""Streaks kept by the database (migration 0004) against the definition, spelled out slowly.

The triggers keep ``best_streak``, ``run_end`` and ``run_length`` on the member row; the
summary and the leaderboards derive the current streak from them. Every test here goes
through the real repositories on a real file and compares with
:func:`tests.storage.streak_reference.reference_streaks`.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from storage.models import IsoWeek, Period, PostState
from storage.store import Store, open_store
from tests.postgres import INTEGRITY_ERRORS
from tests.storage.conftest import FreshDatabase
from tests.storage.streak_reference import reference_streaks

G = 1
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
WEEKS = [IsoWeek(2026, 10 + i) for i in range(8)]


def test_reference_examples() -> None:
    w = [str(week) for week in WEEKS]
    assert reference_streaks([], []) == (0, 0)
    assert reference_streaks([], [w[0]]) == (0, 0)
    assert reference_streaks(w[:5], []) == (0, 0)
    assert reference_streaks(w[:5], w[:5]) == (5, 5)
    assert reference_streaks(w[:5], w[:4]) == (4, 4)  # the latest challenge is still open
    assert reference_streaks(w[:5], w[:3]) == (0, 3)  # two open weeks end it
    assert reference_streaks(w[:8], [w[0], w[1], w[2], w[4], w[5], w[7]]) == (1, 3)
    assert reference_streaks(["2025-W52", "2026-W01"], ["2025-W52", "2026-W01"]) == (2, 2)


class Model:
    """What the ledger and the completions hold, in plain Python."""

    def __init__(self) -> None:
        self.post_ids: dict[int, int] = {}
        self.states: dict[int, PostState] = {}
        self.done: dict[int, dict[int, str | None]] = {}  # user -> challenge -> week

    def sent(self) -> list[str]:
        return [str(WEEKS[i]) for i, s in self.states.items() if s is PostState.SENT]

    def expected(self, user: int) -> tuple[int, int]:
        weeks = [w for w in self.done[user].values() if w is not None]
        return reference_streaks(self.sent(), weeks)


async def apply(store: Store, model: Model, action: str, user: int, i: int) -> None:
    """One event; the model follows what the repositories are documented to do."""
    state = model.states.get(i)
    if action in {"claim", "send", "fail", "miss"} and state is None:
        claim = await store.posts.claim(
            G, WEEKS[i], challenge_id=f"c{i}", channel_id=5, scheduled_for=T0
        )
        model.post_ids[i] = claim.post.post_id
        model.states[i] = state = PostState.CLAIMED
    unsent = state in {PostState.CLAIMED, PostState.FAILED}
    if action == "send" and unsent:
        await store.posts.mark_sent(model.post_ids[i], message_id=100 + i)
        model.states[i] = PostState.SENT
    elif action == "fail" and unsent:
        await store.posts.mark_failed(model.post_ids[i], error="503")
        model.states[i] = PostState.FAILED
    elif action == "miss" and unsent:
        await store.posts.mark_missed(model.post_ids[i])
        model.states[i] = PostState.MISSED
    elif action == "done":
        await store.progress.record_completion(G, user, f"c{i}", points=10)
        attributed = str(WEEKS[i]) if state in {PostState.CLAIMED, PostState.SENT} else None
        model.done.setdefault(user, {}).setdefault(i, attributed)
    elif action == "undo":
        await store.progress.undo_completion(G, user, f"c{i}")
        if user in model.done:
            model.done[user].pop(i, None)
    elif action == "forget":
        await store.members.forget_member(user, guild_id=G)
        model.done.pop(user, None)


async def check(store: Store, model: Model) -> None:
    board = {row.user_id: row for row in await store.leaderboards.top(G, Period.ALL_TIME)}
    for user in range(1, 4):
        summary = await store.progress.summary(G, user)
        if user not in model.done:
            assert summary is None
            continue
        assert summary is not None
        expected = model.expected(user)
        assert (summary.current_streak, summary.best_streak) == expected, (user, model.done)
        if user in board:
            assert (board[user].current_streak, board[user].best_streak) == expected
    assert await store.db.fetch("SELECT count(*) FROM members WHERE streaks_stale <> 0") == [(0,)]


async def play(database: Path | str, script: list[tuple[str, int, int]]) -> None:
    async with await open_store(database, clock=Clock()) as store:
        model = Model()
        for action, user, i in script:
            await apply(store, model, action, user, i)
            await check(store, model)


class Clock:
    """Strictly increasing instants, one second apart."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


events = st.tuples(
    st.sampled_from(["send", "send", "done", "done", "done", "undo", "fail", "claim", "miss"])
    | st.just("forget"),
    st.integers(1, 3),
    st.integers(0, len(WEEKS) - 1),
)


@pytest.mark.slow  # property test (~2.5 s)
@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize=True,
)
@given(st.lists(events, min_size=1, max_size=30))
# A late post splits a run that looked unbroken: sent W10, W11, W13, then W12.
@example(
    [
        ("send", 0, 0),
        ("send", 0, 1),
        ("fail", 0, 2),
        ("send", 0, 3),
        *(("done", 1, i) for i in (0, 1, 3)),
        ("send", 0, 2),
    ]
)
# Completed while the post was unconfirmed (claimed): it counts once the post is sent.
@example([("send", 0, 0), ("done", 1, 0), ("claim", 0, 1), ("done", 1, 1), ("send", 0, 1)])
# An older week completed after a newer one joins two runs.
@example([*(("send", 0, i) for i in range(3)), ("done", 1, 2), ("done", 1, 0), ("done", 1, 1)])
def test_stored_streaks_follow_the_definition(
    fresh_database: FreshDatabase, script: list[tuple[str, int, int]]
) -> None:
    with fresh_database() as database:
        asyncio.run(play(database, script))


@pytest.mark.parametrize(
    ("sent", "done", "expected"),
    [
        ([], [0], (0, 0)),
        ([0, 1, 2, 3, 4], [6], (0, 0)),  # a challenge never posted counts for no week
        ([0, 1, 2, 3, 4], [0, 1, 2, 3, 4], (5, 5)),
        ([0, 1, 2, 3, 4], [0, 1, 2, 3], (4, 4)),
        ([0, 1, 2, 3, 4], [0, 1, 2], (0, 3)),
        ([0, 1, 2, 3, 4, 5, 6, 7], [0, 1, 2, 4, 5, 7], (1, 3)),
        ([0, 1, 5, 6], [0, 1, 5, 6], (4, 4)),  # weeks without a post break nothing
        ([0], [0], (1, 1)),
    ],
)
async def test_examples_through_the_repositories(
    store: Store, sent: list[int], done: list[int], expected: tuple[int, int]
) -> None:
    for i in sent:
        claim = await store.posts.claim(
            G, WEEKS[i], challenge_id=f"c{i}", channel_id=5, scheduled_for=T0
        )
        await store.posts.mark_sent(claim.post.post_id, message_id=100 + i)
    for i in done:
        await store.progress.record_completion(G, 1, f"c{i}", points=10)
    summary = await store.progress.summary(G, 1)
    assert summary is not None
    assert (summary.current_streak, summary.best_streak) == expected


async def test_a_post_is_sent_only_by_its_claim_and_stays_sent(store: Store) -> None:
    claim = await store.posts.claim(G, WEEKS[0], challenge_id="c0", channel_id=5, scheduled_for=T0)
    await store.posts.mark_sent(claim.post.post_id, message_id=100)
    with pytest.raises(INTEGRITY_ERRORS, match="a sent post stays sent"):
        await store.db.execute("UPDATE challenge_posts SET state = 'failed'")
    with pytest.raises(INTEGRITY_ERRORS, match="a sent post stays sent"):
        await store.db.execute("DELETE FROM challenge_posts")
    with pytest.raises(INTEGRITY_ERRORS, match="claimed first, then marked sent"):
        await store.db.execute(
            "INSERT INTO challenge_posts (guild_id, iso_week, challenge_id, channel_id, state,"
            " scheduled_for_us, claimed_at_us, message_id, posted_at_us)"
            " VALUES (1, '2026-W20', 'c9', 5, 'sent', 0, 0, 101, 0)"
        )
    post = await store.posts.get(G, WEEKS[0])
    assert post is not None
    assert post.state is PostState.SENT
