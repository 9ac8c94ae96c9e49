"""Privacy (forget_member, opt-out) and the season export."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest

from storage import members as members_module
from storage.models import EXPORT_HEADER, CompletionSource, GuildSchedule, Period
from storage.store import Store

T0 = datetime(2026, 9, 10, 12, 0, tzinfo=UTC)
FORGOTTEN = 7


async def every_mention(store: Store, user: int) -> dict[str, int]:
    """Rows in any table that name ``user`` in any integer column."""
    found = {}
    for table, columns in (await store.db.tables()).items():
        # As text: PostgreSQL compares no text column with a number.
        where = " OR ".join(f"CAST({column} AS TEXT) = ?" for column in columns)
        (count,) = (
            await store.db.fetch(
                f"SELECT count(*) FROM {table} WHERE {where}", [str(user)] * len(columns)
            )
        )[0]
        found[table] = count
    return found


async def fill(store: Store) -> None:
    for guild in (1, 2):
        await store.progress.record_completion(guild, FORGOTTEN, "c1", points=5, display_name="x")
        await store.progress.record_completion(guild, 8, "c1", points=5)
        await store.progress.record_completion(
            guild, FORGOTTEN, "c2", points=5, source=CompletionSource.MODERATOR, actor_id=8
        )
        # The forgotten member was also a moderator who marked someone else.
        await store.progress.record_completion(
            guild, 8, "c2", points=5, source=CompletionSource.MODERATOR, actor_id=FORGOTTEN
        )


async def test_forget_member_everywhere(store: Store) -> None:
    await fill(store)
    report = await store.members.forget_member(FORGOTTEN)
    assert (report.members, report.completions) == (2, 4)
    assert (report.audit_entries, report.audit_entries_anonymized) == (2, 2)
    assert not any((await every_mention(store, FORGOTTEN)).values())
    # Others are untouched, and the audit entry about member 8 survives without its actor.
    assert (await store.progress.summary(1, 8)).completions == 2  # type: ignore[union-attr]
    entries = await store.audit.recent(1)
    assert [(e.action, e.actor_id, e.target_user_id) for e in entries] == [("mark", None, 8)]
    assert [r.user_id for r in await store.leaderboards.top(1, Period.ALL_TIME)] == [8]


async def test_forget_member_in_one_guild(store: Store) -> None:
    await fill(store)
    report = await store.members.forget_member(FORGOTTEN, guild_id=1)
    assert (report.members, report.completions) == (1, 2)
    assert await store.progress.summary(1, FORGOTTEN) is None
    assert await store.progress.summary(2, FORGOTTEN) is not None


async def test_forget_member_is_one_transaction(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    await fill(store)
    before = await every_mention(store, FORGOTTEN)
    failing = (*members_module._FORGET, ("boom", "SELECT * FROM no_such_table"))
    monkeypatch.setattr(members_module, "_FORGET", failing)
    with pytest.raises(Exception, match="no_such_table"):
        await store.members.forget_member(FORGOTTEN)
    assert await every_mention(store, FORGOTTEN) == before


async def test_forgetting_a_stranger_is_harmless(store: Store) -> None:
    report = await store.members.forget_member(12345)
    assert report.members == report.completions == 0


async def test_opted_out_members_are_hidden_but_keep_their_progress(store: Store) -> None:
    await store.progress.record_completion(1, 7, "c1", points=5)
    await store.progress.record_completion(1, 8, "c1", points=3)
    await store.members.set_opted_out(1, 7, True)
    assert [r.user_id for r in await store.leaderboards.top(1, Period.ALL_TIME)] == [8]
    assert (await store.progress.summary(1, 7)).points == 5  # type: ignore[union-attr]
    await store.members.set_opted_out(1, 7, False)
    rows = await store.leaderboards.top(1, Period.ALL_TIME)
    assert [(r.rank, r.user_id) for r in rows] == [(1, 7), (2, 8)]


async def test_season_export(store: Store) -> None:
    await store.settings.save(GuildSchedule(1, timezone="UTC", season_start=date(2026, 9, 1)))
    await store.progress.record_completion(
        1, 7, "old", points=5, completed_at=T0 - timedelta(days=30)
    )
    await store.progress.record_completion(
        1, 7, "c1", points=5, completed_at=T0, display_name="Ada", note='nice, "quoted"'
    )
    await store.progress.record_completion(1, 8, "c1", points=5, completed_at=T0 + timedelta(1))
    await store.progress.record_completion(1, 9, "c1", points=5, completed_at=T0)
    await store.members.set_opted_out(1, 9, True)
    await store.progress.record_completion(2, 7, "c1", points=5, completed_at=T0)
    rows = await store.export.season_rows(1)
    assert rows == [
        (7, "Ada", "c1", "", 5, "2026-09-10T12:00:00+00:00", "button", 'nice, "quoted"'),
        (8, "", "c1", "", 5, "2026-09-11T12:00:00+00:00", "button", ""),
    ]
    buffer = io.StringIO()
    csv.writer(buffer).writerows([EXPORT_HEADER, *rows])
    parsed = list(csv.reader(io.StringIO(buffer.getvalue())))
    assert parsed[0] == list(EXPORT_HEADER)
    assert parsed[1][7] == 'nice, "quoted"'
