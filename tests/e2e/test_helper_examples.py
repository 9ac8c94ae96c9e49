"""Worked examples of the e2e helper API against the real bot (copy these for new commands).

``fake_guild.invoke("/name sub", option=value, as_user=member)`` returns a ``Reply`` (the
response message, its follow-ups, ``.text``, ``.embeds``, ``.buttons``, ``.ephemeral``);
``fake_guild.autocomplete(...)`` returns the offered choices; ``reply.click(label, as_user=...)``
presses a button and returns the bot's answer to that click. Every payload on the way is checked
against Discord's rules by the fake, and the ``mlebot`` fixture fails on a bot traceback.
"""

from __future__ import annotations

import pytest

from tests.e2e.test_faults import first_reply_with_a_button
from tests.fakediscord.harness import GuildHandle

# One bot for the module (see ``shared_world``): these tests only read.
pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_salary_for_a_region_picked_from_autocomplete(
    shared_guild: GuildHandle,
) -> None:
    fake_guild = shared_guild
    offered = await fake_guild.autocomplete("/salary", option="region", value="ind")
    assert "India" in [choice["value"] for choice in offered]
    reply = await fake_guild.invoke("/salary", region="India")
    assert reply.type == 4
    assert not reply.ephemeral
    assert "India" in reply.text


async def test_an_unknown_value_gets_a_private_answer_that_names_it(
    shared_guild: GuildHandle,
) -> None:
    fake_guild = shared_guild
    reply = await fake_guild.invoke("/salary", region="Atlantis")
    assert reply.ephemeral
    assert "Atlantis" in reply.text


async def test_pages_turn_for_their_owner_only(shared_guild: GuildHandle) -> None:
    fake_guild = shared_guild
    reply = await first_reply_with_a_button(fake_guild)
    owner = reply.record.user
    first_page = reply.embeds
    stranger = fake_guild.add_member("stranger")
    refused = await reply.click("Next", as_user=stranger)
    assert refused.ephemeral
    assert reply.embeds == first_page  # the stranger's click changed nothing
    turned = await reply.click("Next", as_user=owner)
    assert turned.type == 7
    assert turned.embeds != first_page
