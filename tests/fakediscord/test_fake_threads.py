"""The fake's thread route answers as Discord does: 201, 160004 on a second thread, 403
without Create Public Threads, 400 (a recorded failure) for a name over 100 characters."""

from __future__ import annotations

import aiohttp

from tests.fakediscord.harness import GuildHandle
from tests.fakediscord.server import CREATE_PUBLIC_THREADS, FakeDiscord


async def test_thread_on_a_message(fake_discord: FakeDiscord, fake_guild: GuildHandle) -> None:
    channel = fake_guild.channel("challenges")
    base = fake_discord.api_base
    auth = {"Authorization": f"Bot {fake_discord.token}"}
    async with aiohttp.ClientSession(headers=auth) as http:
        async with http.post(
            f"{base}/channels/{channel.id}/messages", json={"content": "week 1"}
        ) as response:
            message = await response.json()
        url = f"{base}/channels/{channel.id}/messages/{message['id']}/threads"
        async with http.post(url, json={"name": "Week 1: Python"}) as response:
            assert response.status == 201
            thread = await response.json()
        assert thread["id"] == message["id"]
        assert (thread["type"], thread["parent_id"]) == (11, str(channel.id))
        async with http.get(f"{base}/channels/{thread['id']}") as response:
            assert (await response.json())["name"] == "Week 1: Python"
        async with http.post(url, json={"name": "again"}) as response:
            assert response.status == 400
            assert (await response.json())["code"] == 160004
        assert len(fake_discord.threads_in(channel.id)) == 1
        assert fake_discord.messages[int(message["id"])]["thread"]["id"] == message["id"]

        async with http.post(
            f"{base}/channels/{channel.id}/messages", json={"content": "week 2"}
        ) as response:
            other = await response.json()
        url = f"{base}/channels/{channel.id}/messages/{other['id']}/threads"
        async with http.post(url, json={"name": "x" * 101}) as response:
            assert response.status == 400
        fake_guild.guild.everyone.permissions &= ~CREATE_PUBLIC_THREADS
        async with http.post(url, json={"name": "Week 2"}) as response:
            assert response.status == 403
            assert (await response.json())["code"] == 50013
    assert len(fake_discord.threads_in(channel.id)) == 1
    [failure] = fake_discord.take_failures()
    assert "name" in failure, failure
