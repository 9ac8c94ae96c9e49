"""Start-up of the real bot against the fake: login, command sync, gateway, shutdown."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import BotProcess, start_bot
from tests.fakediscord.harness import GuildHandle
from tests.fakediscord.server import FakeDiscord
from tests.fakediscord.validation import validate_command_tree


async def test_bot_logs_in_syncs_a_valid_tree_and_stays_connected(
    mlebot: BotProcess, fake_discord: FakeDiscord, fake_guild: GuildHandle
) -> None:
    assert ("GET", "/users/@me") in fake_discord.requests
    assert ("GET", "/oauth2/applications/@me") in fake_discord.requests
    # The fake already answered 400 to an invalid tree; check again to say so in this test.
    assert validate_command_tree(mlebot.synced) == []
    # Synced to the dev guild only, never globally.
    assert all(guild_id == fake_guild.id for guild_id, _ in fake_discord.command_syncs)
    assert fake_discord.connected
    assert fake_discord.identifies == 1
    assert mlebot.process.returncode is None


async def test_sigterm_stops_the_bot_cleanly(mlebot: BotProcess, fake_discord: FakeDiscord) -> None:
    assert await mlebot.stop() == 0
    await fake_discord.wait_until(
        lambda: not fake_discord.connected, within=5, what="the bot to close its gateway socket"
    )


async def test_start_up_survives_rate_limits_and_server_errors(
    fake_discord: FakeDiscord, fake_guild: GuildHandle, tmp_path: Path
) -> None:
    fake_discord.faults.server_error("GET /users/@me", status=502)
    sync_route = "PUT /applications/{application_id}/guilds/{guild_id}/commands"
    fake_discord.faults.rate_limit(sync_route, times=3, retry_after=0.2)
    bot = await start_bot(fake_discord, fake_guild, tmp_path)
    try:
        assert fake_discord.faults.hits["server_error GET /users/@me"] == 1
        assert fake_discord.faults.hits[f"rate_limit {sync_route}"] == 3
        assert validate_command_tree(bot.synced) == []
    finally:
        await bot.stop()
    assert "Traceback" not in bot.output()


async def test_dropped_gateway_is_resumed(mlebot: BotProcess, fake_discord: FakeDiscord) -> None:
    await fake_discord.wait_until(
        lambda: fake_discord.session is not None and fake_discord.session.seq >= 2,
        within=5,
        what="READY and GUILD_CREATE",
    )
    for attempt, abrupt in enumerate((False, True), start=1):  # a close frame, then a cut
        await fake_discord.drop_gateway(abrupt=abrupt)
        await fake_discord.wait_for_resume(attempt, within=10)
    assert fake_discord.identifies == 1  # resumed twice, never re-identified
