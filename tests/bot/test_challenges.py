"""Member commands: /challenge current|done|undo, /progress, /leaderboard (privacy: test_privacy).

The answers run against a real SQLite store; every reply is checked against Discord's spec and
limits. The command shells are driven end to end in ``tests/e2e/test_challenges.py``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import discord
import pytest

from bot.client import MLEBot
from bot.cogs import build_challenge_cogs
from bot.cogs.challenges import (
    NOT_CONFIGURED,
    LeaderboardView,
    answer_current,
    answer_progress,
    answer_undo,
    current_post,
    leaderboard_page,
    member_name,
)
from bot.errors import UserFacingError
from bot.weekly import record_done
from content.models import Catalog
from storage.models import CompletionSource, GuildSchedule, Period
from storage.store import Store, open_store
from tests.bot.conftest import assert_reply_valid, reply_text
from tests.fakediscord.validation import (
    assert_valid,
    validate_command_tree,
    validate_interaction_callback,
)
from tests.storage.conftest import FakeClock

GUILD = 900_000_000_000_000_001
CHANNEL = 900_000_000_000_000_002
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # Wednesday of 2026-W48
ADA, LIN = 1001, 1002


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    # Completions are stamped by the store's clock: at NOW, after the posts of weeks 46-48.
    async with await open_store(tmp_path / "bot.db", clock=FakeClock(NOW)) as opened:
        yield opened


async def configure(store: Store, **changes: Any) -> GuildSchedule:
    values: dict[str, Any] = {
        "guild_id": GUILD,
        "channel_id": CHANNEL,
        "weekday": 0,
        "post_time": time(9, 0),
        "timezone": "Europe/Berlin",
        "season_start": date(2026, 11, 9),  # 2026-W46: challenge 1
    }
    values.update(changes)
    settings = GuildSchedule(**values)
    await store.settings.save(settings)
    return settings


async def send_post(store: Store, week: int, challenge_id: str, message_id: int) -> None:
    monday = datetime.fromisocalendar(2026, week, 1).replace(hour=8, tzinfo=UTC)
    claim = await store.posts.claim(
        GUILD, (2026, week), challenge_id=challenge_id, channel_id=CHANNEL, scheduled_for=monday
    )
    await store.posts.mark_sent(claim.post.post_id, message_id=message_id, posted_at=monday)


async def done(store: Store, catalog: Catalog, user_id: int, challenge_id: str) -> str:
    return await record_done(
        store,
        catalog,
        guild_id=GUILD,
        user_id=user_id,
        display_name=f"member{user_id}",
        challenge_id=challenge_id,
        source=CompletionSource.BUTTON,
    )


def assert_text_valid(text: str) -> None:
    body = {"type": 4, "data": {"content": text, "flags": 64, "allowed_mentions": {"parse": []}}}
    assert_valid(validate_interaction_callback(body))


# --------------------------------------------------------------------------- /challenge


async def test_current_before_any_setup_says_how_to_start(store: Store, catalog: Catalog) -> None:
    with pytest.raises(UserFacingError) as caught:
        await answer_current(store, catalog, guild_id=GUILD, user_id=ADA, now=NOW)
    assert caught.value.message == NOT_CONFIGURED


async def test_current_before_the_first_post_says_when_it_comes(
    store: Store, catalog: Catalog
) -> None:
    await configure(store)
    with pytest.raises(UserFacingError) as caught:
        await answer_current(store, catalog, guild_id=GUILD, user_id=ADA, now=NOW)
    # Set up on Wednesday of W48 with a season from W46: this Monday's post time had passed,
    # so challenge 3 was never posted; next Monday 09:00 Berlin (W49) brings challenge 4.
    message = caught.value.message
    assert "challenge 3 (**Math for machine learning**) was not posted" in message
    assert "passed before the schedule was set" in message
    assert "`/admin post-now`" in message
    assert "Next: challenge 4 (**Supervised learning**) <t:" in message
    assert_text_valid(message)


async def test_current_shows_the_latest_post_with_a_button_until_done(
    store: Store, catalog: Catalog
) -> None:
    await configure(store)
    await send_post(store, 48, "math-for-ml", 5001)
    reply, button = await answer_current(store, catalog, guild_id=GUILD, user_id=ADA, now=NOW)
    assert_reply_valid(reply)
    assert reply.ephemeral
    assert reply.pages[0].title == "Challenge 3: Math for machine learning"
    assert button == "math-for-ml"
    text = reply_text(reply)
    assert "Not done yet" in text
    assert "Tasks" in text
    assert "Next: challenge 4 (**Supervised learning**) <t:" in text
    await done(store, catalog, ADA, "math-for-ml")
    reply, button = await answer_current(store, catalog, guild_id=GUILD, user_id=ADA, now=NOW)
    assert button is None
    assert "✅ Done on <t:" in reply_text(reply)


async def test_done_undo_and_undo_again(store: Store, catalog: Catalog) -> None:
    await configure(store)
    await send_post(store, 48, "math-for-ml", 5001)
    post = await current_post(store, GUILD)
    text = await done(store, catalog, ADA, post.challenge_id)
    assert f"+{catalog.challenge('math-for-ml').points} points" in text
    assert_text_valid(text)
    again = await done(store, catalog, ADA, post.challenge_id)
    assert "already marked" in again
    removed = await answer_undo(store, catalog, guild_id=GUILD, user_id=ADA)
    assert removed.startswith("Removed your completion of **Math for machine learning**")
    nothing = await answer_undo(store, catalog, guild_id=GUILD, user_id=ADA)
    assert "nothing to remove" in nothing
    assert await store.progress.summary(GUILD, ADA) is not None
    assert await store.progress.history(GUILD, ADA) == []


async def test_done_without_any_post_is_a_friendly_error(store: Store) -> None:
    await configure(store)
    with pytest.raises(UserFacingError, match="No challenge has been posted"):
        await current_post(store, GUILD)


# --------------------------------------------------------------------------- /progress


async def test_progress_has_points_streaks_rank_and_what_is_left(
    store: Store, catalog: Catalog
) -> None:
    await configure(store)
    for week, challenge in [(46, "python-foundations"), (47, "efficient-code-and-sql")]:
        await send_post(store, week, challenge, 5000 + week)
        await done(store, catalog, ADA, challenge)
    await send_post(store, 48, "math-for-ml", 5048)
    await done(store, catalog, LIN, "math-for-ml")
    reply = await answer_progress(
        store, catalog, guild_id=GUILD, user_id=ADA, name="Ada", own=True, moderator=False, now=NOW
    )
    assert_reply_valid(reply)
    assert reply.ephemeral
    fields = {f.name: f.value for f in reply.pages[0].fields}
    two_weeks = sum(
        catalog.challenge(c).points for c in ("python-foundations", "efficient-code-and-sql")
    )
    assert fields["Season points"] == str(two_weeks)
    assert fields["Completed"] == f"2 of {len(catalog.challenges)} challenges"
    # Week 48 is still open, so not having done it yet does not break the streak.
    assert fields["Current streak"] == "2 weeks"
    assert fields["Best streak"] == "2 weeks"
    assert fields["Rank this season"] == "#1 of 2"
    open_now = fields["Posted, not done yet (Mark done still counts)"] or ""
    assert "3. Math for machine learning" in open_now
    ahead = fields["Still ahead this season"] or ""
    assert "4. Supervised learning" in ahead
    assert "3. Math" not in ahead
    assert "1. Python foundations" in (fields["Done"] or "")
    assert "Python foundations" not in open_now + ahead


async def test_progress_of_someone_else_needs_a_moderator_or_a_public_board(
    store: Store, catalog: Catalog
) -> None:
    await configure(store)
    await send_post(store, 48, "math-for-ml", 5048)
    await done(store, catalog, LIN, "math-for-ml")
    ask: dict[str, Any] = {
        "guild_id": GUILD,
        "user_id": LIN,
        "name": "Lin",
        "own": False,
        "now": NOW,
    }
    with pytest.raises(UserFacingError, match="only moderators"):
        await answer_progress(store, catalog, moderator=False, **ask)
    reply = await answer_progress(store, catalog, moderator=True, **ask)
    assert reply.pages[0].title == "Progress of Lin"
    await configure(store, leaderboard_public=True)
    assert_reply_valid(await answer_progress(store, catalog, moderator=False, **ask))
    await store.members.set_opted_out(GUILD, LIN, True)
    with pytest.raises(UserFacingError, match="no recorded progress"):
        await answer_progress(store, catalog, moderator=False, **ask)


async def test_own_progress_before_anything_is_recorded(store: Store, catalog: Catalog) -> None:
    with pytest.raises(UserFacingError, match="no recorded progress here yet"):
        await answer_progress(
            store,
            catalog,
            guild_id=GUILD,
            user_id=ADA,
            name="Ada",
            own=True,
            moderator=False,
            now=NOW,
        )


# --------------------------------------------------------------------------- /leaderboard


async def test_leaderboard_pages_ranks_ties_and_the_viewer(store: Store, catalog: Catalog) -> None:
    await configure(store)
    await send_post(store, 46, "python-foundations", 5046)
    await send_post(store, 47, "efficient-code-and-sql", 5047)
    members = list(range(2000, 2023))  # 23 members: three pages of 10
    for n, user in enumerate(members):
        await done(store, catalog, user, "python-foundations")
        if n % 2 == 0:
            await done(store, catalog, user, "efficient-code-and-sql")
    first = await leaderboard_page(
        store, guild_id=GUILD, period=Period.SEASON, page=0, viewer_id=members[-2]
    )
    assert (first.page, first.pages) == (0, 3)
    lines = (first.embed.description or "").splitlines()
    one = catalog.challenge("python-foundations").points
    both = one + catalog.challenge("efficient-code-and-sql").points
    assert lines[0].startswith(f"**1.** member2000 — **{both}** pts · 2 challenges")
    assert lines[1].startswith("**1.** member2002")  # equal points share the rank
    assert lines[-1] == f"You: #13 with **{one}** pts"
    assert first.embed.footer.text is not None
    assert first.embed.footer.text.startswith("Page 1/3 · 23 members ranked")
    last = await leaderboard_page(
        store, guild_id=GUILD, period=Period.SEASON, page=99, viewer_id=members[0]
    )
    assert last.page == 2
    rows = (last.embed.description or "").rpartition("\n\n")[0]
    assert rows.count("\n") == 2  # three rows left on the last page
    assert (last.embed.description or "").endswith(f"\n\nYou: #1 with **{both}** pts")
    for shown in (first, last):
        body = {"type": 4, "data": {"embeds": [shown.embed.to_dict()], "flags": 64}}
        assert_valid(validate_interaction_callback(body))


async def test_week_leaderboard_is_the_latest_post_and_empty_board_says_how_to_start(
    store: Store, catalog: Catalog
) -> None:
    empty = await leaderboard_page(store, guild_id=GUILD, period=Period.WEEK, page=0, viewer_id=ADA)
    assert "Nobody is on the board yet" in (empty.embed.description or "")
    await configure(store)
    await send_post(store, 48, "math-for-ml", 5048)
    await done(store, catalog, ADA, "math-for-ml")
    week = await leaderboard_page(store, guild_id=GUILD, period=Period.WEEK, page=0, viewer_id=ADA)
    assert week.embed.title == "Leaderboard · This week (2026-W48)"
    points = catalog.challenge("math-for-ml").points
    assert f"member1001 — **{points}** pts" in (week.embed.description or "")


def test_member_names_cannot_format_or_ping() -> None:
    assert member_name(None, 42) == "<@42>"
    assert member_name("@everyone **bold**", 42) == "@\u200beveryone \\*\\*bold\\*\\*"
    assert len(member_name("x" * 80, 42)) == 32


# --------------------------------------------------------------------------- the tree


async def tree_payload(bot: MLEBot) -> list[dict[str, Any]]:
    for cog in build_challenge_cogs(bot.services):
        await bot.add_cog(cog)
    return [command.to_dict(bot.tree) for command in bot.tree.get_commands()]


async def test_commands_are_valid_guild_only_and_admin_is_for_manage_server(
    bot: MLEBot,
) -> None:
    payload = await tree_payload(bot)
    assert_valid(validate_command_tree(payload))
    by_name = {command["name"]: command for command in payload}
    assert set(by_name) == {
        "challenge",
        "progress",
        "leaderboard",
        "forget-me",
        "privacy",
        "remind",
        "admin",
    }
    for command in payload:
        assert command["contexts"] == [0], command["name"]  # guild only
    admin_default = int(by_name["admin"]["default_member_permissions"])
    assert admin_default == discord.Permissions(manage_guild=True).value
    assert by_name["leaderboard"].get("default_member_permissions") is None
    subs = {o["name"] for o in by_name["admin"]["options"]}
    assert subs == {
        "schedule",
        "show",
        "pause",
        "resume",
        "post-now",
        "leaderboard-visibility",
        "reload-content",
        "mark",
        "unmark",
        "export",
        "report",
        "rewards",
    }
    assert {o["name"] for o in by_name["challenge"]["options"]} == {"current", "done", "undo"}


class PageTurn:
    """The part of ``discord.Interaction`` a page button uses, recording the edit."""

    def __init__(self, user_id: int) -> None:
        self.user = discord.Object(user_id)
        self.client = None  # a running bot, not shutting down
        self.response = self
        self.edits: list[discord.Embed] = []
        self.messages: list[str] = []

    async def edit_message(self, *, embed: discord.Embed, view: discord.ui.View) -> None:
        self.edits.append(embed)

    async def send_message(self, content: str, *, ephemeral: bool) -> None:
        assert ephemeral
        self.messages.append(content)


async def test_leaderboard_buttons_read_pages_on_demand(store: Store, catalog: Catalog) -> None:
    await configure(store)
    await send_post(store, 46, "python-foundations", 5046)
    for user in range(3000, 3012):
        await done(store, catalog, user, "python-foundations")
    shown = await leaderboard_page(
        store, guild_id=GUILD, period=Period.SEASON, page=0, viewer_id=ADA
    )
    view = LeaderboardView(store, guild_id=GUILD, period=Period.SEASON, shown=shown, owner_id=ADA)
    assert view.previous_page.disabled
    assert not view.next_page.disabled
    assert_valid(
        validate_interaction_callback(
            {
                "type": 4,
                "data": {"embeds": [shown.embed.to_dict()], "components": view.to_components()},
            }
        )
    )
    owner: Any = PageTurn(ADA)
    assert await view.interaction_check(owner)
    await view.next_page.callback(owner)
    (second,) = owner.edits
    assert (second.description or "").startswith("**1.** member3010")  # 12 tied: positions 11-12
    assert (second.footer.text or "").startswith("Page 2/2")
    assert view.next_page.disabled
    assert not view.previous_page.disabled
    stranger: Any = PageTurn(LIN)
    assert not await view.interaction_check(stranger)
    assert "Only the member who ran `/leaderboard`" in stranger.messages[0]
    view.stop()


async def test_after_the_last_challenge_no_next_post_is_promised(
    store: Store, catalog: Catalog
) -> None:
    last = catalog.challenges[-1]
    await configure(store, season_start=date(2026, 1, 5))  # week 48 is far past the season
    await send_post(store, 48, last.id, 5048)
    reply, _ = await answer_current(store, catalog, guild_id=GUILD, user_id=ADA, now=NOW)
    assert "The season is over: all 15 challenges have had their week." in reply_text(reply)
    assert "Next challenge" not in reply_text(reply)
