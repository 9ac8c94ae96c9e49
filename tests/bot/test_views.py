"""The paginator: turning pages, only the invoking member, clean timeout; and send_reply."""

from __future__ import annotations

from typing import Any

import discord
import pytest

from bot.embeds import Reply
from bot.views import Paginator, initial_response_payload, send_reply
from tests.bot.fakes import FakeInteraction, FakeUser
from tests.fakediscord.validation import assert_valid, validate_interaction_callback

PAGES = tuple(discord.Embed(title=f"Page {n}") for n in range(1, 4))


def _labels(view: Paginator) -> list[tuple[str | None, bool]]:
    return [(b.label, b.disabled) for b in view.children if isinstance(b, discord.ui.Button)]


async def _press(
    view: Paginator, button: discord.ui.Button[Paginator], user: int = 42
) -> FakeInteraction:
    interaction = FakeInteraction(user=FakeUser(user))
    if await view.interaction_check(interaction):  # type: ignore[arg-type]
        await button.callback(interaction)  # type: ignore[arg-type]
    return interaction


async def test_pages_turn_and_buttons_follow() -> None:
    view = Paginator(PAGES, owner_id=42)
    assert _labels(view) == [("Previous", True), ("1/3", True), ("Next", False)]
    pressed = await _press(view, view.next_page)
    assert pressed.sent[0].via == "response.edit_message"
    assert pressed.sent[0].kwargs["embed"].title == "Page 2"
    assert _labels(view) == [("Previous", False), ("2/3", True), ("Next", False)]
    await _press(view, view.next_page)
    assert _labels(view) == [("Previous", False), ("3/3", True), ("Next", True)]
    await _press(view, view.next_page)  # past the end: stays on the last page
    assert view.index == 2
    await _press(view, view.previous_page)
    assert view.current.title == "Page 2"


async def test_only_the_invoking_member_can_turn_pages() -> None:
    view = Paginator(PAGES, owner_id=42)
    pressed = await _press(view, view.next_page, user=7)
    [sent] = pressed.sent
    assert sent.via == "response.send_message"
    assert sent.kwargs == {"ephemeral": True}
    assert view.index == 0


async def test_timeout_removes_the_buttons() -> None:
    view = Paginator(PAGES, owner_id=42, timeout=0.05)
    origin = FakeInteraction()
    view.attach(origin)  # type: ignore[arg-type]
    await view.on_timeout()
    assert origin.sent[-1].via == "edit_original_response"
    assert origin.sent[-1].kwargs == {"view": None}


async def test_timeout_tolerates_a_deleted_message() -> None:
    view = Paginator(PAGES, owner_id=42, timeout=0.05)

    class Gone(FakeInteraction):
        async def edit_original_response(self, **kwargs: Any) -> None:
            raise discord.NotFound(_Resp(), "Unknown Message")

    view.attach(Gone())  # type: ignore[arg-type]
    await view.on_timeout()  # logged, not raised


class _Resp:
    status = 404
    reason = "Not Found"


def test_a_single_page_needs_no_paginator() -> None:
    with pytest.raises(ValueError, match="two pages"):
        Paginator(PAGES[:1], owner_id=1)


async def test_send_reply_single_page() -> None:
    interaction = FakeInteraction()
    await send_reply(interaction, Reply(pages=PAGES[:1]))  # type: ignore[arg-type]
    [sent] = interaction.sent
    assert sent.kwargs["embeds"] == [PAGES[0]]
    assert "view" not in sent.kwargs


async def test_send_reply_paginated_attaches_the_view() -> None:
    interaction = FakeInteraction()
    await send_reply(interaction, Reply(pages=PAGES, ephemeral=True))  # type: ignore[arg-type]
    [sent] = interaction.sent
    view = sent.kwargs["view"]
    assert isinstance(view, Paginator)
    assert view.owner_id == 42
    assert sent.kwargs["ephemeral"] is True
    view.stop()


async def test_send_reply_after_defer_uses_followup() -> None:
    interaction = FakeInteraction(done=True)
    await send_reply(interaction, Reply(pages=PAGES))  # type: ignore[arg-type]
    assert interaction.sent[0].via == "followup.send"
    interaction.sent[0].kwargs["view"].stop()


def test_payload_matches_discord_py_and_is_valid() -> None:
    payload = initial_response_payload(Reply(pages=PAGES, ephemeral=True))
    assert_valid(validate_interaction_callback(payload))
    data = payload["data"]
    assert data["flags"] == 64
    assert data["embeds"] == [PAGES[0].to_dict()]
    row = data["components"][0]
    assert row["type"] == 1
    assert [c["label"] for c in row["components"]] == ["Previous", "1/3", "Next"]
    assert all(len(c["custom_id"]) <= 100 for c in row["components"])
