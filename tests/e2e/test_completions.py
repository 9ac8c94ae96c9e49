"""Mark done on the weekly post under faults: no completion is lost, none is counted twice."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import BotProcess
from tests.fakediscord.harness import GuildHandle
from tests.fakediscord.server import FakeDiscord

CALLBACK = "POST /interactions/{interaction_id}/{interaction_token}/callback"
NOT_DONE = "Not done yet"


async def post_weekly_challenge(mlebot: BotProcess, guild: GuildHandle) -> dict[str, Any]:
    """Schedule the weekly post in #challenges and post it now, as a moderator."""
    await mlebot.wait_for_log("ready as")  # the scheduler starts with the bot
    moderator = guild.add_member("moderator", admin=True)
    await guild.invoke(
        "/admin schedule",
        as_user=moderator,
        channel="challenges",
        weekday="Monday",
        time="09:00",
        timezone="Europe/Berlin",
    )
    posted = await guild.invoke("/admin post-now", as_user=moderator)
    posts = [m for m in guild.messages("challenges") if m["components"]]
    assert posts, f"/admin post-now posted nothing with a button: {posted.text!r}"
    return posts[-1]


async def test_no_completion_is_lost_under_faults(
    mlebot: BotProcess, fake_discord: FakeDiscord, fake_guild: GuildHandle
) -> None:
    post = await post_weekly_challenge(mlebot, fake_guild)
    members = [fake_guild.add_member(f"learner{i}") for i in range(4)]
    idle = fake_guild.add_member("idle")  # never clicks: the check below can fail

    fake_discord.faults.rate_limit(CALLBACK, times=3, retry_after=0.2)
    await fake_guild.click(post, "Mark done", as_user=members[0])
    fake_discord.faults.server_error(CALLBACK, status=502)
    await fake_guild.click(post, "Mark done", as_user=members[1])
    await fake_discord.drop_gateway()
    await fake_guild.click(post, "Mark done", as_user=members[2])  # replayed after RESUME
    fake_discord.faults.slow(CALLBACK, 1.0)
    await fake_guild.click(post, "Mark done", as_user=members[3])
    again = await fake_guild.click(post, "Mark done", as_user=members[3])  # a double click
    assert again.type in {4, 5, 6, 7}

    for member in members:
        status = await fake_guild.invoke("/challenge current", as_user=member)
        assert NOT_DONE not in status.text, f"{member.user.username}'s completion was lost"
    control = await fake_guild.invoke("/challenge current", as_user=idle)
    assert NOT_DONE in control.text
    assert sum(fake_discord.faults.hits.values()) == 5
