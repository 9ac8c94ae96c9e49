"""The payload validator: real discord.py payloads pass, each limit is caught at its path."""

from __future__ import annotations

import copy
import re
from typing import Any

import discord
import pytest
from discord import app_commands

from tests.fakediscord import validation
from tests.fakediscord.validation import (
    Problem,
    assert_valid,
    discord_error_body,
    match_route,
    validate_command_tree,
    validate_interaction_callback,
    validate_message_payload,
    validate_request,
)

# ----------------------------------------------------------------------------- builders


def _view() -> discord.ui.View:
    view = discord.ui.View()
    view.add_item(discord.ui.Button(label="Previous", custom_id="page:prev"))
    view.add_item(discord.ui.Button(label="Next", custom_id="page:next"))
    view.add_item(discord.ui.Button(label="Docs", url="https://example.org/docs"))
    return view


def _message(**extra: Any) -> dict[str, Any]:
    """A message body as discord.py builds it: content, one full embed, a row of buttons."""
    embed = discord.Embed(title="Week 3", description="Linear models", colour=0x5865F2)
    embed.set_footer(text="mle-roadmap-bot")
    embed.set_author(name="Roadmap")
    embed.add_field(name="Task", value="Fit a ridge regression", inline=False)
    body: dict[str, Any] = {
        "content": "Hello",
        "embeds": [embed.to_dict()],
        "components": _view().to_components(),
    }
    body.update(extra)
    return body


def _paths(problems: list[Problem]) -> list[str]:
    return [problem.path for problem in problems]


