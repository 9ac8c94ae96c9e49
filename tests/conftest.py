"""Shared fixtures: a fake Discord server on 127.0.0.1 (see tests/fakediscord)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fakediscord.harness import GuildHandle
from tests.fakediscord.server import FakeDiscord


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    """A running fake Discord with one guild; the test fails if it saw anything Discord rejects."""
    fake = FakeDiscord()
    fake.add_guild("ML Study Group", channels=("general", "challenges"))
    await fake.start()
    try:
        yield fake
    finally:
        await fake.close()
    fake.assert_no_failures()


@pytest.fixture
def fake_guild(fake_discord: FakeDiscord) -> GuildHandle:
    """The fake's guild, with a default member ``learner`` to act as."""
    return GuildHandle(fake_discord, next(iter(fake_discord.guilds.values())))
