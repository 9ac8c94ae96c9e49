"""The fake Discord itself, driven by a real in-process ``discord.Client`` and a tiny tree.

The tree here exists only for these tests; the real bot is exercised in ``tests/e2e``.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import discord
import pytest
import yarl
from discord import app_commands

from tests.fakediscord.harness import (
    GuildHandle,
    InvalidOptionError,
    NotPermittedError,
    NotRegisteredError,
)
from tests.fakediscord.server import FakeDiscord, GatewaySession
from tests.fakediscord.state import InteractionRecord, new_token, snowflake

CALLBACK = "POST /interactions/{interaction_id}/{interaction_token}/callback"
FOLLOWUP = "POST /webhooks/{webhook_id}/{webhook_token}"
EDIT_ORIGINAL = "PATCH /webhooks/{webhook_id}/{webhook_token}/messages/@original"
CREATE_MESSAGE = "POST /channels/{channel_id}/messages"
FRUITS = ["apple", "apricot", "banana", "cherry"]
SHORT_DEADLINE = 0.5  # the late-answer test shortens Discord's 3 s to keep the suite quick
LATE_BY = SHORT_DEADLINE + 0.3


class Pager(discord.ui.View):
    """Two pages and Previous/Next buttons that edit the message in place (type 7)."""

    def __init__(self) -> None:
        super().__init__(timeout=30)
        self.page = 0

    def embed(self) -> discord.Embed:
        return discord.Embed(
            title=f"Page {self.page + 1}", description=f"Items of page {self.page + 1}"
        )

    @discord.ui.button(label="Previous", custom_id="pager:prev")
    async def previous(
        self, interaction: discord.Interaction, button: discord.ui.Button[Pager]
    ) -> None:
        self.page = max(0, self.page - 1)
        await interaction.response.edit_message(embed=self.embed(), view=self)

    @discord.ui.button(label="Refresh", custom_id="pager:refresh")
    async def refresh(
        self, interaction: discord.Interaction, button: discord.ui.Button[Pager]
    ) -> None:
        await interaction.response.defer()  # type 6: deferred update, then edit the message
        embed = self.embed()
        embed.title = f"{embed.title} (refreshed)"
        await interaction.edit_original_response(embed=embed, view=self)

    @discord.ui.button(label="Next", custom_id="pager:next")
    async def next(
        self, interaction: discord.Interaction, button: discord.ui.Button[Pager]
    ) -> None:
        self.page = min(1, self.page + 1)
        await interaction.response.edit_message(embed=self.embed(), view=self)


class FlavourPicker(discord.ui.View):
    """A string select that updates the message with the choice."""

    @discord.ui.select(
        custom_id="flavour",
        options=[discord.SelectOption(label=f, value=f) for f in ("vanilla", "mint")],
    )
    async def pick(self, interaction: discord.Interaction, select: discord.ui.Select[Any]) -> None:
        await interaction.response.edit_message(content=f"Picked {select.values[0]}", view=None)


class TinyBot(discord.Client):
    """A client with a few commands covering every response kind the fake supports."""

    def __init__(self, guild_id: int) -> None:
        intents = discord.Intents.default()
        intents.members = True  # exercises member chunking (op 8 -> GUILD_MEMBERS_CHUNK)
        super().__init__(intents=intents, guild_ready_timeout=0.1)
        self.guild_object = discord.Object(guild_id)
        self.tree = app_commands.CommandTree(self)
        self.errors: list[BaseException] = []
        self._add_commands()

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """No 5 s pause before a re-IDENTIFY (discord.py's default): the fake has no limit."""

    async def setup_hook(self) -> None:
        self.tree.copy_global_to(guild=self.guild_object)
        await self.tree.sync(guild=self.guild_object)

    def _add_commands(self) -> None:
        tree = self.tree

        @tree.command(name="echo", description="Say it back")
        async def echo(interaction: discord.Interaction, text: str, times: int = 1) -> None:
            await interaction.response.send_message(" ".join([text] * times))

        @tree.command(name="pages", description="A paged list")
        async def pages(interaction: discord.Interaction) -> None:
            view = Pager()
            await interaction.response.send_message(embed=view.embed(), view=view)

        @tree.command(name="slow", description="Defers, then answers")
        async def slow(interaction: discord.Interaction) -> None:
            await interaction.response.defer(thinking=True)
            await asyncio.sleep(0.2)
            await interaction.followup.send("done thinking")
            await interaction.followup.send("and one more")

        @tree.command(name="pick", description="Pick a fruit")
        async def pick(interaction: discord.Interaction, fruit: str) -> None:
            await interaction.response.send_message(f"You picked {fruit}", ephemeral=True)

        @pick.autocomplete("fruit")
        async def fruit_autocomplete(
            interaction: discord.Interaction, current: str
        ) -> list[app_commands.Choice[str]]:
            return [app_commands.Choice(name=f, value=f) for f in FRUITS if f.startswith(current)]

        @tree.command(name="late", description="Answers after the deadline")
        async def late(interaction: discord.Interaction) -> None:
            await asyncio.sleep(LATE_BY)
            try:
                await interaction.response.send_message("too late")
            except discord.NotFound as exc:
                self.errors.append(exc)

        @tree.command(name="huge", description="Sends an embed Discord would reject")
        async def huge(interaction: discord.Interaction) -> None:
            embed = discord.Embed(title="t" * 300)
            try:
                await interaction.response.send_message(embed=embed)
            except discord.HTTPException as exc:
                self.errors.append(exc)

        @tree.command(name="post", description="Posts a file to a channel")
        async def post(interaction: discord.Interaction, channel: discord.TextChannel) -> None:
            await interaction.response.defer(ephemeral=True)
            data = io.BytesIO(b"week,task\n1,linear regression\n")
            await channel.send("Roadmap attached", file=discord.File(data, "roadmap.csv"))
            await interaction.edit_original_response(content=f"Posted in {channel.mention}")

        @tree.command(name="export", description="Replies with a file")
        async def export(interaction: discord.Interaction) -> None:
            data = io.BytesIO(b"week,done\n1,yes\n")
            await interaction.response.send_message(
                "Your progress", file=discord.File(data, "progress.csv"), ephemeral=True
            )

        @tree.command(name="purge", description="Moderators only")
        @app_commands.default_permissions(manage_guild=True)
        async def purge(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("purged", ephemeral=True)

        @tree.command(name="flavour", description="Pick with a select menu")
        async def flavour(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("Pick one", view=FlavourPicker())

        @tree.command(name="dm", description="Sends you a DM")
        async def dm(interaction: discord.Interaction) -> None:
            await interaction.user.send("Hello in private")
            await interaction.response.send_message("Check your DMs", ephemeral=True)

        group = app_commands.Group(name="challenge", description="Weekly challenges")

        @group.command(name="done", description="Mark a week done")
        @app_commands.choices(
            level=[
                app_commands.Choice(name="Easy", value=1),
                app_commands.Choice(name="Hard", value=2),
            ]
        )
        async def done(
            interaction: discord.Interaction, week: app_commands.Range[int, 1, 52], level: int = 1
        ) -> None:
            await interaction.response.send_message(f"Week {week} done at level {level}")

        tree.add_command(group)


@contextlib.asynccontextmanager
async def running(bot: TinyBot, fake: FakeDiscord, guild_id: int) -> AsyncIterator[TinyBot]:
    """Start ``bot`` against ``fake``; yield once its commands are synced and it is ready."""
    task = asyncio.create_task(bot.start(fake.token))
    try:
        synced = asyncio.create_task(fake.wait_for_sync(guild_id, within=10))
        await asyncio.wait([synced, task], return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            synced.cancel()
            task.result()  # raises the client's start-up error
        await synced
        await asyncio.wait_for(bot.wait_until_ready(), 10)
        yield bot
    finally:
        await bot.close()
        await asyncio.wait_for(task, 10)


@pytest.fixture
def point_discord_py_at_fake(fake_discord: FakeDiscord, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the bot does with MLEBOT_DISCORD_API_BASE / MLEBOT_DISCORD_GATEWAY, in-process."""
    monkeypatch.setattr(discord.http.Route, "BASE", fake_discord.api_base)
    monkeypatch.setattr(
        discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(fake_discord.gateway_url)
    )


@pytest.fixture
async def tiny_bot(
    fake_discord: FakeDiscord, fake_guild: GuildHandle, point_discord_py_at_fake: None
) -> AsyncIterator[TinyBot]:
    """The tiny bot logged in to the fake, its commands synced and ready."""
    async with running(TinyBot(fake_guild.id), fake_discord, fake_guild.id) as bot:
        yield bot


async def test_login_sync_and_ready(
    tiny_bot: TinyBot, fake_discord: FakeDiscord, fake_guild: GuildHandle
) -> None:
    assert tiny_bot.user is not None
    assert tiny_bot.user.id == fake_discord.bot.id
    assert tiny_bot.application_id == fake_discord.application_id
    guild = tiny_bot.get_guild(fake_guild.id)
    assert guild is not None
    assert {c.name for c in guild.text_channels} == {"general", "challenges"}
    assert guild.get_member(fake_guild.default_user.id) is not None
    names = {c["name"] for c in fake_discord.guild_commands[fake_guild.id]}
    assert names == {
        *("echo", "pages", "slow", "pick", "late", "huge", "post", "export", "purge", "dm"),
        "flavour",
        "challenge",
    }
    assert ("GET", "/users/@me") in fake_discord.requests


async def test_invoke_with_options_and_subcommands(
    tiny_bot: TinyBot, fake_guild: GuildHandle
) -> None:
    reply = await fake_guild.invoke("/echo", text="hi", times=2)
    assert reply.type == 4
    assert reply.content == "hi hi"
    done = await fake_guild.invoke("/challenge done", week=3, level="Hard")
    assert done.content == "Week 3 done at level 2"


async def test_only_registered_commands_and_options_can_be_invoked(
    tiny_bot: TinyBot, fake_guild: GuildHandle
) -> None:
    with pytest.raises(NotRegisteredError, match="never registered"):
        await fake_guild.invoke("/nope")
    with pytest.raises(NotRegisteredError, match="no option 'colour'"):
        await fake_guild.invoke("/echo", text="x", colour="red")
    with pytest.raises(InvalidOptionError, match="not a choice"):
        await fake_guild.invoke("/challenge done", week=1, level=7)
    with pytest.raises(InvalidOptionError, match="outside"):
        await fake_guild.invoke("/challenge done", week=53)
    with pytest.raises(NotRegisteredError, match="no subcommand"):
        await fake_guild.invoke("/challenge skip")
    with pytest.raises(InvalidOptionError, match="would not send without"):
        await fake_guild.invoke("/echo")


async def test_buttons_page_in_place(tiny_bot: TinyBot, fake_guild: GuildHandle) -> None:
    reply = await fake_guild.invoke("/pages")
    assert reply.embeds[0]["title"] == "Page 1"
    assert [b["label"] for b in reply.buttons] == ["Previous", "Refresh", "Next"]
    alice = fake_guild.add_member("alice")
    page2 = await reply.click("Next", as_user=alice)
    assert page2.type == 7
    assert page2.message is not None
    assert reply.message is not None
    assert page2.message["id"] == reply.message["id"]
    assert reply.embeds[0]["title"] == "Page 2"
    back = await page2.click("pager:prev")
    assert back.embeds[0]["title"] == "Page 1"
    refreshed = await back.click("Refresh")
    assert refreshed.type == 6
    assert refreshed.embeds[0]["title"] == "Page 1 (refreshed)"


async def test_deferred_reply_and_followups(tiny_bot: TinyBot, fake_guild: GuildHandle) -> None:
    reply = await fake_guild.invoke("/slow")
    assert reply.type == 5
    assert reply.message is not None
    assert not reply.message["flags"] & 128  # no longer "thinking"
    assert reply.content == "done thinking"  # the first follow-up replaced the thinking message
    await reply.wait_followups(1)
    assert "done thinking" in reply.text
    assert "and one more" in reply.text


async def test_autocomplete_and_ephemeral(tiny_bot: TinyBot, fake_guild: GuildHandle) -> None:
    choices = await fake_guild.autocomplete("/pick", option="fruit", value="ap")
    assert [c["value"] for c in choices] == ["apple", "apricot"]
    assert await fake_guild.autocomplete("/pick", option="fruit", value="zzz") == []
    reply = await fake_guild.invoke("/pick", fruit="durian")  # a value no choice offered
    assert reply.ephemeral
    assert reply.content == "You picked durian"


async def test_channel_option_multipart_upload_and_dm(
    tiny_bot: TinyBot, fake_discord: FakeDiscord, fake_guild: GuildHandle
) -> None:
    reply = await fake_guild.invoke("/post", channel="challenges")
    assert reply.content.startswith("Posted in")
    [posted] = fake_guild.messages("challenges")
    assert posted["attachments"][0]["filename"] == "roadmap.csv"
    assert fake_discord.files[int(posted["id"])][0][2].startswith(b"week,task")
    export = await fake_guild.invoke("/export")
    assert export.message is not None
    [attachment] = export.message["attachments"]
    assert attachment["filename"] == "progress.csv"
    assert export.ephemeral
    dm = await fake_guild.invoke("/dm")
    assert dm.content == "Check your DMs"
    dm_channels = [c for c in fake_discord.channels.values() if c.type == 1]
    assert [m["content"] for m in fake_discord.channel_messages(dm_channels[0].id)] == [
        "Hello in private"
    ]


@pytest.mark.slow  # real retry waits
async def test_rate_limit_storm_is_waited_out(
    tiny_bot: TinyBot, fake_discord: FakeDiscord, fake_guild: GuildHandle
) -> None:
    fake_discord.faults.rate_limit(CALLBACK, times=2, retry_after=0.2)
    fake_discord.faults.rate_limit(FOLLOWUP, times=3, retry_after=0.1)
    reply = await fake_guild.invoke("/slow")
    await reply.wait_followups(1)
    assert "and one more" in reply.text
    assert fake_discord.faults.hits[f"rate_limit {CALLBACK}"] == 2
    assert fake_discord.faults.hits[f"rate_limit {FOLLOWUP}"] == 3


@pytest.mark.slow  # real retry waits
async def test_server_errors_are_retried(
    tiny_bot: TinyBot, fake_discord: FakeDiscord, fake_guild: GuildHandle
) -> None:
    fake_discord.faults.server_error(CREATE_MESSAGE, status=502)
    fake_discord.faults.slow(EDIT_ORIGINAL, 0.3)
    reply = await fake_guild.invoke("/post", channel="general")
    assert reply.content.startswith("Posted in")
    assert fake_discord.faults.hits[f"server_error {CREATE_MESSAGE}"] == 1
    posted = [m for m in fake_guild.messages("general") if m["content"] == "Roadmap attached"]
    assert len(posted) == 1  # retried once, not duplicated


async def test_dropped_gateway_resumes_without_losing_interactions(
    tiny_bot: TinyBot, fake_discord: FakeDiscord, fake_guild: GuildHandle
) -> None:
    await fake_discord.drop_gateway()
    # Sent while the socket is down: replayed on RESUME, still answered in time.
    reply = await fake_guild.invoke("/echo", text="still here")
    assert reply.content == "still here"
    await fake_discord.wait_for_resume(1)
    assert fake_discord.identifies == 1


async def test_cut_connection_resumes(
    tiny_bot: TinyBot, fake_discord: FakeDiscord, fake_guild: GuildHandle
) -> None:
    await fake_discord.drop_gateway(abrupt=True)
    reply = await fake_guild.invoke("/echo", text="after the cut")
    assert reply.content == "after the cut"
    await fake_discord.wait_for_resume(1)
    assert fake_discord.identifies == 1


@pytest.mark.slow  # waits out the answer deadline in real time
async def test_late_answer_is_a_recorded_failure(
    tiny_bot: TinyBot, fake_discord: FakeDiscord, fake_guild: GuildHandle
) -> None:
    fake_discord.interaction_deadline = SHORT_DEADLINE
    with pytest.raises(AssertionError, match="answered"):
        await fake_guild.invoke("/late")
    await fake_discord.wait_until(lambda: len(tiny_bot.errors) == 1, within=5, what="late answer")
    assert isinstance(tiny_bot.errors[0], discord.NotFound)
    assert tiny_bot.errors[0].code == 10062
    failures = fake_discord.take_failures()
    assert any("10062" in f for f in failures)


async def test_invalid_payload_gets_400_with_the_field_path(
    tiny_bot: TinyBot, fake_discord: FakeDiscord, fake_guild: GuildHandle
) -> None:
    with pytest.raises(AssertionError):
        await fake_guild.invoke("/huge", within=2)
    await fake_discord.wait_until(lambda: len(tiny_bot.errors) == 1, within=5, what="400")
    error = tiny_bot.errors[0]
    assert isinstance(error, discord.HTTPException)
    assert error.status == 400
    assert error.code == 50035
    assert "data.embeds.0.title" in str(error)
    failures = fake_discord.take_failures()
    assert any("data.embeds[0].title" in f for f in failures), failures


async def test_expired_token_rejects_followups(
    tiny_bot: TinyBot, fake_discord: FakeDiscord, fake_guild: GuildHandle
) -> None:
    reply = await fake_guild.invoke("/echo", text="x")
    fake_discord.expire_token(reply.record)
    channel = tiny_bot.get_channel(fake_guild.default_channel.id)
    assert channel is not None
    webhook = discord.Webhook.partial(
        fake_discord.application_id, reply.record.token, client=tiny_bot
    )
    with pytest.raises(discord.HTTPException) as info:
        await webhook.send("follow-up after 15 minutes")
    assert info.value.code == 50027


async def test_heartbeats_are_acknowledged(
    fake_discord: FakeDiscord, fake_guild: GuildHandle, point_discord_py_at_fake: None
) -> None:
    fake_discord.heartbeat_interval_ms = 100
    async with running(TinyBot(fake_guild.id), fake_discord, fake_guild.id) as bot:
        await fake_discord.wait_until(
            lambda: fake_discord.heartbeats >= 3, within=5, what="three heartbeats"
        )
        assert bot.latency < 1.0  # discord.py measures it from the ACKs


async def test_unknown_session_on_resume_makes_the_client_identify_again(
    tiny_bot: TinyBot, fake_discord: FakeDiscord, fake_guild: GuildHandle
) -> None:
    await fake_discord.drop_gateway(invalidate_session=True)
    await fake_discord.wait_until(
        lambda: fake_discord.identifies == 2 and fake_discord.connected,
        within=10,
        what="a fresh IDENTIFY after INVALID_SESSION",
    )
    reply = await fake_guild.invoke("/echo", text="new session")
    assert reply.content == "new session"


async def test_guild_joined_after_ready_is_sent_as_guild_create(
    tiny_bot: TinyBot, fake_discord: FakeDiscord
) -> None:
    joined = fake_discord.add_guild("Second Group", channels=("welcome",))
    await fake_discord.wait_until(
        lambda: tiny_bot.get_guild(joined.id) is not None, within=5, what="GUILD_CREATE"
    )


# ----------------------------------------------------------------------------- raw HTTP strictness


async def test_raw_requests_get_discords_answers(fake_discord: FakeDiscord) -> None:
    """Wrong auth, an invalid tree, an unknown route and a double answer, without discord.py."""
    base = fake_discord.api_base
    auth = {"Authorization": f"Bot {fake_discord.token}"}
    app = fake_discord.application_id
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/users/@me") as response:
            assert response.status == 401
        bad_tree = [{"name": "Bad Name", "description": "x" * 101, "type": 1}]
        url = f"{base}/applications/{app}/commands"
        async with http.put(url, json=bad_tree, headers=auth) as response:
            assert response.status == 400
            assert response.headers["Content-Type"] == "application/json"
            body = await response.json()
        assert body["code"] == 50035
        assert body["message"] == "Invalid Form Body"
        assert set(body["errors"]["0"]) == {"name", "description"}
        assert "_errors" in body["errors"]["0"]["name"]
        async with http.get(f"{base}/guilds/1/audit-logs", headers=auth) as response:
            assert response.status == 404
        async with http.get(f"{base}/users/{fake_discord.bot.id}", headers=auth) as response:
            assert (await response.json())["username"] == fake_discord.bot.username
        async with http.get(f"{base}/users/1", headers=auth) as response:
            assert (await response.json())["code"] == 10013

        record = InteractionRecord(
            id=snowflake(),
            token=new_token(),
            type=2,
            payload={},
            created=asyncio.get_running_loop().time(),
            guild_id=None,
            channel_id=next(iter(fake_discord.channels)),
            user=fake_discord.bot,
        )
        fake_discord.interactions[record.id] = record
        callback = f"{base}/interactions/{record.id}/{record.token}/callback?with_response=true"
        answer = {"type": 4, "data": {"content": "hello"}}
        async with http.post(callback, json=answer) as response:
            assert response.status == 200
            assert (await response.json())["resource"]["message"]["content"] == "hello"
        async with http.post(callback, json=answer) as response:
            assert response.status == 400
            assert (await response.json())["code"] == 40060
    failures = fake_discord.take_failures()
    assert any("[0].name" in f and "[0].description" in f for f in failures), failures
    assert any("does not implement" in f for f in failures), failures
    assert any("answered twice" in f for f in failures), failures


async def test_an_interaction_nobody_answers_fails_the_test(
    fake_discord: FakeDiscord, fake_guild: GuildHandle
) -> None:
    fake_discord.sessions["s"] = GatewaySession("s")  # a bot that identified, then went silent
    await fake_discord.send_interaction(
        kind=2,
        data={"id": "1", "name": "echo", "type": 1},
        user=fake_guild.default_user.user,
        channel=fake_guild.default_channel,
    )
    with pytest.raises(AssertionError, match="never answered"):
        fake_discord.assert_no_failures()
    fake_discord.take_failures()


async def test_commands_with_default_permissions_are_hidden_from_members(
    tiny_bot: TinyBot, fake_guild: GuildHandle
) -> None:
    with pytest.raises(NotPermittedError, match="would not offer /purge"):
        await fake_guild.invoke("/purge")
    moderator = fake_guild.add_role("Moderator", permissions=1 << 5)  # Manage Server
    mod = fake_guild.add_member("mod", roles=(moderator,))
    assert (await fake_guild.invoke("/purge", as_user=mod)).content == "purged"
    admin = fake_guild.add_member("boss", admin=True)
    assert (await fake_guild.invoke("/purge", as_user=admin)).content == "purged"


async def test_select_menu(tiny_bot: TinyBot, fake_guild: GuildHandle) -> None:
    reply = await fake_guild.invoke("/flavour")
    assert [c["custom_id"] for c in reply.components] == ["flavour"]
    picked = await reply.select("flavour", ["mint"])
    assert picked.type == 7
    assert reply.content == "Picked mint"
    assert reply.components == []
