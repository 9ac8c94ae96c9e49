"""/privacy (the text, hide-me, show-me) and /forget-me, against a real SQLite store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import discord
import pytest
from discord import app_commands

from bot.cogs.challenges import answer_progress, leaderboard_page
from bot.cogs.privacy import (
    ALREADY_HIDDEN,
    ALREADY_SHOWN,
    HIDDEN,
    SHOWN,
    PrivacyCog,
    answer_forget,
    answer_visibility,
    privacy_reply,
)
from bot.preview import build_tree
from bot.services import Services
from bot.weekly import record_done
from content.models import Catalog
from storage.models import CompletionSource, GuildSchedule, Period
from storage.store import Store, open_store
from tests.bot.conftest import assert_reply_valid, command_tree_payload, reply_text
from tests.bot.fakes import FakeInteraction, FakeUser
from tests.fakediscord.validation import assert_valid, validate_interaction_callback

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)  # Wednesday of 2026-W48
GUILD = 900_000_000_000_000_001
CHANNEL = 900_000_000_000_000_002
ADA, LIN, NEW = 1001, 1002, 1003


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    # Writes are stamped at a fixed instant, never on the day the tests run.
    async with await open_store(tmp_path / "bot.db", clock=lambda: NOW) as opened:
        await opened.settings.save(
            GuildSchedule(
                guild_id=GUILD,
                channel_id=CHANNEL,
                post_time=time(9, 0),
                timezone="Europe/Berlin",
                season_start=date(2000, 1, 3),  # every completion counts for the season
            )
        )
        yield opened


async def done(store: Store, catalog: Catalog, user_id: int, challenge_id: str) -> None:
    await record_done(
        store,
        catalog,
        guild_id=GUILD,
        user_id=user_id,
        display_name=f"member{user_id}",
        challenge_id=challenge_id,
        source=CompletionSource.COMMAND,
    )


async def ranked(store: Store) -> set[int]:
    rows = await store.leaderboards.top(GUILD, Period.SEASON, limit=50)
    return {row.user_id for row in rows}


async def exported(store: Store) -> set[int]:
    return {row.user_id for row in await store.export.season_rows(GUILD)}


def assert_text_valid(text: str) -> None:
    payload = {"type": 4, "data": {"content": text, "flags": 64}}
    assert_valid(validate_interaction_callback(payload))


def test_privacy_text_says_what_is_kept_and_every_choice() -> None:
    reply = privacy_reply()
    assert reply.ephemeral
    assert_reply_valid(reply)
    text = reply_text(reply)
    for choice in ("/privacy leaderboard:hide-me", "/privacy leaderboard:show-me", "/forget-me"):
        assert choice in text
    assert "progress is still recorded" in text


async def test_hide_me_leaves_boards_and_export_but_keeps_progress(
    store: Store, catalog: Catalog
) -> None:
    await done(store, catalog, ADA, "python-foundations")
    await done(store, catalog, LIN, "python-foundations")
    assert await ranked(store) == await exported(store) == {ADA, LIN}

    text = await answer_visibility(store, guild_id=GUILD, user_id=ADA, hidden=True)
    assert text == HIDDEN
    assert_text_valid(text)
    assert await ranked(store) == await exported(store) == {LIN}
    assert await store.leaderboards.count_ranked(GUILD, Period.SEASON) == 1
    board = await leaderboard_page(
        store, guild_id=GUILD, period=Period.SEASON, page=0, viewer_id=LIN
    )
    assert "member1001" not in (board.embed.description or "")

    # Progress is still kept: a new completion is recorded, Ada stays hidden.
    await done(store, catalog, ADA, "efficient-code-and-sql")
    summary = await store.progress.summary(GUILD, ADA)
    assert summary is not None
    assert summary.opted_out
    assert summary.completions == 2
    assert await ranked(store) == {LIN}
    own = reply_text(
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
    )
    assert "2 of" in own
    assert "Not ranked (opted out)" in own

    assert await answer_visibility(store, guild_id=GUILD, user_id=ADA, hidden=True) == (
        ALREADY_HIDDEN
    )
    assert await answer_visibility(store, guild_id=GUILD, user_id=ADA, hidden=False) == SHOWN
    assert await ranked(store) == await exported(store) == {ADA, LIN}
    assert await answer_visibility(store, guild_id=GUILD, user_id=ADA, hidden=False) == (
        ALREADY_SHOWN
    )


async def test_a_member_can_hide_before_their_first_completion(
    store: Store, catalog: Catalog
) -> None:
    assert await answer_visibility(store, guild_id=GUILD, user_id=NEW, hidden=False) == (
        ALREADY_SHOWN
    )
    assert await answer_visibility(store, guild_id=GUILD, user_id=NEW, hidden=True) == HIDDEN
    await done(store, catalog, NEW, "python-foundations")
    assert await ranked(store) == set()
    assert await exported(store) == set()
    summary = await store.progress.summary(GUILD, NEW)
    assert summary is not None
    assert summary.completions == 1


async def test_forget_me_deletes_only_the_member(store: Store, catalog: Catalog) -> None:
    await done(store, catalog, ADA, "math-for-ml")
    await done(store, catalog, LIN, "math-for-ml")
    text = await answer_forget(store, guild_id=GUILD, user_id=ADA)
    assert "1 completion" in text
    assert_text_valid(text)
    assert await store.progress.summary(GUILD, ADA) is None
    assert await store.progress.summary(GUILD, LIN) is not None


async def test_privacy_command_is_guild_only_with_an_optional_choice(catalog: Catalog) -> None:
    payload = {c["name"]: c for c in command_tree_payload(await build_tree(catalog))}
    privacy = payload["privacy"]
    assert privacy["contexts"] == [0]
    (option,) = privacy["options"]
    assert option["name"] == "leaderboard"
    assert not option.get("required", False)
    assert [c["value"] for c in option["choices"]] == ["hide-me", "show-me"]
    assert payload["forget-me"]["contexts"] == [0]


async def test_privacy_command_answers_ephemerally(
    services: Services, store: Store, catalog: Catalog
) -> None:
    cog = PrivacyCog(services)
    await done(store, catalog, ADA, "python-foundations")

    async def run(choice: str | None) -> dict[str, Any]:
        interaction: Any = FakeInteraction(user=FakeUser(ADA), guild_id=GUILD)
        value = None if choice is None else app_commands.Choice(name=choice, value=choice)
        await PrivacyCog.privacy.callback(cog, interaction, value)  # type: ignore[arg-type, call-arg]
        (sent,) = interaction.sent
        assert sent.kwargs["ephemeral"] is True
        return {"args": sent.args, **sent.kwargs}

    text = await run(None)
    assert isinstance(text["embeds"][0], discord.Embed)
    assert (await run("hide-me"))["args"] == (HIDDEN,)
    assert await ranked(store) == set()
    assert (await run("show-me"))["args"] == (SHOWN,)
    assert await ranked(store) == {ADA}
