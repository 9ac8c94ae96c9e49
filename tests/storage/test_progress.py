"""Recording completions: idempotency, week attribution, moderator audit, totals, summary."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, date, datetime, timedelta

import pytest

from storage.models import (
    CompletionSource,
    CompletionStatus,
    GuildSchedule,
    IsoWeek,
)
from storage.store import Store
from tests.storage.streak_reference import reference_streaks

G = 1
AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


async def post(store: Store, week: IsoWeek, challenge: str, *, sent: bool = True) -> None:
    result = await store.posts.claim(
        G, week, challenge_id=challenge, channel_id=10, scheduled_for=AT
    )
    if sent:
        await store.posts.mark_sent(result.post.post_id, message_id=hash((week, challenge)))


async def test_double_click_is_already_done(store: Store) -> None:
    await post(store, IsoWeek(2026, 48), "c48")
    first = await store.progress.record_completion(G, 7, "c48", points=10, display_name="Ada")
    again = await store.progress.record_completion(G, 7, "c48", points=10)
    assert first.status is CompletionStatus.RECORDED
    assert first.recorded
    assert again.status is CompletionStatus.ALREADY_DONE
    assert not again.recorded
    assert again.completion == first.completion
    assert first.completion.week == IsoWeek(2026, 48)
    assert first.completion.source is CompletionSource.BUTTON


async def test_concurrent_retries_record_once(store: Store) -> None:
    results = await asyncio.gather(
        *(store.progress.record_completion(G, 7, "c1", points=5) for _ in range(10))
    )
    assert sum(r.recorded for r in results) == 1
    summary = await store.progress.summary(G, 7)
    assert summary is not None
    assert summary.points == 5
    assert summary.completions == 1


async def test_week_is_the_post_of_that_challenge(store: Store) -> None:
    await post(store, IsoWeek(2026, 47), "c47")
    await post(store, IsoWeek(2026, 48), "c48", sent=False)  # claimed, being sent
    a = await store.progress.record_completion(G, 7, "c47", points=1)
    b = await store.progress.record_completion(G, 7, "c48", points=1)
    c = await store.progress.record_completion(G, 7, "never-posted", points=1)
    assert a.completion.week == IsoWeek(2026, 47)
    assert b.completion.week == IsoWeek(2026, 48)
    assert c.completion.week is None


async def test_completed_at_round_trips_exactly(store: Store) -> None:
    moment = datetime(2026, 3, 29, 1, 30, 15, 123456, tzinfo=UTC)
    await store.progress.record_completion(G, 7, "c1", points=1, completed_at=moment)
    (record,) = await store.progress.history(G, 7)
    assert record.completed_at == moment
    assert record.completed_at.tzinfo is not None


async def test_naive_completed_at_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        await store.progress.record_completion(
            G,
            7,
            "c1",
            points=1,
            completed_at=datetime(2026, 1, 1),  # noqa: DTZ001
        )


async def test_moderator_mark_and_unmark_are_audited(store: Store) -> None:
    with pytest.raises(ValueError, match="actor_id"):
        await store.progress.record_completion(
            G, 7, "c1", points=1, source=CompletionSource.MODERATOR
        )
    marked = await store.progress.record_completion(
        G, 7, "c1", points=3, source=CompletionSource.MODERATOR, actor_id=99, note="did it live"
    )
    assert marked.recorded
    again = await store.progress.record_completion(
        G, 7, "c1", points=3, source=CompletionSource.MODERATOR, actor_id=99
    )
    assert not again.recorded
    assert await store.progress.undo_completion(G, 7, "c1", actor_id=99, reason="mistake")
    assert not await store.progress.undo_completion(G, 7, "c1", actor_id=99)
    entries = await store.audit.recent(G)
    assert [(e.action, e.actor_id, e.target_user_id, e.challenge_id) for e in entries] == [
        ("unmark", 99, 7, "c1"),
        ("mark", 99, 7, "c1"),
    ]
    assert entries[0].detail == "mistake"
    assert entries[1].detail == "did it live"
    older = await store.audit.recent(G, before_id=entries[0].audit_id)
    assert [e.action for e in older] == ["mark"]


async def test_member_undo_is_not_audited_and_twice_is_a_no_op(store: Store) -> None:
    await store.progress.record_completion(G, 7, "c1", points=3)
    assert await store.progress.undo_completion(G, 7, "c1")
    assert not await store.progress.undo_completion(G, 7, "c1")
    assert await store.audit.recent(G) == []
    summary = await store.progress.summary(G, 7)
    assert summary is not None
    assert (summary.points, summary.completions) == (0, 0)


async def test_display_name_cache(store: Store) -> None:
    await store.progress.record_completion(G, 7, "c1", points=1, display_name="Ada")
    await store.progress.record_completion(G, 7, "c2", points=1)  # no name: keep the old one
    summary = await store.progress.summary(G, 7)
    assert summary is not None
    assert summary.display_name == "Ada"
    await store.progress.record_completion(G, 7, "c3", points=1, display_name="Ada L.")
    summary = await store.progress.summary(G, 7)
    assert summary is not None
    assert summary.display_name == "Ada L."


async def test_unknown_member_has_no_summary(store: Store) -> None:
    assert await store.progress.summary(G, 12345) is None
    assert await store.progress.history(G, 12345) == []


async def test_summary_streaks(store: Store) -> None:
    weeks = [IsoWeek(2026, n) for n in range(40, 46)]
    for week in weeks:
        await post(store, week, f"c{week.week}")
    for n in (40, 41, 42, 44):
        await store.progress.record_completion(G, 7, f"c{n}", points=1)
    summary = await store.progress.summary(G, 7)
    assert summary is not None
    # W45 (latest) is open, W44 done, W43 missed: current 1; best is W40..W42.
    assert (summary.current_streak, summary.best_streak) == (1, 3)


async def test_completions_are_immutable(store: Store) -> None:
    await store.progress.record_completion(G, 7, "c1", points=1)
    with pytest.raises(Exception, match="immutable"):
        await store.db.execute("UPDATE completions SET points = 100")


async def recomputed_totals(store: Store) -> dict[tuple[int, int], tuple[int, ...]]:
    rows = await store.db.fetch(
        "SELECT m.guild_id, m.user_id,"
        " coalesce(sum(c.points), 0), count(c.user_id), max(c.completed_at_us),"
        " coalesce(sum(c.points) FILTER (WHERE c.completed_at_us >= g.season_start_us"
        "   OR g.season_start_us IS NULL), 0),"
        " count(c.user_id) FILTER (WHERE c.completed_at_us >= g.season_start_us"
        "   OR g.season_start_us IS NULL),"
        " max(c.completed_at_us) FILTER (WHERE c.completed_at_us >= g.season_start_us"
        "   OR g.season_start_us IS NULL)"
        " FROM members AS m LEFT JOIN completions AS c USING (guild_id, user_id)"
        " LEFT JOIN guild_settings AS g USING (guild_id) GROUP BY m.guild_id, m.user_id"
    )
    return {(r[0], r[1]): tuple(r[2:8]) for r in rows}


async def stored_totals(store: Store) -> dict[tuple[int, int], tuple[int, ...]]:
    rows = await store.db.fetch(
        "SELECT guild_id, user_id, points_all, completions_all, reached_all_us,"
        " points_season, completions_season, reached_season_us FROM members"
    )
    return {(r[0], r[1]): tuple(r[2:8]) for r in rows}


async def assert_streaks_match_the_definition(store: Store) -> int:
    """Every member's stored streaks against the reference; returns how many have one."""
    sent = [w for (w,) in await store.db.fetch("SELECT iso_week FROM challenge_posts")]
    members = await store.db.fetch("SELECT guild_id, user_id FROM members")
    with_streak = 0
    for guild, user in members:
        sent_here = await store.db.fetch(
            "SELECT iso_week FROM challenge_posts WHERE guild_id = ? AND state = 'sent'", (guild,)
        )
        done = await store.db.fetch(
            "SELECT iso_week FROM completions WHERE guild_id = ? AND user_id = ?"
            " AND iso_week IS NOT NULL",
            (guild, user),
        )
        summary = await store.progress.summary(guild, user)
        assert summary is not None
        expected = reference_streaks([w for (w,) in sent_here], [w for (w,) in done])
        assert (summary.current_streak, summary.best_streak) == expected
        with_streak += expected[1] > 0
    assert sent
    return with_streak


