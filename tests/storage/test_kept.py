"""Members' reads of settings and the post ledger may come from a recent copy
(``max_age``): this process's own writes are seen at once, another process's once the copy
is older than the caller accepts, and reads without ``max_age`` always go to the database."""

from __future__ import annotations

from pathlib import Path

from storage.models import GuildSchedule
from storage.store import Store, open_store
from tests.storage.conftest import FakeClock
from tests.storage.test_posts import WEEK, claim

LONG = 3600.0  # a copy this old still does: only a write of this process can refresh it


async def test_settings_own_saves_are_seen_at_once_others_when_the_copy_may_be_refreshed(
    store: Store, database: Path | str, clock: FakeClock
) -> None:
    assert await store.settings.get(1, max_age=LONG) is None
    await store.settings.save(GuildSchedule(guild_id=1, channel_id=10))
    mine = await store.settings.get(1, max_age=LONG)
    assert mine is not None
    assert mine.channel_id == 10
    async with await open_store(database, clock=clock) as other:
        await other.settings.save(GuildSchedule(guild_id=1, channel_id=20))
    copy = await store.settings.get(1, max_age=LONG)
    assert copy is not None
    assert copy.channel_id == 10
    fresh = await store.settings.get(1)
    assert fresh is not None
    assert fresh.channel_id == 20
    again = await store.settings.get(1, max_age=LONG)  # a fresh read refreshes the copy
    assert again is not None
    assert again.channel_id == 20


async def test_the_ledger_copy_follows_this_process_s_posts(
    store: Store, database: Path | str, clock: FakeClock
) -> None:
    assert await store.posts.latest_sent(1, max_age=LONG) is None
    assert await store.posts.from_week(1, WEEK, max_age=LONG) == []
    result = await claim(store)
    assert [p.post_id for p in await store.posts.from_week(1, WEEK, max_age=LONG)] == [
        result.post.post_id
    ]
    assert await store.posts.latest_sent(1, max_age=LONG) is None  # claimed, not sent
    await store.posts.mark_sent(result.post.post_id, message_id=77)
    latest = await store.posts.latest_sent(1, max_age=LONG)
    assert latest is not None
    assert latest.message_id == 77
    async with await open_store(database, clock=clock) as other:
        newer = await claim(other, week=WEEK.next())
        await other.posts.mark_sent(newer.post.post_id, message_id=78)
    assert await store.posts.latest_sent(1, max_age=LONG) == latest  # the copy, as asked
    fresh = await store.posts.latest_sent(1)
    assert fresh is not None
    assert fresh.message_id == 78
