"""The discussion thread on each weekly post: exactly once, never blocking the post.

post_weekly_challenge against real SQLite and content, a scripted publisher, a fake clock.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

import pytest

from content.models import Catalog
from scheduler.jobs import Outcome, PostOutcome, PostPolicy, post_weekly_challenge
from scheduler.planning import IsoWeek
from scheduler.ports import THREAD_NAME_LIMIT, MissingPermissions, TransientPublishError
from scheduler.threads import MAX_AUTOMATIC_ATTEMPTS, thread_name
from storage.models import ThreadState
from storage.store import Store
from tests.scheduler.doubles import (
    DAY,
    HOUR,
    Crash,
    CrashingPosts,
    FakeSleep,
    ScriptedPublisher,
    guild,
    thread_crashing_store,
    utc,
)
from tests.scheduler.fakes import FakeClock

W48 = IsoWeek(2026, 48)
MONDAY_W48 = utc(2026, 11, 23, 9, 0)  # guild()'s post time in 2026-W48: challenge 1

Post = Callable[..., Awaitable[PostOutcome]]


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(MONDAY_W48)


@pytest.fixture
def publisher(clock: FakeClock) -> ScriptedPublisher:
    return ScriptedPublisher(clock)


@pytest.fixture
def post(store: Store, catalog: Catalog, publisher: ScriptedPublisher, clock: FakeClock) -> Post:
    async def run(*, on_demand: bool = False, use_store: Store | None = None) -> PostOutcome:
        return await post_weekly_challenge(
            use_store or store,
            catalog,
            publisher,
            clock,
            1,
            on_demand=on_demand,
            policy=PostPolicy(retry_delays=(), sleep=FakeSleep()),
        )

    return run


async def thread_state(store: Store) -> tuple[ThreadState, int] | None:
    record = await store.posts.get(1, W48)
    assert record is not None
    thread = await store.threads.get(record.post_id)
    return None if thread is None else (thread.state, thread.attempts)


async def test_the_weekly_post_gets_one_thread_named_after_its_challenge(
    post: Post, store: Store, publisher: ScriptedPublisher, catalog: Catalog
) -> None:
    first = await post()
    assert first.outcome is Outcome.SENT
    [sent] = publisher.sent
    assert publisher.thread_requests == [
        (1, 100, sent.message_id, f"Week 1: {catalog.challenges[0].title}")
    ]
    assert first.thread_id == sent.message_id
    assert await thread_state(store) == (ThreadState.CREATED, 1)
    # The timer firing again, a restart's catch-up, /admin post-now: no second thread asked.
    again = await post()
    now = await post(on_demand=True)
    assert (again.outcome, now.outcome) == (Outcome.ALREADY_SENT, Outcome.ALREADY_SENT)
    assert again.thread_id == now.thread_id == sent.message_id
    assert len(publisher.thread_requests) == 1
    assert publisher.notices == []


async def test_threads_off_starts_none(
    post: Post, store: Store, publisher: ScriptedPublisher
) -> None:
    await store.settings.save(guild(threads=False))
    outcome = await post()
    assert outcome.outcome is Outcome.SENT
    assert outcome.thread_id is None
    assert publisher.thread_requests == []
    assert await thread_state(store) is None


async def test_missing_permission_is_reported_once_and_never_blocks_the_post(
    post: Post, store: Store, publisher: ScriptedPublisher, clock: FakeClock
) -> None:
    publisher.thread_errors = [
        MissingPermissions("create_public_threads", channel_id=100, guild_id=1)
    ] * (MAX_AUTOMATIC_ATTEMPTS + 1)
    first = await post()
    assert first.outcome is Outcome.SENT  # the post is out whatever happens to its thread
    assert first.thread_id is None
    [notice] = publisher.notices_for(1)
    assert "Create Public Threads" in notice
    assert "2026-W48" in notice
    assert await thread_state(store) == (ThreadState.FAILED, 1)
    for attempt in range(2, MAX_AUTOMATIC_ATTEMPTS + 1):  # restarts: tried again, told once
        clock.advance(HOUR)
        assert (await post()).outcome is Outcome.ALREADY_SENT
        assert await thread_state(store) == (ThreadState.FAILED, attempt)
    clock.advance(HOUR)
    await post()  # automatic runs have tried often enough
    assert len(publisher.thread_requests) == MAX_AUTOMATIC_ATTEMPTS
    assert len(publisher.notices_for(1)) == 1
    # A moderator fixed the permission and asks with /admin post-now: the thread starts.
    publisher.thread_errors = []
    fixed = await post(on_demand=True)
    assert fixed.thread_id == publisher.sent[0].message_id
    assert await thread_state(store) == (ThreadState.CREATED, MAX_AUTOMATIC_ATTEMPTS + 1)
    assert len(publisher.sent) == 1


async def test_a_transient_failure_is_retried_by_the_next_run_without_a_notice(
    post: Post, store: Store, publisher: ScriptedPublisher
) -> None:
    publisher.thread_errors = [TransientPublishError("502")]
    assert (await post()).thread_id is None
    assert await thread_state(store) == (ThreadState.FAILED, 1)
    assert publisher.notices == []
    assert (await post()).thread_id == publisher.sent[0].message_id
    assert await thread_state(store) == (ThreadState.CREATED, 2)


async def test_crash_between_creating_and_recording_finds_the_thread(
    post: Post, store: Store, publisher: ScriptedPublisher, clock: FakeClock
) -> None:
    with pytest.raises(Crash):
        await post(use_store=thread_crashing_store(store, clock))
    assert len(publisher.threads) == 1
    assert await thread_state(store) == (ThreadState.CLAIMED, 1)
    clock.advance(HOUR)
    after = await post()  # the restart's catch-up
    assert after.outcome is Outcome.ALREADY_SENT
    assert after.thread_id == publisher.sent[0].message_id
    assert len(publisher.thread_requests) == 1  # found, not asked for again
    assert await thread_state(store) == (ThreadState.CREATED, 1)


async def test_crash_after_the_post_was_recorded_starts_the_thread_at_restart(
    post: Post, store: Store, publisher: ScriptedPublisher, clock: FakeClock
) -> None:
    crashing = replace(
        store, threads=type("Dies", (type(store.threads),), {"claim": _crash})(store.db)
    )
    with pytest.raises(Crash):
        await post(use_store=crashing)
    assert publisher.thread_requests == []
    clock.advance(HOUR)
    after = await post()
    assert after.thread_id == publisher.sent[0].message_id
    assert len(publisher.thread_requests) == 1


async def test_a_post_sent_long_before_gets_no_late_thread(
    post: Post, store: Store, publisher: ScriptedPublisher, clock: FakeClock
) -> None:
    """Posts from before threads existed (or were turned on) are left alone."""
    await store.settings.save(guild(threads=False))
    await post()
    await store.settings.save(guild(threads=True))
    clock.advance(2 * DAY)
    assert (await post()).thread_id is None
    assert publisher.thread_requests == []
    # A moderator asking with /admin post-now gets one.
    assert (await post(on_demand=True)).thread_id == publisher.sent[0].message_id


async def test_recovered_post_gets_its_thread(
    post: Post, store: Store, publisher: ScriptedPublisher, clock: FakeClock
) -> None:
    """Killed after the post went out, before it was recorded: found, then threaded once."""
    crashing = replace(store, posts=type("CrashOnce", (CrashingPosts,), {})(store.db, clock.now))
    with pytest.raises(Crash):
        await post(use_store=crashing)
    clock.advance(HOUR)
    recovered = await post()
    assert recovered.recovered
    assert recovered.thread_id == publisher.sent[0].message_id
    assert len(publisher.thread_requests) == 1


async def _crash(*_args: object, **_kwargs: object) -> None:
    raise Crash


@pytest.mark.parametrize(
    ("number", "title", "expected"),
    [
        (3, "Train a baseline", "Week 3: Train a baseline"),
        (12, "  spaced\n  out  ", "Week 12: spaced out"),
    ],
)
def test_thread_name(number: int, title: str, expected: str) -> None:
    assert thread_name(number, title) == expected


def test_thread_name_fits_discords_limit() -> None:
    name = thread_name(7, "x" * 300)
    assert len(name) == THREAD_NAME_LIMIT
    assert name.startswith("Week 7: xxx")
    assert name.endswith("…")
