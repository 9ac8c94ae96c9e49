"""The discord.py client and the one place that wires the running service together."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import aiohttp
import discord
import yarl
from discord import app_commands
from discord.ext import commands

from bot.cogs import build_cogs
from bot.errors import install_error_handler, refuse_while_closing
from bot.health import HEARTBEAT_EVERY, write_heartbeat
from bot.interaction_log import log_interaction
from bot.lag import ADMISSION, admit
from bot.memory import settle_heap
from bot.publisher import DiscordPublisher
from bot.reload import reload_content
from bot.reminders import DMS_CLOSED_NOTICE, ReminderDoneButton
from bot.services import Content, Services
from bot.settings import Settings
from bot.storage_alarm import StorageAlarm
from bot.weekly import MarkDoneButton, render_weekly_post
from content.models import Catalog
from scheduler.ports import SystemClock
from scheduler.shards import Ownership
from storage.errors import StorageError
from storage.store import Store, open_store

if TYPE_CHECKING:
    from storage.shardlock import ShardLease, ShardWatch

log = logging.getLogger(__name__)


def point_at_discord(settings: Settings) -> None:
    """Send REST and gateway traffic to the configured endpoints (a proxy or a local fake).

    discord.py reads both class attributes at request/connect time, so setting them once before
    the client starts is enough.
    """
    discord.http.Route.BASE = settings.discord_api_base
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway)
    # The bot never joins voice: discord.py's start-up warnings about voice libraries would
    # only make operators look for a problem that is not there.
    discord.VoiceClient.warn_nacl = False
    discord.VoiceClient.warn_dave = False


def intents() -> discord.Intents:
    """Only what the bot uses: guild/channel events. No privileged intents.

    Slash commands and buttons arrive as interactions, which need no message intent; member
    names come with each interaction, so the privileged members intent is not needed either.
    """
    wanted = discord.Intents.none()
    wanted.guilds = True
    return wanted


#: How long close() lets running commands, button callbacks and a weekly post finish. Both
#: waits run side by side, so SIGTERM to exit stays well inside the 10 s a supervisor allows.
DRAIN_TIMEOUT = 5.0
#: After every command the bot checks whether the member's reminder bounced (DMs closed);
#: the guild's list of such members may be this many seconds old. The reminders of this
#: process update it at once; another process's show up within this time.
BOUNCED_READ_AGE = 60.0
#: Names discord.py gives the tasks that run app commands and component callbacks.
_INTERACTION_TASK_PREFIXES = (
    "CommandTree-invoker",
    "discord-ui-view-dispatch",
    "discord-ui-dynamic",
)


class BotTree(app_commands.CommandTree["MLEBot"]):
    """The command tree; admits commands and autocomplete in turn (:func:`bot.lag.admit`),
    refuses new commands politely while the bot shuts down."""

    async def interaction_check(self, interaction: discord.Interaction[MLEBot]) -> bool:
        # Waits for a slot; then, if nothing we send can arrive in time, spends nothing on it.
        if not await admit(interaction):
            log_interaction(interaction, "expired")
            return False
        return not await refuse_while_closing(interaction)


def _running_interactions() -> set[asyncio.Task[Any]]:
    return {
        task
        for task in asyncio.all_tasks()
        if task.get_name().startswith(_INTERACTION_TASK_PREFIXES) and not task.done()
    }


async def drain_interactions(within: float) -> int:
    """Wait (bounded) for command/button callbacks, including ones that start meanwhile (they
    are refused quickly, but their answer needs the connection); return how many were cut off.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while (running := _running_interactions()) and (left := deadline - loop.time()) > 0:
        await asyncio.wait(running, timeout=left)
    return len(_running_interactions())


