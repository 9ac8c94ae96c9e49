"""The fake's member-role routes answer as Discord does: 204, 403 (50013) without Manage Roles
or for a role not below the bot's highest role, 404 for an unknown member or role."""

from __future__ import annotations

import aiohttp

from tests.fakediscord.harness import GuildHandle
from tests.fakediscord.server import MANAGE_ROLES, FakeDiscord


async def test_give_and_take_a_role(fake_discord: FakeDiscord, fake_guild: GuildHandle) -> None:
    guild = fake_guild.guild
    bot_role = fake_guild.add_role("mle-bot", permissions=MANAGE_ROLES)
    guild.member(fake_discord.bot.id).roles.append(bot_role)
    reward = fake_guild.add_role("Consistent")
    bot_role.position, reward.position = reward.position, bot_role.position  # reward below
    ada = fake_guild.add_member("ada")
    base = fake_discord.api_base
    url = f"{base}/guilds/{guild.id}/members/{ada.id}/roles/{reward.id}"
    auth = {"Authorization": f"Bot {fake_discord.token}"}
    async with aiohttp.ClientSession(headers=auth) as http:
        for _ in range(2):  # twice: still one role
            async with http.put(url) as response:
                assert response.status == 204
        assert ada.roles == [reward]
        async with http.delete(url) as response:
            assert response.status == 204
        assert ada.roles == []

        reward.position = bot_role.position + 1  # above the bot's highest role
        async with http.put(url) as response:
            assert response.status == 403
            assert (await response.json())["code"] == 50013
        reward.position = 0
        bot_role.permissions = 0  # no Manage Roles
        async with http.put(url) as response:
            assert response.status == 403
            assert (await response.json())["code"] == 50013
        assert ada.roles == []

        gone = f"{base}/guilds/{guild.id}/members/1/roles/{reward.id}"
        async with http.put(gone) as response:
            assert (response.status, (await response.json())["code"]) == (404, 10007)
        unknown = f"{base}/guilds/{guild.id}/members/{ada.id}/roles/1"
        async with http.put(unknown) as response:
            assert (response.status, (await response.json())["code"]) == (404, 10011)
