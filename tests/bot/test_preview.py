"""``mle-bot ask``: parsed against the registered tree, rendered by the same code, offline."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import discord
import pytest
from discord import app_commands
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.__main__ import main
from bot.cogs import career_answers
from bot.preview import UsageError, ask, build_tree, parse_invocation, preview_post
from bot.publisher import DiscordPublisher
from bot.weekly import render_weekly_post
from content.models import Catalog
from scheduler.ports import ChallengePost
from tests.fakediscord.validation import (
    assert_valid,
    validate_interaction_callback,
    validate_message_payload,
)


@pytest.fixture
async def tree(catalog: Catalog) -> Any:
    return await build_tree(catalog)


@pytest.mark.parametrize(
    ("line", "command", "options"),
    [
        ("/salary region:India level:entry", "salary", {"region": "India", "level": "entry"}),
        ("salary level:Senior level", "salary", {"level": "senior"}),  # choice by name
        ("/role name:data scientist", "role", {"name": "data scientist"}),
        ('/role name:"data scientist"', "role", {"name": "data scientist"}),
        ("/tools", "tools", {}),
        (
            "  /TOOLS   category:mlops   name:mlflow ",
            "tools",
            {"category": "mlops", "name": "mlflow"},
        ),
        ("/roadmap step:3", "roadmap", {"step": "3"}),
        ("/mlebot-help", "mlebot-help", {}),
    ],
)
async def test_parse(tree: Any, line: str, command: str, options: dict[str, str]) -> None:
    invocation = parse_invocation(line, tree)
    assert invocation.command == command
    assert dict(invocation.options) == options


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("", "empty command"),
        ("/nope", "unknown command /nope"),
        ("/salary country:India", "has no option “country”"),
        ("/salary level:expert", "level must be one of: entry, mid, senior"),
        ("/salary India", "is not an option"),
        ("/role name:a name:b", "given twice"),
    ],
)
async def test_parse_errors(tree: Any, line: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        parse_invocation(line, tree)


async def test_commands_without_an_offline_answer_are_refused_clearly(catalog: Catalog) -> None:
    tree = await build_tree(catalog)
    tree.add_command(app_commands.Command(name="live-only", description="d", callback=_noop))
    with pytest.raises(UsageError, match="needs the running bot"):
        parse_invocation("/live-only", tree)


async def _noop(interaction: discord.Interaction) -> None:
    """A command with no offline answer."""


async def test_ask_text(catalog: Catalog) -> None:
    code, output = await ask(catalog, "/salary region:India level:entry")
    assert code == 0
    assert "# Entry-level ML engineer salaries: India" in output
    assert "₹7 LPA – ₹12 LPA" in output
    assert "Sources:" in output


async def test_ask_paginated_text_shows_every_page(catalog: Catalog) -> None:
    code, output = await ask(catalog, "/role name:mle")
    assert code == 0
    assert "page 1/" in output
    assert "[◀️ Previous]" in output


async def test_ask_not_found_is_the_ephemeral_error_reply(catalog: Catalog) -> None:
    code, output = await ask(catalog, "/tools name:zzzz-nothing")
    assert code == 1
    assert "(only you can see this)" in output
    assert "No tool matches" in output


async def test_ask_usage_error(catalog: Catalog) -> None:
    code, output = await ask(catalog, "/salry")
    assert code == 2
    assert "unknown command /salry" in output


@pytest.mark.parametrize(
    "line",
    [
        "/salary",
        "/salary region:India level:entry",
        "/role name:mle",
        "/tools name:k8s",
        "/cert name:aws",
        "/roadmap",
        "/about-sources",
        "/mlebot-help",
        "/tools name:zzzz",
    ],
)
async def test_ask_json_is_a_valid_interaction_response(catalog: Catalog, line: str) -> None:
    _code, output = await ask(catalog, line, as_json=True)
    payload = json.loads(output)
    assert payload["type"] == 4
    assert payload["data"]["allowed_mentions"] == {"parse": []}
    assert_valid(validate_interaction_callback(payload))


async def test_ask_json_of_a_paginated_reply_has_the_buttons(catalog: Catalog) -> None:
    _code, output = await ask(catalog, "/role name:mle", as_json=True)
    data = json.loads(output)["data"]
    buttons = data["components"][0]["components"]
    assert [b["label"] for b in buttons] == [
        "Previous",
        f"1/{buttons[1]['label'].split('/')[1]}",
        "Next",
    ]
    assert buttons[0]["disabled"] is True
    assert len(data["embeds"]) == 1


async def test_ask_json_of_an_error_is_ephemeral(catalog: Catalog) -> None:
    _code, output = await ask(catalog, "/cert name:azure", as_json=True)
    data = json.loads(output)["data"]
    assert data["flags"] == 64
    assert "No certification matches" in data["content"]


@pytest.mark.usefixtures("settings")  # the environment cleared
def test_cli_ask(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "/cert name:aws"]) == 0
    out = capsys.readouterr().out
    assert "# AWS Certified Machine Learning – Specialty" in out
    assert "750" in out


@pytest.mark.usefixtures("settings")
def test_cli_ask_usage_error_goes_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "/cert nam:aws"]) == 2
    captured = capsys.readouterr()
    assert "has no option “nam”" in captured.err
    assert captured.out == ""


@pytest.mark.slow  # property test, 300 examples
async def test_any_command_line_parses_or_fails_with_a_usage_error(catalog: Catalog) -> None:
    tree = await build_tree(catalog)
    words = st.sampled_from(["/salary", "/role", "/tools", "name:", "region:", "level:", "x:", " "])

    @settings(max_examples=300, deadline=None)
    @given(st.lists(st.one_of(words, st.text(max_size=12)), max_size=8))
    def check(parts: list[str]) -> None:
        try:
            command = parse_invocation("".join(parts), tree).command
        except UsageError as error:
            command = str(error)
        assert command in career_answers() or command.startswith(("/", "empty", "unknown"))

    check()


# --------------------------------------------------------------------------- season preview

#: A Wednesday afternoon (UTC) of ISO week 2026-W48; nothing below depends on today.
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
BOT_ID, GUILD_ID, CHANNEL_ID = 710, 720, 730


class _SentError(Exception):
    """Raised by the stubbed HTTP call once discord.py built the request."""


async def publisher_payload(post: ChallengePost) -> dict[str, Any]:
    """The JSON body :class:`DiscordPublisher` makes discord.py POST for ``post``.

    A real client state with one guild (owned by the bot, so every permission check passes)
    and one text channel; only ``HTTPClient.send_message`` is replaced, to catch the request.
    """
    client = discord.Client(
        intents=discord.Intents.none(), allowed_mentions=discord.AllowedMentions.none()
    )
    state = client._connection
    user: Any = {
        "id": BOT_ID,
        "username": "mlebot",
        "discriminator": "0",
        "avatar": None,
        "bot": True,
    }
    state.user = discord.ClientUser(state=state, data=user)
    everyone = {"id": GUILD_ID, "name": "@everyone", "permissions": "0", "position": 0}
    member = {"user": user, "roles": [], "joined_at": None, "deaf": False, "mute": False}
    channel = {"id": CHANNEL_ID, "type": 0, "name": "challenges", "position": 0}
    data: Any = {  # the GUILD_CREATE fields discord.py reads here
        "id": GUILD_ID,
        "name": "Study group",
        "owner_id": BOT_ID,
        "roles": [{**everyone, "color": 0, "hoist": False, "managed": False}],
        "members": [{**member, "flags": 0}],
        "channels": [{**channel, "permission_overwrites": []}],
    }
    guild = discord.Guild(data=data, state=state)
    state._add_guild(guild)
    sent: dict[str, Any] = {}

    async def send_message(channel_id: int, *, params: Any) -> None:
        sent.update(params.payload)
        raise _SentError

    state.http.send_message = send_message  # type: ignore[method-assign, assignment]
    with pytest.raises(_SentError):
        await DiscordPublisher(client, render_weekly_post).post_challenge(
            GUILD_ID, CHANNEL_ID, post
        )
    await client.close()
    sent.pop("nonce")  # random on every send
    sent.pop("enforce_nonce")
    return sent


@pytest.mark.parametrize("week", [1, 3, 15])
async def test_ask_challenge_current_json_is_the_weekly_post_the_publisher_sends(
    catalog: Catalog, week: int
) -> None:
    code, output = await ask(catalog, "/challenge current", as_json=True, week=week, now=NOW)
    assert code == 0
    payload = json.loads(output)
    assert_valid(validate_message_payload(payload, kind="create"))
    expected = await publisher_payload(preview_post(catalog, week, NOW))
    assert payload == expected
    (embed,) = payload["embeds"]
    challenge = catalog.challenge_for_week(week)
    assert challenge is not None
    assert embed["title"] == f"Challenge {week}: {challenge.title}"
    (button,) = payload["components"][0]["components"]
    # The week marker rides in the button, where members do not see it (scheduler.ports).
    preview_week = preview_post(catalog, week, NOW).week  # challenge 1 is NOW's week
    assert button["custom_id"] == f"mlebot:done:{challenge.id}:{preview_week}"
    assert "mle-roadmap:" not in embed["footer"]["text"]


async def test_ask_challenge_current_text_previews_the_season_from_this_week(
    catalog: Catalog,
) -> None:
    code, first = await ask(catalog, "/challenge current", now=NOW)
    assert code == 0
    one = catalog.challenge_for_week(1)
    assert one is not None
    assert f"# Challenge 1: {one.title}" in first
    assert "Challenge 1 · 2026-W48 ·" in first  # challenge 1 is this week
    assert first.splitlines()[-1] == "[✅ Mark done]"
    assert "without last week's recap" in first
    assert "Last week" not in first
    _code, third = await ask(catalog, "/challenge current", week=3, now=NOW)
    assert "Challenge 3 · 2026-W50 ·" in third  # two weeks later


@pytest.mark.parametrize(
    ("line", "week", "message"),
    [
        ("/challenge current", 0, "--week 0: the season has challenges 1 to 15"),
        ("/challenge current", 16, "--week 16: the season has challenges 1 to 15"),
        ("/salary", 2, "--week applies to /challenge current only"),
        ("/challenge", None, "/challenge needs a subcommand: current, done, undo"),
        ("/challenge donee", None, "/challenge has no subcommand “donee”"),
        ("/challenge done", None, "/challenge done needs the running bot"),
        ("/privacy leaderboard:hide-me", None, "needs the running bot"),
        ("/admin show", None, "/admin show needs the running bot"),
    ],
)
async def test_ask_refuses_what_it_cannot_preview(
    catalog: Catalog, line: str, week: int | None, message: str
) -> None:
    code, output = await ask(catalog, line, week=week, now=NOW)
    assert code == 2
    assert message in output


async def test_ask_privacy_renders_its_text(catalog: Catalog) -> None:
    code, output = await ask(catalog, "/privacy")
    assert code == 0
    assert "(only you can see this)" in output
    assert "# Privacy: what mle-roadmap-bot keeps" in output
    assert "/privacy leaderboard:hide-me" in output
    _code, raw = await ask(catalog, "/privacy", as_json=True)
    payload = json.loads(raw)
    assert payload["data"]["flags"] == 64
    assert_valid(validate_interaction_callback(payload))


@pytest.mark.usefixtures("settings")
def test_cli_ask_week(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "/challenge current", "--week", "2"]) == 0
    out = capsys.readouterr().out
    assert "# Challenge 2: " in out
    assert "[✅ Mark done]" in out
    assert main(["ask", "/challenge current", "--week", "99"]) == 2
    assert "--week 99" in capsys.readouterr().err
