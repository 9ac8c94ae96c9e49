"""Issue 12's small things a new group hits, against the real bot process and the fake Discord:
help built from the registered tree, /privacy hide-me, moderator-facing "not found", "server
only" in a DM, and a health verdict that follows the bot at once."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.cogs.privacy import HIDDEN
from bot.errors import SERVER_ONLY
from bot.health import check_health, heartbeat_path
from tests.e2e.conftest import BotProcess
from tests.fakediscord.harness import GuildHandle
from tests.fakediscord.state import FakeChannel, snowflake


def health(bot: BotProcess) -> str:
    return check_health(heartbeat_path(bot.database), now=datetime.now(UTC)).reason


async def test_help_privacy_dm_and_health(mlebot: BotProcess, fake_guild: GuildHandle) -> None:
    guild = fake_guild
    await mlebot.wait_for_log("ready as")
    assert health(mlebot).startswith("connected"), "the beat is written on ready, not 30 s later"

    alice = guild.add_member("alice")
    mod = guild.add_member("mod", admin=True)

    # ---- help from the registered tree: /admin for Manage Server only
    member_help = await guild.invoke("/mlebot-help", as_user=alice)
    assert member_help.ephemeral
    for usage in ("/challenge current", "/progress [member]", "/privacy [leaderboard]"):
        assert usage in member_help.text
    assert "/admin schedule" not in member_help.text
    assert "also see the `/admin` commands" in member_help.text
    mod_help = await guild.invoke("/mlebot-help", as_user=mod)
    assert "/admin schedule channel weekday time timezone [season_start]" in mod_help.text

    # ---- a moderator's typo gets "not found, did you mean", never "ask a moderator"
    typo = await guild.invoke("/admin mark", as_user=mod, member=alice, challenge="mathh")
    assert typo.ephemeral
    assert "No challenge matches “mathh”. Did you mean: **3. Math for machine learning**" in (
        typo.content
    )
    assert "moderator" not in typo.content.lower()

    # ---- hide-me: off the leaderboard, progress kept
    marked = await guild.invoke("/admin mark", as_user=mod, member=alice, challenge="3")
    assert "Recorded in the audit log" in marked.content
    board = await guild.invoke("/leaderboard", as_user=mod)
    assert "Alice" in board.text
    hidden = await guild.invoke("/privacy", as_user=alice, leaderboard="hide-me")
    assert hidden.ephemeral
    assert hidden.content == HIDDEN
    board = await guild.invoke("/leaderboard", as_user=mod)
    assert "Alice" not in board.text
    mine = await guild.invoke("/progress", as_user=alice)
    assert "Not ranked (opted out)" in mine.text
    privacy = await guild.invoke("/privacy", as_user=alice)
    assert "/privacy leaderboard:hide-me" in privacy.text

    # ---- /admin in a DM: "server only", not "you do not have the permission"
    dm = FakeChannel(snowflake(), "dm", type=1, recipients=[mod.user])
    in_dm = await guild.invoke("/admin show", as_user=mod, in_channel=dm)
    assert in_dm.ephemeral
    assert in_dm.content == SERVER_ONLY

    # ---- stopped: "not running" at once, not "running but not connected" for 2 minutes
    assert await mlebot.stop() == 0
    assert health(mlebot).startswith("not running: the bot stopped")
