"""The post ledger: exactly one owner per guild-week, and honest state transitions."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage.errors import PostStateError
from storage.models import IsoWeek, PostState
from storage.store import Store, open_store
from tests.storage.conftest import FakeClock

WEEK = IsoWeek(2026, 48)
AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


async def claim(store: Store, guild: int = 1, week: tuple[int, int] = WEEK, **kw: object):  # type: ignore[no-untyped-def]
    args: dict[str, object] = {"challenge_id": "c48", "channel_id": 10, "scheduled_for": AT}
    return await store.posts.claim(guild, week, **(args | kw))  # type: ignore[arg-type]


async def test_first_claim_owns_the_post(store: Store) -> None:
    first = await claim(store)
    second = await claim(store)
    assert first.owned
    assert not second.owned
    assert second.post == first.post
    assert first.post.state is PostState.CLAIMED
    assert first.post.week == WEEK
    assert str(first.post.week) == "2026-W48"
    assert first.post.scheduled_for == AT


async def test_concurrent_claims_have_exactly_one_owner(store: Store) -> None:
    results = await asyncio.gather(*(claim(store) for _ in range(20)))
    assert sum(r.owned for r in results) == 1


async def test_claims_from_two_processes_have_one_owner(
    database: Path | str, store: Store, clock: FakeClock
) -> None:
    async with await open_store(database, clock=clock) as other:
        results = await asyncio.gather(*(claim(s) for s in (store, other) * 5))
    assert sum(r.owned for r in results) == 1


async def test_other_weeks_and_guilds_are_separate(store: Store) -> None:
    assert (await claim(store)).owned
    assert (await claim(store, week=IsoWeek(2026, 49))).owned
    assert (await claim(store, guild=2)).owned


async def test_mark_sent_then_lookups(store: Store) -> None:
    post = (await claim(store)).post
    sent = await store.posts.mark_sent(post.post_id, message_id=555, posted_at=AT)
    assert sent.state is PostState.SENT
    assert sent.message_id == 555
    assert sent.posted_at == AT
    assert await store.posts.get(1, WEEK) == sent
    assert await store.posts.latest_sent(1) == sent
    assert await store.posts.latest_sent(2) is None
    # A retried confirmation is a no-op; a different message is a contradiction.
    assert await store.posts.mark_sent(post.post_id, message_id=555) == sent
    with pytest.raises(PostStateError, match="is sent"):
        await store.posts.mark_sent(post.post_id, message_id=556)
    with pytest.raises(PostStateError):
        await store.posts.mark_failed(post.post_id, error="late error")
    with pytest.raises(PostStateError):
        await store.posts.mark_missed(post.post_id)


async def test_failed_post_is_reclaimed_once_when_asked(store: Store) -> None:
    post = (await claim(store)).post
    failed = await store.posts.mark_failed(post.post_id, error="403 Missing Access")
    assert failed.state is PostState.FAILED
    assert failed.error == "403 Missing Access"
    assert not (await claim(store)).owned  # no retry unless asked
    results = await asyncio.gather(*(claim(store, retry_failed=True) for _ in range(5)))
    owners = [r for r in results if r.owned]
    assert len(owners) == 1
    assert owners[0].post.attempts == 2
    assert owners[0].post.error is None
    sent = await store.posts.mark_sent(post.post_id, message_id=9)
    assert sent.state is PostState.SENT


async def test_missed_is_final(store: Store) -> None:
    post = (await claim(store)).post
    missed = await store.posts.mark_missed(post.post_id, reason="bot was down")
    assert missed.state is PostState.MISSED
    assert missed.error == "bot was down"
    assert (await store.posts.mark_missed(post.post_id)).state is PostState.MISSED
    with pytest.raises(PostStateError):
        await store.posts.mark_sent(post.post_id, message_id=1)
    assert not (await claim(store, retry_failed=True)).owned


async def test_unknown_post(store: Store) -> None:
    with pytest.raises(PostStateError, match="no post 999"):
        await store.posts.mark_failed(999, error="x")
    assert await store.posts.get_by_id(999) is None


async def test_list_unsent_and_overdue(store: Store) -> None:
    a = (await claim(store, guild=1, scheduled_for=AT)).post
    b = (await claim(store, guild=2, scheduled_for=AT + timedelta(hours=2))).post
    c = (await claim(store, guild=3, scheduled_for=AT - timedelta(hours=1))).post
    await store.posts.mark_sent(a.post_id, message_id=1)
    await store.posts.mark_failed(c.post_id, error="timeout")
    assert [p.post_id for p in await store.posts.list_unsent()] == [c.post_id, b.post_id]
    overdue = await store.posts.list_unsent(scheduled_before=AT + timedelta(minutes=1))
    assert [p.post_id for p in overdue] == [c.post_id]


async def test_week_must_exist(store: Store) -> None:
    with pytest.raises(ValueError, match="2025-W53"):  # 2025 has 52 ISO weeks, 2026 has 53
        await claim(store, week=(2025, 53))
    assert (await claim(store, week=(2026, 53))).owned


async def test_naive_datetimes_are_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        await claim(store, scheduled_for=datetime(2026, 1, 1))  # noqa: DTZ001