@pytest.mark.slow_on_postgres  # ~1.5 s per seed there
@pytest.mark.parametrize("seed", range(3))
async def test_maintained_totals_match_a_recount(store: Store, seed: int) -> None:
    rng = random.Random(seed)
    await store.settings.save(GuildSchedule(G, season_start=date(2026, 6, 1)))
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for step in range(300):
        user, challenge = rng.randrange(8), f"c{rng.randrange(12)}"
        guild = rng.choice((G, G + 1))
        if step % 40 == 0:  # some completions belong to posted weeks
            claim = await store.posts.claim(
                guild,
                IsoWeek(2026, 1 + step // 40),
                challenge_id=challenge,
                channel_id=1,
                scheduled_for=AT,
            )
            if claim.owned:
                await store.posts.mark_sent(claim.post.post_id, message_id=step)
        if rng.random() < 0.7:
            await store.progress.record_completion(
                guild,
                user,
                challenge,
                points=rng.choice((5, 10)),
                completed_at=start + timedelta(days=rng.randrange(365)),
            )
        else:
            await store.progress.undo_completion(guild, user, challenge)
        if step == 150:  # moving the season start recounts the season totals
            await store.settings.save(GuildSchedule(G, season_start=date(2026, 3, 1)))
    stored = await stored_totals(store)
    assert stored == await recomputed_totals(store)
    assert await assert_streaks_match_the_definition(store) > 0
    await store.settings.save(GuildSchedule(G, season_start=None))
    assert await stored_totals(store) == await recomputed_totals(store)
