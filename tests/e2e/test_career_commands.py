"""The career commands through the real bot and the fake Discord: what members see.

The fake validates every payload (spec + limits) and fails the test on anything Discord would
reject, late answers included; these tests check what the answers say.
"""

from __future__ import annotations

import re

from tests.e2e.conftest import BotProcess
from tests.fakediscord.harness import GuildHandle


async def test_salary_reply_shows_the_articles_figures(
    mlebot: BotProcess, fake_guild: GuildHandle
) -> None:
    reply = await fake_guild.invoke("/salary", region="India", level="entry")
    assert reply.type == 4
    assert not reply.ephemeral
    assert "₹7 LPA – ₹12 LPA" in reply.text
    assert "per year" in reply.text
    assert "Career Path to Becoming a Machine Learning Engineer" in reply.text
    assert reply.record.callbacks[0]["data"]["allowed_mentions"] == {"parse": []}

    overview = await fake_guild.invoke("/salary")
    for figure in ("$110K–170K/yr", "£50K–95K/yr", "₹10–35 LPA", "€55K–100K/yr", "$40–120/h"):
        assert figure in overview.text


async def test_autocomplete_forgives_typos_and_aliases(
    mlebot: BotProcess, fake_guild: GuildHandle
) -> None:
    for typed, expected in [
        ("k8s", "kubernetes"),
        ("pytorh", "pytorch"),
        ("sklearn", "scikit-learn"),
    ]:
        choices = await fake_guild.autocomplete("/tools", option="name", value=typed)
        assert choices[0]["value"] == expected, typed
    everything = await fake_guild.autocomplete("/tools", option="name", value="")
    assert len(everything) == 25
    in_mlops = await fake_guild.autocomplete("/tools", option="name", value="", category="mlops")
    assert {c["value"] for c in in_mlops} == {
        "mlflow",
        "dvc",
        "kubeflow",
        "weights-and-biases",
        "tfx",
    }
    regions = await fake_guild.autocomplete("/salary", option="region", value="")
    assert "Remote/Freelance" in [c["name"] for c in regions]
    roles = await fake_guild.autocomplete("/role", option="name", value="data scienist")
    assert roles[0]["value"] == "data-scientist"

    picked = await fake_guild.invoke("/tools", name=choices[0]["value"])
    assert picked.embeds[0]["title"] == "Scikit-learn"
    typed_only = await fake_guild.invoke("/cert", name="gcp")
    assert typed_only.embeds[0]["title"] == "Google Professional Machine Learning Engineer"


async def test_unknown_value_gets_an_ephemeral_not_found(
    mlebot: BotProcess, fake_guild: GuildHandle
) -> None:
    reply = await fake_guild.invoke("/cert", name="azure fundamentals")
    assert reply.ephemeral
    assert "No certification matches" in reply.content
    assert "Did you mean" in reply.content
    long_input = await fake_guild.invoke("/role", name="🤖 " * 40)
    assert long_input.ephemeral


async def test_paginator_only_answers_the_member_who_asked(
    mlebot: BotProcess, fake_guild: GuildHandle
) -> None:
    reply = await fake_guild.invoke("/role", name="machine learning engineer")
    assert reply.buttons[0]["label"] == "Previous"
    total = int(reply.buttons[1]["label"].split("/")[1])
    assert total > 1
    first_title = reply.embeds[0]["title"]

    stranger = fake_guild.add_member("stranger")
    refused = await reply.click("Next", as_user=stranger)
    assert refused.ephemeral
    assert "Only the member who ran this command" in refused.content
    assert reply.embeds[0]["title"] == first_title

    turned = await reply.click("Next")
    assert turned.type == 7
    assert reply.buttons[1]["label"] == f"2/{total}"
    assert reply.embeds[0]["title"] == f"{first_title} (cont.)"
    assert re.match(rf"Page 2/{total}", reply.embeds[0]["footer"]["text"])


async def test_cooldown_says_when_to_try_again(mlebot: BotProcess, fake_guild: GuildHandle) -> None:
    member = fake_guild.add_member("eager")
    for _ in range(5):
        ok = await fake_guild.invoke("/about-sources", as_user=member)
        assert not ok.ephemeral
    limited = await fake_guild.invoke("/about-sources", as_user=member)
    assert limited.ephemeral
    assert re.search(r"try again in \d+ s", limited.content)
    other = await fake_guild.invoke("/about-sources")
    assert not other.ephemeral  # per member, not global


async def test_every_command_is_registered_with_its_options(
    mlebot: BotProcess, fake_guild: GuildHandle
) -> None:
    registered = {c["name"]: c for c in fake_guild.registered_commands()}
    for name in ("role", "tools", "salary", "cert", "roadmap", "mlebot-help", "about-sources"):
        assert name in registered
    level = next(o for o in registered["salary"]["options"] if o["name"] == "level")
    assert [c["value"] for c in level["choices"]] == ["entry", "mid", "senior"]
    help_reply = await fake_guild.invoke("/mlebot-help")
    assert help_reply.ephemeral
    assert "/salary region:India level:entry" in help_reply.text