async def _tree_payload() -> list[dict[str, Any]]:
    """The PUT body discord.py's CommandTree.sync() would send for a small tree."""
    client = discord.Client(intents=discord.Intents.none())
    tree = app_commands.CommandTree(client)

    @tree.command(name="salary", description="Salary ranges for ML engineers")
    @app_commands.describe(region="Where you work")
    @app_commands.choices(
        level=[
            app_commands.Choice(name="Junior", value="junior"),
            app_commands.Choice(name="Senior", value="senior"),
        ]
    )
    async def salary(
        interaction: discord.Interaction, region: str, level: app_commands.Choice[str] | None = None
    ) -> None:
        """Never called."""

    @salary.autocomplete("region")
    async def region_autocomplete(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return []

    group = app_commands.Group(name="challenge", description="Weekly challenges")

    @group.command(name="done", description="Mark a challenge done")
    async def done(interaction: discord.Interaction, week: app_commands.Range[int, 1, 52]) -> None:
        """Never called."""

    tree.add_command(group)
    return [command.to_dict(tree) for command in tree.get_commands()]


# ----------------------------------------------------------------------------- valid payloads


def test_discord_py_message_payload_is_valid() -> None:
    assert validate_message_payload(_message()) == []
    assert validate_request("POST", "/api/v10/channels/123/messages", _message()) == []


def test_attachment_ids_may_be_small_integers() -> None:
    body = _message(attachments=[{"id": 0, "filename": "a.csv"}, {"id": "1", "filename": "b.png"}])
    assert validate_request("POST", "/channels/1/messages", body) == []


async def test_discord_py_command_tree_is_valid() -> None:
    tree = await _tree_payload()
    assert validate_command_tree(tree) == []
    assert validate_request("PUT", "/api/v10/applications/1/guilds/2/commands", tree) == []


def test_limits_are_inclusive() -> None:
    """Exactly at every limit is accepted (so the violation tests below are not vacuous)."""
    embed = {
        "title": "t" * 256,
        "description": "d" * 2000,
        "fields": [{"name": "n" * 10, "value": "v" * 100} for _ in range(25)],
        "footer": {"text": "f" * 200},
        "author": {"name": "a" * 256},
    }
    total = 256 + 2000 + 25 * 110 + 200 + 256
    assert total <= 6000
    rows = [
        {
            "type": 1,
            "components": [
                {"type": 2, "style": 1, "custom_id": f"{r}{b}".ljust(100, "x"), "label": "L"}
                for b in range(5)
            ],
        }
        for r in range(5)
    ]
    body = {"content": "c" * 2000, "embeds": [embed], "components": rows}
    assert validate_message_payload(body, kind="interaction") == []
    assert validate_message_payload({"embeds": [{"title": "x"}] * 10}) == []


def test_interaction_callbacks_of_each_kind_pass() -> None:
    assert validate_interaction_callback({"type": 5}) == []
    assert validate_interaction_callback({"type": 4, "data": _message()}) == []
    assert validate_interaction_callback({"type": 7, "data": _message()}) == []
    choices = [{"name": f"c{i}", "value": f"v{i}"} for i in range(25)]
    assert validate_interaction_callback({"type": 8, "data": {"choices": choices}}) == []


# ----------------------------------------------------------------------------- message limits

MESSAGE_VIOLATIONS = [
    ("content", lambda b: b.update(content="c" * 2001), "content"),
    ("title", lambda b: b["embeds"][0].update(title="t" * 257), "embeds[0].title"),
    (
        "description",
        lambda b: b["embeds"][0].update(description="d" * 4097),
        "embeds[0].description",
    ),
    (
        "26 fields",
        lambda b: b["embeds"][0].update(fields=[{"name": "n", "value": "v"}] * 26),
        "embeds[0].fields",
    ),
    (
        "field name",
        lambda b: b["embeds"][0]["fields"][0].update(name="n" * 257),
        "embeds[0].fields[0].name",
    ),
    (
        "field value",
        lambda b: b["embeds"][0]["fields"][0].update(value="v" * 1025),
        "embeds[0].fields[0].value",
    ),
    (
        "footer",
        lambda b: b["embeds"][0]["footer"].update(text="f" * 2049),
        "embeds[0].footer.text",
    ),
    (
        "author",
        lambda b: b["embeds"][0]["author"].update(name="a" * 257),
        "embeds[0].author.name",
    ),
    ("11 embeds", lambda b: b.update(embeds=[{"title": "x"}] * 11), "embeds"),
    (
        "6000 total",
        lambda b: b.update(embeds=[{"description": "d" * 4000}, {"description": "d" * 2001}]),
        "embeds",
    ),
    (
        "custom_id",
        lambda b: b["components"][0]["components"][0].update(custom_id="x" * 101),
        "components[0].components[0].custom_id",
    ),
    (
        "6 buttons",
        lambda b: b["components"][0].update(
            components=[
                {"type": 2, "style": 1, "custom_id": f"b{i}", "label": "L"} for i in range(6)
            ]
        ),
        "components[0].components",
    ),
    ("6 rows", lambda b: b.update(components=b["components"] * 6), "components"),
    (
        "bad button style",
        lambda b: b["components"][0]["components"][0].update(style=42),
        "components[0].components[0].style",
    ),
    ("wrong type", lambda b: b.update(content=5), "content"),
    (
        "blank field value",
        lambda b: b["embeds"][0]["fields"][0].update(value=" "),
        "embeds[0].fields[0].value",
    ),
    (
        "blank field name",
        lambda b: b["embeds"][0]["fields"][0].update(name=""),
        "embeds[0].fields[0].name",
    ),
    (
        "duplicate custom_id",
        lambda b: b["components"][0]["components"][1].update(custom_id="page:prev"),
        "components[0].components[1].custom_id",
    ),
    (
        "link button with custom_id",
        lambda b: b["components"][0]["components"][2].update(custom_id="docs"),
        "components[0].components[2]",
    ),
    (
        "button without face",
        lambda b: b["components"][0]["components"][0].pop("label"),
        "components[0].components[0]",
    ),
    (
        "select beside buttons",
        lambda b: b["components"][0]["components"].append(
            {"type": 3, "custom_id": "pick", "options": [{"label": "a", "value": "a"}]}
        ),
        "components[0].components",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "path"),
    [pytest.param(m, p, id=name) for name, m, p in MESSAGE_VIOLATIONS],
)
@pytest.mark.parametrize("kind", ["create", "interaction", "callback"])
def test_each_message_limit_is_caught_with_its_path(mutate: Any, path: str, kind: str) -> None:
    body = _message()
    mutate(body)
    if kind == "callback":
        problems = validate_interaction_callback({"type": 4, "data": body})
        path = f"data.{path}"
    else:
        problems = validate_message_payload(body, kind=kind)
    assert path in _paths(problems), problems


def test_a_new_message_cannot_be_empty() -> None:
    assert _paths(validate_message_payload({"content": ""})) == ["<body>"]
    assert _paths(validate_request("POST", "/channels/1/messages", {"embeds": []})) == ["<body>"]
    assert _paths(validate_interaction_callback({"type": 4, "data": {"content": ""}})) == ["data"]
    assert _paths(validate_request("POST", "/webhooks/1/t", {"content": None})) == ["<body>"]
    # A file alone is a message; an edit may clear the content; a deferral has no data.
    files_only = {"attachments": [{"id": 0, "filename": "a.csv"}]}
    assert validate_request("POST", "/channels/1/messages", files_only) == []
    assert validate_request("PATCH", "/webhooks/1/t/messages/@original", {"content": ""}) == []
    assert validate_interaction_callback({"type": 5}) == []


def test_choice_values_are_at_most_100_characters() -> None:
    result = {"type": 8, "data": {"choices": [{"name": "n", "value": "v" * 101}]}}
    assert _paths(validate_interaction_callback(result)) == ["data.choices[0].value"]
    option = {
        "type": 3,
        "name": "o",
        "description": "d",
        "choices": [{"name": "n", "value": "v" * 101}],
    }
    tree = [{"type": 1, "name": "c", "description": "d", "options": [option]}]
    assert _paths(validate_command_tree(tree)) == ["[0].options[0].choices[0].value"]


def test_over_long_content_is_reported_briefly() -> None:
    [problem] = validate_message_payload({"content": "c" * 5000})
    assert problem.path == "content"
    assert len(problem.message) < 100


# ----------------------------------------------------------------------------- command limits

COMMAND_VIOLATIONS = [
    ("upper case", lambda t: t[0].update(name="Salary"), "[0].name"),
    ("space", lambda t: t[0].update(name="my salary"), "[0].name"),
    ("too long", lambda t: t[0].update(name="s" * 33), "[0].name"),
    ("empty description", lambda t: t[0].update(description=""), "[0].description"),
    ("long description", lambda t: t[0].update(description="d" * 101), "[0].description"),
    ("option name", lambda t: t[0]["options"][0].update(name="Region"), "[0].options[0].name"),
    (
        "option description",
        lambda t: t[0]["options"][0].update(description=""),
        "[0].options[0].description",
    ),
    (
        "26 options",
        lambda t: t[0].update(
            options=[{"type": 3, "name": f"o{i}", "description": "d"} for i in range(26)]
        ),
        "[0].options",
    ),
    (
        "26 choices",
        lambda t: t[0]["options"][1].update(
            choices=[{"name": f"c{i}", "value": f"v{i}"} for i in range(26)]
        ),
        "[0].options[1].choices",
    ),
    (
        "choice name",
        lambda t: t[0]["options"][1]["choices"][0].update(name="n" * 101),
        "[0].options[1].choices[0].name",
    ),
    (
        "subcommand option name",
        lambda t: t[1]["options"][0]["options"][0].update(name="Week"),
        "[1].options[0].options[0].name",
    ),
    ("duplicate command", lambda t: t.append(copy.deepcopy(t[0])), "[2].name"),
    ("option type", lambda t: t[0]["options"][0].update(type=99), "[0].options[0]"),
]


@pytest.mark.parametrize(
    ("mutate", "path"),
    [pytest.param(m, p, id=name) for name, m, p in COMMAND_VIOLATIONS],
)
async def test_each_command_limit_is_caught_with_its_path(mutate: Any, path: str) -> None:
    tree = await _tree_payload()
    assert tree[0]["name"] == "salary"
    mutate(tree)
    assert path in _paths(validate_command_tree(tree)), validate_command_tree(tree)


def test_non_latin_command_names_follow_discords_rule() -> None:
    base = {"type": 1, "description": "d"}
    assert validate_command_tree([{**base, "name": "зарплата"}]) == []
    assert validate_command_tree([{**base, "name": "वेतन"}]) == []
    assert _paths(validate_command_tree([{**base, "name": "Зарплата"}])) == ["[0].name"]
    assert _paths(validate_command_tree([{**base, "name": "a/b"}])) == ["[0].name"]


def test_autocomplete_result_limits() -> None:
    choices = [{"name": f"c{i}", "value": f"v{i}"} for i in range(26)]
    assert "data.choices" in _paths(
        validate_interaction_callback({"type": 8, "data": {"choices": choices}})
    )
    long_name = [{"name": "n" * 101, "value": "v"}]
    assert "data.choices[0].name" in _paths(
        validate_interaction_callback({"type": 8, "data": {"choices": long_name}})
    )


def test_unknown_callback_type_is_rejected() -> None:
    assert validate_interaction_callback({"type": 42}) != []


# ----------------------------------------------------------------------------- routes, errors


@pytest.mark.parametrize(
    ("path", "template"),
    [
        ("/api/v10/users/@me", "/users/@me"),
        ("/api/v10/users/42", "/users/{user_id}"),
        (
            "/api/v10/webhooks/1/tok/messages/@original",
            "/webhooks/{webhook_id}/{webhook_token}/messages/@original",
        ),
        (
            "/api/v10/webhooks/1/tok/messages/5",
            "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
        ),
        (
            "/api/v10/interactions/1/tok/callback?with_response=1",
            "/interactions/{interaction_id}/{interaction_token}/callback",
        ),
        ("/api/v10/nothing/here", None),
    ],
)
def test_routes_match_the_most_specific_template(path: str, template: str | None) -> None:
    assert match_route(path) == template


def test_webhook_edit_and_followup_are_validated() -> None:
    long = {"content": "c" * 2001}
    assert _paths(validate_request("PATCH", "/webhooks/1/t/messages/@original", long)) == [
        "content"
    ]
    assert _paths(validate_request("POST", "/webhooks/1/t", long)) == ["content"]
    assert validate_request("POST", "/webhooks/1/t", _message()) == []


def test_unknown_route_is_a_problem() -> None:
    assert validate_request("POST", "/nope", {}) != []


def test_error_body_is_what_discord_py_understands() -> None:
    body = _message()
    body["embeds"][0]["fields"][0]["value"] = "v" * 1025
    problems = validate_message_payload(body)
    error = discord_error_body(problems)
    assert error["code"] == 50035
    assert error["message"] == "Invalid Form Body"
    leaf = error["errors"]["embeds"]["0"]["fields"]["0"]["value"]["_errors"][0]
    assert set(leaf) == {"code", "message"}

    class _Response:
        status = 400
        reason = "Bad Request"

    exc = discord.HTTPException(_Response(), error)
    assert "embeds.0.fields.0.value" in str(exc)


def test_assert_valid_names_every_bad_path() -> None:
    body = _message(content="c" * 2001)
    body["embeds"][0]["title"] = "t" * 257
    with pytest.raises(AssertionError) as info:
        assert_valid("POST", "/channels/1/messages", body)
    assert "content" in str(info.value)
    assert "embeds[0].title" in str(info.value)
    assert_valid("POST", "/channels/1/messages", _message())
    assert_valid([])


def test_routes_are_matched_as_by_a_scan_of_every_template() -> None:
    def scan(path: str) -> str | None:  # the plain definition: the first template that fits
        for pattern, template in validation._path_templates():
            if pattern.match(path):
                return template
        return None

    for template in validation.load_spec()["paths"]:
        concrete = re.sub(r"\{[^/]+?\}", "123", template)
        assert validation.match_route(concrete) == scan(concrete), concrete
    assert validation.match_route("/nothing/here") is None


def test_a_body_seen_before_gets_the_same_answer() -> None:
    bad = {"type": 4, "data": {"content": "x" * 2001}}
    first = validation.validate_request("POST", "/interactions/1/tok/callback", bad)
    again = validation.validate_request("POST", "/interactions/2/other/callback", bad)
    assert first
    assert again == first
    again.clear()  # a caller's list is its own
    assert validation.validate_request("POST", "/interactions/3/t/callback", bad) == first
    good = {"type": 4, "data": {"content": "fine"}}
    assert validation.validate_request("POST", "/interactions/1/tok/callback", good) == []
