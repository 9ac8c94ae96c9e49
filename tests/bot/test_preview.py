"""``mle-bot ask``: parsed against the registered tree, rendered by the same code, offline."""

from __future__ import annotations

import json
from typing import Any

import discord
import pytest
from discord import app_commands
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.__main__ import main
from bot.cogs import career_answers
from bot.preview import UsageError, ask, build_tree, parse_invocation
from bot.services import Services
from tests.fakediscord.validation import assert_valid, validate_interaction_callback


@pytest.fixture
async def tree(services: Services) -> Any:
    return await build_tree(services)


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


async def test_commands_without_an_offline_answer_are_refused_clearly(services: Services) -> None:
    tree = await build_tree(services)
    tree.add_command(app_commands.Command(name="live-only", description="d", callback=_noop))
    with pytest.raises(UsageError, match="needs the running bot"):
        parse_invocation("/live-only", tree)


async def _noop(interaction: discord.Interaction) -> None:
    """A command with no offline answer."""


async def test_ask_text(services: Services) -> None:
    code, output = await ask(services, "/salary region:India level:entry")
    assert code == 0
    assert "# Entry-level ML engineer salaries: India" in output
    assert "₹7 LPA – ₹12 LPA" in output
    assert "Sources:" in output


async def test_ask_paginated_text_shows_every_page(services: Services) -> None:
    code, output = await ask(services, "/role name:mle")
    assert code == 0
    assert "page 1/" in output
    assert "[◀️ Previous]" in output


async def test_ask_not_found_is_the_ephemeral_error_reply(services: Services) -> None:
    code, output = await ask(services, "/tools name:zzzz-nothing")
    assert code == 1
    assert "(only you can see this)" in output
    assert "No tool matches" in output


async def test_ask_usage_error(services: Services) -> None:
    code, output = await ask(services, "/salry")
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
async def test_ask_json_is_a_valid_interaction_response(services: Services, line: str) -> None:
    _code, output = await ask(services, line, as_json=True)
    payload = json.loads(output)
    assert payload["type"] == 4
    assert payload["data"]["allowed_mentions"] == {"parse": []}
    assert_valid(validate_interaction_callback(payload))


async def test_ask_json_of_a_paginated_reply_has_the_buttons(services: Services) -> None:
    _code, output = await ask(services, "/role name:mle", as_json=True)
    data = json.loads(output)["data"]
    buttons = data["components"][0]["components"]
    assert [b["label"] for b in buttons] == [
        "Previous",
        f"1/{buttons[1]['label'].split('/')[1]}",
        "Next",
    ]
    assert buttons[0]["disabled"] is True
    assert len(data["embeds"]) == 1


async def test_ask_json_of_an_error_is_ephemeral(services: Services) -> None:
    _code, output = await ask(services, "/cert name:azure", as_json=True)
    data = json.loads(output)["data"]
    assert data["flags"] == 64
    assert "No certification matches" in data["content"]


def test_cli_ask(capsys: pytest.CaptureFixture[str], services: Services) -> None:
    assert main(["ask", "/cert name:aws"]) == 0
    out = capsys.readouterr().out
    assert "# AWS Certified Machine Learning – Specialty" in out
    assert "750" in out


def test_cli_ask_usage_error_goes_to_stderr(
    capsys: pytest.CaptureFixture[str], services: Services
) -> None:
    assert main(["ask", "/cert nam:aws"]) == 2
    captured = capsys.readouterr()
    assert "has no option “nam”" in captured.err
    assert captured.out == ""


@pytest.mark.slow  # property test, 300 examples
async def test_any_command_line_parses_or_fails_with_a_usage_error(services: Services) -> None:
    tree = await build_tree(services)
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
