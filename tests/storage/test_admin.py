"""``mle-bot db migrate`` and ``mle-bot db copy``: a real SQLite file, filled through the
repositories, copied into a real PostgreSQL database and compared (tests/postgres.py)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.__main__ import main
from storage.db import load_migrations, migrate
from storage.models import CompletionSource, GuildSchedule, Period, ReminderPref
from storage.rewards import RewardKind, RewardRule
from storage.store import Store, open_store
from tests.postgres import PostgresServer

LATEST = len(load_migrations())
T0 = datetime(2026, 9, 7, 9, 0, tzinfo=UTC)  # a Monday


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


async def fill(store: Store) -> None:
    """A little of everything the bot keeps, in two guilds."""
    for guild in (1, 2):
        await store.settings.save(
            GuildSchedule(guild, channel_id=10 * guild, season_start=date(2026, 9, 1)),
            actor_id=99,
        )
        for week in (37, 38, 39):
            claim = await store.posts.claim(
                guild,
                (2026, week),
                challenge_id=f"c{week}",
                channel_id=10 * guild,
                scheduled_for=T0,
            )
            await store.posts.mark_sent(claim.post.post_id, message_id=guild * 1000 + week)
            await store.threads.claim(claim.post.post_id, guild)
        failed = await store.posts.claim(
            guild, (2026, 40), challenge_id="c40", channel_id=10 * guild, scheduled_for=T0
        )
        await store.posts.mark_failed(failed.post.post_id, error="Missing Access")
        for user in range(1, 8):
            for week in (37, 38, 39)[: user % 4]:
                await store.progress.record_completion(
                    guild,
                    user * 2**40,
                    f"c{week}",
                    points=user + week,
                    display_name=f"member {user} ✓",
                    note="https://x.test/a?b=1%",
                )
        await store.progress.record_completion(
            guild, 5, "c38", points=3, source=CompletionSource.MODERATOR, actor_id=99
        )
        await store.members.set_opted_out(guild, 3 * 2**40, True)
        await store.reminders.save(ReminderPref(guild, 2**40, remind_time=time(7, 30)))
        await store.reminders.claim(guild, 2**40, (2026, 39), due=T0)
        await store.rewards.add(RewardRule(guild, 500 + guild, RewardKind.STREAK, 2))
        await store.rewards.mark_granted(guild, 500 + guild, 2 * 2**40)


async def snapshot(store: Store) -> list[object]:
    """What the members and moderators would see, read through the repositories."""
    seen: list[object] = []
    for guild in (1, 2):
        for period in Period:
            seen.append(await store.leaderboards.top(guild, period, limit=50))
            seen.append(await store.leaderboards.count_ranked(guild, period))
        for user in (*(u * 2**40 for u in range(1, 8)), 5):
            seen.append(await store.progress.summary(guild, user))
            seen.append(await store.leaderboards.rank(guild, user, Period.SEASON))
        seen.append(await store.audit.recent(guild))
        seen.append(await store.export.season_rows(guild))
        seen.append(await store.posts.from_week(guild, (2026, 1)))
        seen.append(await store.rewards.holders(guild, 500 + guild))
        seen.append(await store.reminders.enabled(guild))
    return seen


def test_copy_moves_everything_and_verifies_it(
    tmp_path: Path, postgres_server: PostgresServer, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "bot.sqlite3"
    target = postgres_server.new_database(migrated=False)

    async def fill_source() -> list[object]:
        async with await open_store(source, clock=Clock()) as store:
            await fill(store)
            return await snapshot(store)

    before = asyncio.run(fill_source())
    assert main(["db", "copy", "--from", str(source), "--to", target]) == 0
    out = capsys.readouterr().out
    assert "copied and verified" in out
    counts = {line.split()[0]: line.split()[1:] for line in out.splitlines()[1:-1]}
    assert counts["completions"] == ["26", "26"]  # per guild: 1+2+3+0+1+2+3, and 1 by a mod
    assert counts["challenge_posts"] == ["8", "8"]
    assert all(source_rows == target_rows for source_rows, target_rows in counts.values())
    assert set(counts) >= {"guild_settings", "reward_grants", "rank_counts", "post_threads"}

    async def after_copy() -> list[object]:
        async with await open_store(target, clock=Clock()) as store:
            seen = await snapshot(store)
            # The copy is a working database: ids continue, triggers run again.
            claim = await store.posts.claim(
                1, (2026, 41), challenge_id="c41", channel_id=10, scheduled_for=T0
            )
            assert claim.owned
            assert claim.post.post_id > 8
            result = await store.progress.record_completion(1, 7 * 2**40, "c41", points=1)
            assert result.summary is not None
            assert result.summary.completions == 4
            return seen

    assert asyncio.run(after_copy()) == before


@pytest.mark.slow  # ~2 s
def test_copy_refuses_a_target_that_is_not_empty(
    tmp_path: Path, postgres_server: PostgresServer, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "bot.sqlite3"
    migrate(source)
    target = postgres_server.new_database()

    async def one_row() -> None:
        async with await open_store(target) as store:
            await store.settings.save(GuildSchedule(1))

    asyncio.run(one_row())
    assert main(["db", "copy", "--from", str(source), "--to", target]) == 1
    err = capsys.readouterr().err
    assert "is not empty (guild_settings has rows)" in err
    assert err.count("\n") == 1


def test_copy_wants_a_postgresql_target(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "copy", "--from", str(tmp_path / "a"), "--to", "mysql://x/y"]) == 2
    assert "--to must be a postgresql:// URL" in capsys.readouterr().err


def test_migrate_prints_from_and_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "old.sqlite3"
    migrate(path, target_version=3)
    monkeypatch.setenv("MLEBOT_DATABASE", str(path))
    assert main(["db", "migrate"]) == 0
    assert f"migrated from schema version 3 to {LATEST}" in capsys.readouterr().out
    assert main(["db", "migrate"]) == 0
    assert f"at schema version {LATEST}, nothing to do" in capsys.readouterr().out


def test_migrate_a_postgresql_database(
    postgres_server: PostgresServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = postgres_server.new_database(migrated=False)
    monkeypatch.setenv("MLEBOT_DATABASE", url)
    assert main(["db", "migrate"]) == 0
    assert f"migrated from schema version 0 to {LATEST}" in capsys.readouterr().out
    assert main(["db", "migrate"]) == 0
    assert f"at schema version {LATEST}, nothing to do" in capsys.readouterr().out
