"""Milestone roles (issue 16), against the real bot and the fake Discord.

The weekly post goes out at once (``tests/ops/botproc.schedule_due_now``, under the pinned
``BOT_CLOCK`` so it is the same on every day), a moderator adds a ``streak:1`` reward, and a
member presses Mark done.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from tests.fakediscord.harness import GuildHandle
from tests.fakediscord.server import MANAGE_ROLES, FakeDiscord
from tests.fakediscord.state import FakeRole
from tests.ops.botproc import (
    BOT_CLOCK,
    POST_WITHIN,
    moderator_notices,
    query,
    running_bot,
    schedule_due_now,
    weekly_posts,
)

Json = dict[str, Any]

pytestmark = pytest.mark.bot_clock(BOT_CLOCK)  # schedule_due_now: the same on every day


def bot_with_role(fake: FakeDiscord, guild: GuildHandle, *, permissions: int) -> FakeRole:
    """The reward role "Consistent", below a role of the bot's (before the bot connects)."""
    reward = guild.add_role("Consistent")
    mine = guild.add_role("mle-roadmap-bot", permissions=permissions)  # higher position
    guild.guild.member(fake.bot.id).roles.append(mine)
    return reward


def role_requests(fake: FakeDiscord, role: FakeRole) -> list[str]:
    return [m for m, path in fake.requests if path.endswith(f"/roles/{role.id}")]


async def the_post(fake: FakeDiscord, guild: GuildHandle) -> Json:
    await fake.wait_until(lambda: bool(weekly_posts(guild)), within=POST_WITHIN, what="the post")
    [post] = weekly_posts(guild)
    return post


async def test_a_milestone_role_is_given_once_also_after_a_restart(
    fake_discord: FakeDiscord, fake_guild: GuildHandle, tmp_path: Path
) -> None:
    guild = fake_guild
    reward = bot_with_role(fake_discord, guild, permissions=MANAGE_ROLES)
    moderator = guild.add_member("mod", admin=True)
    learner = guild.default_user
    async with running_bot(fake_discord, guild, tmp_path) as bot:
        await bot.wait_for_log("ready as")
        await schedule_due_now(bot, guild, moderator)
        post = await the_post(fake_discord, guild)
        added = await guild.invoke("/admin rewards add", as_user=moderator, role=reward, streak=1)
        assert added.ephemeral
        assert added.content.startswith("Saved"), added.content
        assert f"<@&{reward.id}>" in added.content

        done = await guild.click(post, "Mark done", as_user=learner)
        assert "Recorded" in done.content, done.content
        assert "Milestone reached" in done.content, done.content
        assert reward in learner.roles
        again = await guild.invoke("/challenge done", as_user=learner)
        assert "already marked" in again.content, again.content
        listed = await guild.invoke("/admin rewards list", as_user=moderator)
        assert "1 member has it" in listed.content, listed.content
        assert await bot.stop() == 0

    async with running_bot(fake_discord, guild, tmp_path) as bot:
        await bot.wait_for_log("already_sent", within=POST_WITHIN)  # the catch-up ran
        await guild.click(post, "Mark done", as_user=learner)
        await asyncio.sleep(0.5)
        assert await bot.stop() == 0
    assert role_requests(fake_discord, reward) == ["PUT"]
    assert moderator_notices(fake_discord) == []
    rows = query(bot.database, "SELECT role_id, user_id, state FROM reward_grants")
    assert rows == [(reward.id, learner.id, "granted")]


async def test_a_missing_permission_reaches_the_moderators_and_the_member_is_recorded(
    fake_discord: FakeDiscord, fake_guild: GuildHandle, tmp_path: Path
) -> None:
    guild = fake_guild
    reward = bot_with_role(fake_discord, guild, permissions=MANAGE_ROLES)
    above = guild.add_role("Above the bot")
    moderator = guild.add_member("mod", admin=True)
    learner = guild.default_user
    async with running_bot(fake_discord, guild, tmp_path) as bot:
        await bot.wait_for_log("ready as")
        await schedule_due_now(bot, guild, moderator)
        post = await the_post(fake_discord, guild)
        refused = await guild.invoke("/admin rewards add", as_user=moderator, role=above, streak=2)
        assert refused.ephemeral
        assert "highest role" in refused.content, refused.content
        both = await guild.invoke(
            "/admin rewards add", as_user=moderator, role=reward, streak=1, points=10
        )
        assert "exactly one" in both.content, both.content
        added = await guild.invoke("/admin rewards add", as_user=moderator, role=reward, streak=1)
        assert added.content.startswith("Saved"), added.content

        # Someone takes Manage Roles away (Discord refuses with 50013 from now on).
        guild.guild.member(fake_discord.bot.id).roles[0].permissions = 0
        done = await guild.click(post, "Mark done", as_user=learner)
        assert done.content.startswith("✅ Recorded"), done.content
        assert "Milestone" not in done.content
        await fake_discord.wait_until(
            lambda: bool(moderator_notices(fake_discord)), within=POST_WITHIN, what="a notice"
        )
        [notice] = moderator_notices(fake_discord)
        assert "Manage Roles" in notice, notice
        assert f"<@&{reward.id}>" in notice, notice
        listed = await guild.invoke("/admin rewards list", as_user=moderator)
        assert "Last problem" in listed.content, listed.content
        assert await bot.stop() == 0
    assert reward not in learner.roles
    assert query(bot.database, "SELECT count(*) FROM completions") == [(1,)]
    assert query(bot.database, "SELECT count(*) FROM reward_grants") == [(0,)]
