"""The real bot under faults: rate limits, server errors, slow answers, dropped gateways.

Every case must still deliver the reply within Discord's 3 s, exactly once.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.commands import leaf_commands, sample_options
from tests.e2e.conftest import SharedWorld
from tests.fakediscord.harness import GuildHandle, Reply
from tests.fakediscord.server import FakeDiscord

CALLBACK = "POST /interactions/{interaction_id}/{interaction_token}/callback"

# One bot for the module (see ``shared_world``); each test arms its own faults.
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture
def fake_discord(shared_world: SharedWorld, shared_guild: GuildHandle) -> FakeDiscord:
    """The module's fake (``shared_guild`` checks it after each test)."""
    return shared_world.fake


@pytest.fixture
def fake_guild(shared_guild: GuildHandle) -> GuildHandle:
    return shared_guild


@pytest.fixture
def simple_command(fake_guild: GuildHandle) -> str:
    """A registered top-level command with no required option (e.g. a help command)."""
    for command in fake_guild.registered_commands():
        options: list[dict[str, Any]] = command.get("options") or []
        needs_permissions = command.get("default_member_permissions") is not None
        if not needs_permissions and not any(
            o.get("required") or o["type"] in {1, 2} for o in options
        ):
            return f"/{command['name']}"
    raise AssertionError("the bot registered no command without required options")


def assert_one_reply(fake: FakeDiscord, reply_text: str) -> None:
    assert reply_text, "the reply is empty"
    answered = [r for r in fake.interactions.values() if r.callbacks]
    assert all(len(r.callbacks) == 1 for r in answered), "an interaction was answered twice"


async def test_rate_limit_storm_on_replies_is_waited_out(
    simple_command: str, fake_discord: FakeDiscord, fake_guild: GuildHandle
) -> None:
    fake_discord.faults.rate_limit(CALLBACK, times=3, retry_after=0.2)
    fake_discord.faults.rate_limit(CALLBACK, times=1, retry_after=0.3, is_global=True)
    reply = await fake_guild.invoke(simple_command)
    assert fake_discord.faults.hits[f"rate_limit {CALLBACK}"] == 4
    assert_one_reply(fake_discord, reply.text)


@pytest.mark.parametrize("status", [500, 502])
async def test_server_error_on_a_reply_is_retried(
    simple_command: str, fake_discord: FakeDiscord, fake_guild: GuildHandle, status: int
) -> None:
    fake_discord.faults.server_error(CALLBACK, status=status)
    reply = await fake_guild.invoke(simple_command)
    assert fake_discord.faults.hits[f"server_error {CALLBACK}"] == 1
    assert_one_reply(fake_discord, reply.text)


async def test_slow_api_still_answers_in_time(
    simple_command: str, fake_discord: FakeDiscord, fake_guild: GuildHandle
) -> None:
    fake_discord.faults.slow(CALLBACK, 1.0)
    reply = await fake_guild.invoke(simple_command)
    assert_one_reply(fake_discord, reply.text)


async def test_interactions_sent_while_the_gateway_is_down_are_answered_after_resume(
    simple_command: str, fake_discord: FakeDiscord, fake_guild: GuildHandle
) -> None:
    assert fake_discord.session is not None
    resumed_before, identified_before = fake_discord.session.resumes, fake_discord.identifies
    for attempt in range(1, 3):
        await fake_discord.drop_gateway()
        reply = await fake_guild.invoke(simple_command)  # buffered, replayed on RESUME
        await fake_discord.wait_for_resume(resumed_before + attempt)
        assert_one_reply(fake_discord, reply.text)
    assert fake_discord.identifies == identified_before


async def test_button_clicks_survive_rate_limits(
    fake_discord: FakeDiscord, fake_guild: GuildHandle
) -> None:
    reply = await first_reply_with_a_button(fake_guild)
    enabled = [b for b in reply.buttons if "custom_id" in b and not b.get("disabled")]
    before = reply.embeds
    fake_discord.faults.rate_limit(CALLBACK, times=2, retry_after=0.2)
    clicked = await reply.click(enabled[0]["custom_id"])
    assert clicked.type in {4, 5, 6, 7}
    assert fake_discord.faults.hits[f"rate_limit {CALLBACK}"] == 2
    if clicked.type == 7:
        assert clicked.embeds != before, "the click changed nothing"


async def first_reply_with_a_button(guild: GuildHandle) -> Reply:
    """Invoke registered commands (all options sampled) until a reply has a clickable button."""
    for command in guild.registered_commands():
        admin = command.get("default_member_permissions") is not None
        for path, options in leaf_commands(command):
            values = await sample_options(guild, path, options, only_required=False)
            clicker = guild.add_member("clicker", admin=admin)
            reply = await guild.invoke(path, as_user=clicker, **values)
            if any("custom_id" in b and not b.get("disabled") for b in reply.buttons):
                return reply
    raise AssertionError("no registered command answered with a clickable button")