class MLEBot(commands.Bot):
    """The bot: installs cogs and syncs the command tree in :meth:`setup_hook`.

    Takes what exists before it, all required: the settings, the content and the open store
    (as discord.py's ``advanced_startup.py`` example takes its database pool). It builds the
    parts that need the client itself: the publisher, and the schedulers that publish through
    it, in :attr:`services`.
    """

    def __init__(
        self, settings: Settings, content: Content, store: Store, **client_options: Any
    ) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents(),
            help_command=None,
            # Content can never ping @everyone, roles or users by accident.
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=BotTree,
            **client_options,  # shard_count and shard_ids for ShardedMLEBot
        )
        self.closing = False
        # One event loop per process, one bound on the handlers running on it.
        ADMISSION.limit = settings.max_handlers
        publisher = DiscordPublisher(self, render_weekly_post)
        self.services = Services.wire(
            settings,
            content,
            store,
            publisher=publisher,
            messenger=publisher,
            clock=SystemClock(),
            stop_timeout=DRAIN_TIMEOUT,
        )
        install_error_handler(self.tree)  # one handler for every app command's errors
        #: Tells moderators once per incident when the database cannot take writes.
        self.storage_alarm = StorageAlarm(publisher.notify_moderators)
        self._heartbeat: asyncio.Task[None] | None = None
        #: The gateway is up (ready or resumed, not lost since): what the heartbeat reports.
        self._gateway_up = False

    async def setup_hook(self) -> None:
        # Persistent "Mark done" buttons: matched by custom_id, so old posts and reminder DMs
        # keep working.
        self.add_dynamic_items(MarkDoneButton, ReminderDoneButton)
        for cog in build_cogs(self.services):
            await self.add_cog(cog)
        await self.sync_commands()
        self._heartbeat = asyncio.create_task(self._beat(), name="heartbeat")

    async def close(self) -> None:
        # Reverse order of start-up: refuse new commands, let running ones answer, stop the
        # timers (an in-flight post finishes while the connection is up), heartbeat, gateway.
        self.closing = True
        cut_off, _, _ = await asyncio.gather(
            drain_interactions(DRAIN_TIMEOUT),
            self.services.scheduler.stop(),
            self.services.reminders.stop(),
        )
        if cut_off:
            log.warning(
                "%d interaction(s) still running at shutdown (%d admitted, %d waiting their turn)",
                cut_off,
                ADMISSION.running,
                ADMISSION.waiting,
            )
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._heartbeat
        await super().close()
        # The last beat says "stopped": `mle-bot health` answers "not running" from now on.
        self._gateway_up = False
        self._write_heartbeat(stopped=True)

    def _write_heartbeat(self, *, stopped: bool = False) -> None:
        if self.closing and not stopped:
            return  # nothing may overwrite the last beat (a late gateway event, say)
        path = self.services.settings.heartbeat_file
        connected = self._gateway_up and not self.is_closed()
        try:
            write_heartbeat(path, now=datetime.now(UTC), connected=connected, stopped=stopped)
        except OSError as exc:  # a full disk must not take the bot down; health will say so
            log.warning("cannot write heartbeat %s: %s", path, exc.strerror)

    def _gateway(self, *, up: bool) -> None:
        """The gateway came up or went down: tell ``mle-bot health`` at once."""
        self._gateway_up = up
        self._write_heartbeat()

    async def _beat(self) -> None:
        """Tell ``mle-bot health`` we are alive, and whether the gateway is connected."""
        while True:
            self._write_heartbeat()
            await asyncio.sleep(HEARTBEAT_EVERY.total_seconds())

    async def on_resumed(self) -> None:
        self._gateway(up=True)

    async def on_disconnect(self) -> None:
        self._gateway(up=False)

    async def sync_commands(self) -> None:
        """Sync to the dev guild (instant) when configured, else globally."""
        guild_id = self.services.settings.dev_guild_id
        if guild_id is not None:
            guild = discord.Object(id=guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d commands to dev guild %d", len(synced), guild_id)
        else:
            synced = await self.tree.sync()
            log.info("synced %d global commands", len(synced))

    async def on_app_command_completion(
        self, interaction: discord.Interaction[MLEBot], command: object
    ) -> None:
        log_interaction(interaction, "ok")
        await self._tell_if_reminder_bounced(interaction)

    async def _tell_if_reminder_bounced(self, interaction: discord.Interaction[MLEBot]) -> None:
        """A reminder to this member bounced (DMs closed): tell them once, privately."""
        if interaction.guild_id is None:
            return
        try:
            if await self.services.store.reminders.take_dm_closed_notice(
                interaction.guild_id, interaction.user.id, max_age=BOUNCED_READ_AGE
            ):
                await interaction.followup.send(DMS_CLOSED_NOTICE, ephemeral=True)
        except (discord.HTTPException, StorageError) as exc:
            log.warning("could not tell a member their reminder bounced: %s", exc)

    async def on_ready(self) -> None:
        self._gateway(up=True)
        # Start the weekly posts once the guilds are known (channel and permission checks
        # need them); on_ready fires again after reconnects, start() is idempotent. Never
        # after close() began: the timers would outlive the connection and the store.
        if not self.closing:
            await self.services.scheduler.start()
            await self.services.reminders.start()
        user = self.user
        log.info(
            "ready as %s (id %s) in %d guilds",
            user,
            user.id if user else "?",
            len(self.guilds),
        )


class ShardedMLEBot(MLEBot, commands.AutoShardedBot):
    """The bot on the shards of ``MLEBOT_SHARD_COUNT`` / ``MLEBOT_SHARD_IDS``: one gateway
    connection per shard (discord.py's ``AutoShardedBot``), scheduling only their guilds.

    ``mle-bot health`` says "connected" only while every shard is: discord.py's ``disconnect``
    and ``resumed`` events do not say which shard, so the per-shard events are followed.
    """

    def __init__(
        self, settings: Settings, content: Content, store: Store, **client_options: Any
    ) -> None:
        super().__init__(settings, content, store, **client_options)
        #: Shards whose connection is down since they were last ready or resumed.
        self._shards_down: set[int] = set()
        #: ``on_ready`` came (every shard was ready once); a shard's own ready counts after it.
        self._all_ready = False

    def _gateway(self, *, up: bool) -> None:
        super()._gateway(up=up and self._all_ready and not self._shards_down)

    async def on_ready(self) -> None:
        self._all_ready = True
        await super().on_ready()

    async def on_disconnect(self) -> None:
        """Any shard: on_shard_disconnect says which."""

    async def on_resumed(self) -> None:
        """Any shard: on_shard_resumed says which."""

    async def on_shard_disconnect(self, shard_id: int) -> None:
        self._shards_down.add(shard_id)
        self._gateway(up=False)

    async def on_shard_resumed(self, shard_id: int) -> None:
        self._shards_down.discard(shard_id)
        self._gateway(up=True)

    async def on_shard_ready(self, shard_id: int) -> None:
        self._shards_down.discard(shard_id)
        self._gateway(up=True)


def build_bot(settings: Settings, content: Content, store: Store) -> MLEBot:
    """The bot for the settings: sharded when ``MLEBOT_SHARD_COUNT`` is set, else as always."""
    if settings.shard_count is None:
        return MLEBot(settings, content, store)
    shard_ids = None if settings.shard_ids is None else list(settings.shard_ids)
    log.info(
        "running %s",
        Ownership.of(settings.shard_count, shard_ids),
        extra={"event": "shards", "shard_count": settings.shard_count, "shard_ids": shard_ids},
    )
    return ShardedMLEBot(
        settings, content, store, shard_count=settings.shard_count, shard_ids=shard_ids
    )


def _watch(
    shards: ShardLease | None, loop: asyncio.AbstractEventLoop, lost: Callable[[str], None]
) -> ShardWatch | None:
    """Watch the shard locks (PostgreSQL); ``lost(reason)`` runs on the loop's thread."""
    if shards is None:
        return None

    def hand_over(reason: str) -> None:  # on the watcher's thread
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: stopping anyway
            loop.call_soon_threadsafe(lost, reason)

    return shards.watch(hand_over)


async def _settle_when_ready(bot: MLEBot) -> None:
    """Once connected with the guilds loaded: :func:`bot.memory.settle_heap`."""
    await bot.wait_until_ready()
    settle_heap()


async def run_bot(
    settings: Settings, catalog: Catalog, token: str, *, shards: ShardLease | None = None
) -> int:
    """Run until stopped by SIGTERM/SIGINT or a fatal error; return the process exit code.

    The store is opened first and closed last: the client and everything it builds live
    inside that span. ``shards`` (PostgreSQL: this process's shard locks) is watched all
    along: when this process no longer owns its shards it logs why and shuts down as on
    SIGTERM, with exit code 1 (:mod:`storage.shardlock`).
    """
    point_at_discord(settings)
    try:
        store = await open_store(settings.database)
    except StorageError as exc:
        log.error("%s", exc)  # names the file and what to do; the file is left untouched
        return 1
    content = Content(catalog)
    bot = build_bot(settings, content, store)
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    background: set[asyncio.Task[None]] = set()  # keep references until done

    def spawn(work: Coroutine[Any, Any, None]) -> None:
        task = loop.create_task(work)
        background.add(task)
        task.add_done_callback(background.discard)

    exit_code = 0

    def request_stop(why: str) -> None:
        if not stopping.is_set():
            log.info("%s, shutting down", why)
            stopping.set()
            spawn(bot.close())

    def shards_lost(reason: str) -> None:
        nonlocal exit_code
        log.error("%s", reason)
        exit_code = 1
        request_stop("lost the shards")

    async def reload_on_hangup() -> None:
        report = await reload_content(content, settings.content_dir)
        for problem in report.problems:
            log.warning("content problem: %s", problem)

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, request_stop, f"received {sig.name}")
    # SIGHUP re-reads the content YAML, as `/admin reload-content` does.
    loop.add_signal_handler(signal.SIGHUP, lambda: spawn(reload_on_hangup()))

    watch = _watch(shards, loop, shards_lost)
    try:
        async with bot:
            spawn(_settle_when_ready(bot))
            await bot.start(token)
    except discord.LoginFailure:
        log.error(
            "DISCORD_TOKEN was rejected by Discord; fix: copy a fresh token from the "
            "Developer Portal (Bot > Reset Token)"
        )
        return 2
    except (aiohttp.ClientError, OSError, discord.GatewayNotFound) as exc:
        log.error(
            "cannot reach Discord at %s (%s); check the network, or MLEBOT_DISCORD_API_BASE "
            "and MLEBOT_DISCORD_GATEWAY if you use a proxy",
            settings.discord_api_base,
            exc,
        )
        return 1
    except discord.DiscordServerError as exc:
        log.error("Discord is failing (%s); try again later", exc.status)
        return 1
    finally:
        if watch is not None:
            watch.stop()
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            loop.remove_signal_handler(sig)
        await store.close()
    log.info("stopped")
    return exit_code
