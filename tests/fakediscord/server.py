"""A local stand-in for the parts of Discord the bot uses: REST over HTTP and the gateway.

:class:`FakeDiscord` is an aiohttp application on ``127.0.0.1`` and a random port. It keeps the
world in :mod:`tests.fakediscord.state`, validates every request body with
:mod:`tests.fakediscord.validation`, and records what Discord would have rejected in
``failures`` (the pytest fixture fails the test on any). Faults are armed through ``faults``.

REST lives under ``/api/v10``, the gateway at ``/gateway`` (plain JSON text frames). Point
discord.py at it with ``api_base`` and ``gateway_url`` (``MLEBOT_DISCORD_API_BASE`` and
``MLEBOT_DISCORD_GATEWAY`` for the real bot).

Sharding: an IDENTIFY may carry ``shard: [id, count]``; that session is sent READY and the
GUILD_CREATE of only the guilds on its shard (``(guild_id >> 22) % count``), and every later
event of a guild (interactions included) goes only to the session of the guild's shard; events
without a guild (DMs) go to shard 0, as on Discord. ``GET /gateway/bot`` recommends
``recommended_shards``. ``add_guild(..., shard=(id, count))`` makes a guild on a given shard.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import re
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from aiohttp import BodyPartReader, WSMsgType, web

from tests.fakediscord import validation
from tests.fakediscord.faults import FaultPlan
from tests.fakediscord.state import (
    EVERYONE_PERMISSIONS,
    FakeChannel,
    FakeGuild,
    FakeMember,
    FakeRole,
    FakeUser,
    InteractionRecord,
    iso_now,
    new_token,
    shard_of,
    snowflake,
)

_log = logging.getLogger("fakediscord")

BOT_TOKEN: Final = "fake-bot-token.Xx.mle-roadmap-bot"
INTERACTION_DEADLINE: Final = 3.0  # seconds to answer (or defer) an interaction
TOKEN_LIFETIME: Final = 15 * 60.0  # seconds an interaction token works for follow-ups
EPHEMERAL: Final = 1 << 6
LOADING: Final = 1 << 7
HAS_THREAD: Final = 1 << 5  # message flag
CREATE_PUBLIC_THREADS: Final = 1 << 35
PUBLIC_THREAD: Final = 11  # channel type
MANAGE_ROLES: Final = 1 << 28

Json = dict[str, Any]
Handler = Callable[[web.Request, dict[str, str], "_Body"], Awaitable[web.StreamResponse]]


class DiscordError(Exception):
    """An error answer in Discord's shape: ``{"code": ..., "message": ...}``."""

    def __init__(self, status: int, code: int, message: str, errors: Json | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.errors = status, code, message, errors

    def response(self) -> web.Response:
        body: Json = {"code": self.code, "message": self.message}
        if self.errors is not None:
            body["errors"] = self.errors
        return _json(body, status=self.status)


@dataclass
class _Body:
    """A decoded request body: JSON (``payload_json`` for multipart) and uploaded files."""

    json: Any = None
    files: list[tuple[str, str, bytes]] = field(default_factory=list)  # name, type, data


@dataclass
class GatewaySession:
    """A gateway session: every dispatch it was sent, so a RESUME can replay what was missed."""

    session_id: str
    sent: list[Json] = field(default_factory=list)
    ws: web.WebSocketResponse | None = None
    resumes: int = 0
    #: ``[id, count]`` from the IDENTIFY; ``(0, 1)`` for an unsharded client.
    shard: tuple[int, int] = (0, 1)

    @property
    def live(self) -> bool:
        """A socket is attached and open."""
        return self.ws is not None and not self.ws.closed

    @property
    def seq(self) -> int:
        return len(self.sent)


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    # discord.py decodes only when Content-Type is exactly application/json.
    return web.Response(
        status=status,
        body=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def _rate_limit_headers(remaining: int, reset_after: float, route: str) -> dict[str, str]:
    bucket = f"{abs(hash(route)) % 10**8:08x}"
    return {
        "X-RateLimit-Limit": "50",
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset-After": f"{reset_after:.3f}",
        "X-RateLimit-Reset": f"{asyncio.get_running_loop().time() + reset_after:.3f}",
        "X-RateLimit-Bucket": bucket,
    }


class FakeDiscord:
    """The fake Discord server and its state.

    Build it, add guilds, channels, roles and members, ``await start()``, point a client at
    ``api_base`` / ``gateway_url``, and ``await close()`` at the end.
    """

    def __init__(self, *, heartbeat_interval_ms: int = 41_250) -> None:
        self.bot = FakeUser(snowflake(), "mle-roadmap-bot", bot=True)
        self.application_id = self.bot.id
        self.token = BOT_TOKEN
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.interaction_deadline = INTERACTION_DEADLINE
        self.users: dict[int, FakeUser] = {self.bot.id: self.bot}
        self.guilds: dict[int, FakeGuild] = {}
        self.channels: dict[int, FakeChannel] = {}
        self.messages: dict[int, Json] = {}  # message id -> message payload (latest state)
        self.files: dict[int, list[tuple[str, str, bytes]]] = {}  # message id -> uploads
        self.threads: dict[int, Json] = {}  # thread id (= its message's id) -> channel payload
        self.message_changed_at: dict[int, float] = {}  # message id -> loop time of last change
        self.global_commands: list[Json] = []
        self.guild_commands: dict[int, list[Json]] = {}
        self.command_syncs: list[tuple[int | None, list[Json]]] = []  # (guild id, PUT body)
        self.interactions: dict[int, InteractionRecord] = {}
        self.requests: list[tuple[str, str]] = []  # (METHOD, path) of every REST request
        self.failures: list[str] = []
        self.faults = FaultPlan()
        self.sessions: dict[str, GatewaySession] = {}
        self.identifies = 0
        self.heartbeats = 0
        #: What ``GET /gateway/bot`` answers as ``shards`` (discord.py uses it without a count).
        self.recommended_shards = 1
        self._changed = asyncio.Condition()
        self._tasks: set[asyncio.Task[None]] = set()
        self._transports: dict[int, asyncio.Transport] = {}  # id(ws) -> its TCP transport
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._routes: dict[str, Handler] = self._build_routes()

    # ------------------------------------------------------------------ lifecycle and URLs

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    async def start(self) -> None:
        """Serve on 127.0.0.1 and a free port chosen by the OS."""
        app = web.Application(client_max_size=32 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/{tail:.*}", self._rest)
        self._runner = web.AppRunner(
            app, handle_signals=False, access_log=None, shutdown_timeout=1.0
        )
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        await web.SockSite(self._runner, sock).start()

    async def close(self) -> None:
        for session in self.sessions.values():
            if session.ws is not None and not session.ws.closed:
                with contextlib.suppress(Exception):
                    await session.ws.close(code=1001)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # ------------------------------------------------------------------ world builders

    def add_user(self, username: str) -> FakeUser:
        user = FakeUser(snowflake(), username)
        self.users[user.id] = user
        return user

    def add_guild(
        self,
        name: str = "ML Study Group",
        channels: tuple[str, ...] = ("general",),
        *,
        shard: tuple[int, int] | None = None,
    ) -> FakeGuild:
        """A guild with @everyone, the bot as a member, an owner and the given text channels.

        ``shard=(id, count)``: the guild's id puts it on that shard (its timestamp part is
        moved a few milliseconds on until ``(id >> 22) % count == id``).
        """
        owner = self.add_user("owner")
        guild_id = snowflake()
        if shard is not None:
            wanted, count = shard
            if not 0 <= wanted < count:
                raise ValueError(f"no shard {wanted} of {count}")
            guild_id += ((wanted - shard_of(guild_id, count)) % count) << 22
        guild = FakeGuild(guild_id, name, owner.id)
        guild.roles.append(FakeRole(guild.id, "@everyone", EVERYONE_PERMISSIONS, position=0))
        guild.members += [FakeMember(self.bot, guild.id), FakeMember(owner, guild.id)]
        self.guilds[guild.id] = guild
        for channel_name in channels:
            channel = FakeChannel(snowflake(), channel_name, 0, guild.id, len(guild.channels))
            guild.channels.append(channel)
            self.channels[channel.id] = channel
        self._dispatch_if_connected("GUILD_CREATE", guild.to_payload())  # the bot joined it
        return guild

    def add_channel(self, guild: FakeGuild, name: str) -> FakeChannel:
        channel = FakeChannel(snowflake(), name, 0, guild.id, position=len(guild.channels))
        guild.channels.append(channel)
        self.channels[channel.id] = channel
        self._dispatch_if_connected("CHANNEL_CREATE", channel.to_payload())
        return channel

    def add_role(self, guild: FakeGuild, name: str, permissions: int = 0) -> FakeRole:
        role = FakeRole(snowflake(), name, permissions, position=len(guild.roles))
        guild.roles.append(role)
        self._dispatch_if_connected(
            "GUILD_ROLE_CREATE", {"guild_id": str(guild.id), "role": role.to_payload()}
        )
        return role

    def add_member(
        self, guild: FakeGuild, username: str, roles: tuple[FakeRole, ...] = ()
    ) -> FakeMember:
        member = FakeMember(self.add_user(username), guild.id, list(roles))
        guild.members.append(member)
        self._dispatch_if_connected(
            "GUILD_MEMBER_ADD", {**member.to_payload(), "guild_id": str(guild.id)}
        )
        return member

    # ------------------------------------------------------------------ waiting and failures

    async def wait_until(self, predicate: Callable[[], bool], *, within: float, what: str) -> None:
        """Wait until ``predicate()`` holds, or fail after ``within`` seconds.

        Re-checked on every change in the fake and at least every 50 ms (for predicates on
        state outside the fake, such as an in-process client's cache).
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        async with self._changed:
            while not predicate():
                remaining = deadline - loop.time()
                if remaining <= 0:
                    raise AssertionError(f"timed out after {within:.1f}s waiting for {what}")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), min(remaining, 0.05))

    async def wait_for_sync(
        self, guild_id: int | None = None, *, within: float = 15.0
    ) -> list[Json]:
        """Wait for a command sync (``PUT .../commands``) to ``guild_id`` (None: global)."""
        scope = f"guild {guild_id}" if guild_id else "global"
        await self.wait_until(
            lambda: any(g == guild_id for g, _ in self.command_syncs),
            within=within,
            what=f"a {scope} command sync",
        )
        return next(body for g, body in reversed(self.command_syncs) if g == guild_id)

    def fail(self, message: str) -> None:
        """Record something Discord would have rejected; the fixture fails the test on it."""
        _log.error("fake discord failure: %s", message)
        self.failures.append(message)

    def take_failures(self) -> list[str]:
        """Return and forget the recorded failures (for tests that provoke them on purpose)."""
        failures, self.failures = self.failures, []
        return failures

    def assert_no_failures(self) -> None:
        """Fail on recorded problems and on interactions the bot never answered."""
        for record in self.interactions.values():
            if not record.callbacks and not record.errors:
                self.fail(f"interaction {record.id} was never answered")
                record.errors.append("never answered")
        if self.failures:
            raise AssertionError("fake Discord saw problems:\n  " + "\n  ".join(self.failures))

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # ------------------------------------------------------------------ gateway

    @property
    def session(self) -> GatewaySession | None:
        """The most recent gateway session."""
        return next(reversed(self.sessions.values()), None)

    @property
    def connected(self) -> bool:
        """Some gateway session has a socket open (any shard)."""
        return any(session.live for session in self.sessions.values())

    @property
    def shard_count(self) -> int:
        """The shard count of the most recent IDENTIFY (1 before any, or unsharded)."""
        session = self.session
        return 1 if session is None else session.shard[1]

    def shard_session(self, shard_id: int, shard_count: int | None = None) -> GatewaySession | None:
        """The most recent session of a shard (of the current shard count by default)."""
        count = self.shard_count if shard_count is None else shard_count
        for session in reversed(self.sessions.values()):
            if session.shard == (shard_id, count):
                return session
        return None

    def session_for(self, guild_id: int | None) -> GatewaySession | None:
        """The session a guild's events go to (``None``: no guild, a DM: shard 0)."""
        count = self.shard_count
        return self.shard_session(0 if guild_id is None else shard_of(guild_id, count), count)

    @staticmethod
    def _event_guild(event: str, data: Json) -> int | None:
        raw = data.get("id") if event == "GUILD_CREATE" else data.get("guild_id")
        return None if raw is None else int(raw)

    async def dispatch(self, event: str, data: Json) -> None:
        """Send a dispatch (op 0) to the session of the event's guild's shard (the current
        session when unsharded); buffered for RESUME if disconnected."""
        if self.session is None:
            raise AssertionError(f"cannot dispatch {event}: the bot never identified")
        guild_id = self._event_guild(event, data)
        session = self.session_for(guild_id)
        if session is None:
            shard = 0 if guild_id is None else shard_of(guild_id, self.shard_count)
            raise AssertionError(
                f"cannot dispatch {event} of guild {guild_id}: no gateway session runs its "
                f"shard {shard} of {self.shard_count}"
            )
        await self._send(session, event, data)

    async def _send(self, session: GatewaySession, event: str, data: Json) -> None:
        frame = {"op": 0, "t": event, "s": session.seq + 1, "d": data}
        session.sent.append(frame)
        if session.ws is not None and not session.ws.closed:
            with contextlib.suppress(ConnectionError, RuntimeError):
                await session.ws.send_str(json.dumps(frame))

    def _dispatch_if_connected(self, event: str, data: Json) -> None:
        if self.session is not None and self.session_for(self._event_guild(event, data)):
            task = asyncio.get_running_loop().create_task(self.dispatch(event, data))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def drop_gateway(
        self, code: int = 4000, *, invalidate_session: bool = False, abrupt: bool = False
    ) -> None:
        """Close the bot's socket like Discord does on trouble; the client should RESUME.

        ``abrupt`` cuts the TCP connection without a close frame (a network failure).
        With ``invalidate_session`` the session is forgotten too, so the RESUME is answered
        with INVALID_SESSION (op 9) and the client has to IDENTIFY again.
        """
        session = self.session
        if session is None or session.ws is None:
            raise AssertionError("no gateway connection to drop")
        ws, session.ws = session.ws, None
        if invalidate_session:
            del self.sessions[session.session_id]
        transport = self._transports.pop(id(ws), None)
        if abrupt and transport is not None:
            transport.abort()
            return
        await ws.close(code=code, message=b"fake discord dropped the connection")

    def guilds_on_shard(self, shard_id: int, shard_count: int) -> list[FakeGuild]:
        """The guilds whose events go to that shard."""
        return [g for g in self.guilds.values() if shard_of(g.id, shard_count) == shard_id]

    def _shards_up(self, shard_ids: Sequence[int] | None) -> bool:
        if self.session is None:
            return False
        count = self.shard_count
        for shard_id in range(count) if shard_ids is None else shard_ids:
            session = self.shard_session(shard_id, count)
            if session is None or not session.live:
                return False
            if session.seq < 1 + len(self.guilds_on_shard(shard_id, count)):
                return False
        return True

    async def wait_for_gateway(
        self, *, within: float = 10.0, shard_ids: Sequence[int] | None = None
    ) -> None:
        """Wait until the bot identified and was sent READY and every GUILD_CREATE: on each of
        ``shard_ids`` (by default every shard of the most recent IDENTIFY's count)."""
        which = "" if shard_ids is None else f" shard(s) {list(shard_ids)}"
        await self.wait_until(
            lambda: self._shards_up(shard_ids),
            within=within,
            what=f"the bot to identify on the gateway{which}",
        )

    async def wait_for_resume(self, resumes: int = 1, *, within: float = 10.0) -> None:
        await self.wait_until(
            lambda: self.session is not None and self.session.resumes >= resumes and self.connected,
            within=within,
            what=f"{resumes} gateway RESUME(s)",
        )

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True, max_msg_size=4 * 1024 * 1024)
        await ws.prepare(request)
        if request.transport is not None:
            self._transports[id(ws)] = request.transport
        hello = {"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval_ms}}
        await ws.send_str(json.dumps(hello))
        session: GatewaySession | None = None
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                frame = json.loads(msg.data)
                session = await self._on_gateway_frame(ws, frame, session)
        finally:
            self._transports.pop(id(ws), None)
            if session is not None and session.ws is ws:
                session.ws = None
            await self._notify()
        return ws

    async def _on_gateway_frame(
        self, ws: web.WebSocketResponse, frame: Json, session: GatewaySession | None
    ) -> GatewaySession | None:
        op = frame.get("op")
        if op == 1:  # heartbeat
            self.heartbeats += 1
            await ws.send_str(json.dumps({"op": 11}))
        elif op == 2:  # identify
            if frame["d"].get("token") != self.token:
                await ws.close(code=4004, message=b"Authentication failed.")
                return session
            shard = frame["d"].get("shard", [0, 1])
            if not (
                isinstance(shard, list)
                and len(shard) == 2
                and all(type(n) is int for n in shard)
                and 0 <= shard[0] < shard[1]
            ):
                self.fail(f"IDENTIFY with an invalid shard {shard!r}")
                await ws.close(code=4010, message=b"Invalid shard.")
                return session
            session = GatewaySession(new_token(), shard=(shard[0], shard[1]))
            session.ws = ws
            self.sessions[session.session_id] = session
            self.identifies += 1
            await self._send(session, "READY", self._ready_payload(session))
            for guild in self.guilds_on_shard(*session.shard):
                await self._send(session, "GUILD_CREATE", guild.to_payload())
        elif op == 6:  # resume
            data = frame["d"]
            known = self.sessions.get(data.get("session_id", ""))
            if known is None or data.get("token") != self.token:
                await ws.send_str(json.dumps({"op": 9, "d": False}))
                return session
            # Replay what the client missed (frame s is index + 1), including anything dispatched
            # during the replay; attach the socket only once caught up, so nothing is skipped.
            index = max(0, int(data.get("seq") or 0))
            while index < len(known.sent):
                await ws.send_str(json.dumps(known.sent[index]))
                index += 1
            session, known.ws = known, ws
            known.resumes += 1
            await self._send(known, "RESUMED", {})
        elif op == 8:  # request guild members
            data = frame["d"]
            wanted = self.guilds.get(int(data["guild_id"]))
            members = [m.to_payload() for m in wanted.members] if wanted else []
            chunk = {
                "guild_id": data["guild_id"],
                "members": members,
                "chunk_index": 0,
                "chunk_count": 1,
                "not_found": [],
                "nonce": data.get("nonce"),
            }
            if session is not None:
                await self._send(session, "GUILD_MEMBERS_CHUNK", chunk)
        await self._notify()
        return session

    def _ready_payload(self, session: GatewaySession) -> Json:
        return {
            "v": 10,
            "user": self.bot.to_payload(),
            "guilds": [
                {"id": str(guild.id), "unavailable": True}
                for guild in self.guilds_on_shard(*session.shard)
            ],
            "session_id": session.session_id,
            "resume_gateway_url": self.gateway_url,
            "shard": list(session.shard),
            "application": {"id": str(self.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
            "session_type": "normal",
        }

    # ------------------------------------------------------------------ REST plumbing

    def _build_routes(self) -> dict[str, Handler]:
        hook = "/webhooks/{webhook_id}/{webhook_token}"
        message = "/channels/{channel_id}/messages/{message_id}"
        routes: dict[str, Handler] = {
            "GET /users/@me": self._get_me,
            "GET /users/{user_id}": self._get_user,
            "GET /oauth2/applications/@me": self._get_application,
            "GET /gateway": self._get_gateway,
            "GET /gateway/bot": self._get_gateway,
            "GET /applications/{application_id}/commands": self._get_commands,
            "PUT /applications/{application_id}/commands": self._put_commands,
            "POST /applications/{application_id}/commands": self._post_command,
            "GET /applications/{application_id}/guilds/{guild_id}/commands": self._get_commands,
            "PUT /applications/{application_id}/guilds/{guild_id}/commands": self._put_commands,
            "POST /applications/{application_id}/guilds/{guild_id}/commands": self._post_command,
            "POST /interactions/{interaction_id}/{interaction_token}/callback": self._callback,
            f"GET {hook}/messages/@original": self._get_original,
            f"PATCH {hook}/messages/@original": self._edit_original,
            f"DELETE {hook}/messages/@original": self._delete_original,
            f"POST {hook}": self._followup,
            f"PATCH {hook}/messages/{{message_id}}": self._edit_followup,
            f"DELETE {hook}/messages/{{message_id}}": self._delete_followup,
            "GET /channels/{channel_id}": self._get_channel,
            "GET /channels/{channel_id}/messages": self._get_messages,
            "POST /channels/{channel_id}/messages": self._create_message,
            "GET /channels/{channel_id}/messages/{message_id}": self._get_message,
            "PATCH /channels/{channel_id}/messages/{message_id}": self._edit_message,
            "DELETE /channels/{channel_id}/messages/{message_id}": self._delete_message,
            f"PUT {message}/reactions/{{emoji_name}}/@me": self._no_content,
            f"POST {message}/threads": self._start_thread,
            "POST /users/@me/channels": self._create_dm,
            "GET /guilds/{guild_id}": self._get_guild,
            "GET /guilds/{guild_id}/channels": self._get_guild_channels,
            "GET /guilds/{guild_id}/members/{user_id}": self._get_member,
            **self._member_role_routes(),
        }
        return routes

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        path = re.sub(r"^/v\d+", "", path)
        template = validation.match_route(path) or path
        route = f"{request.method} {template}"
        self.requests.append((request.method, path))
        handler = self._routes.get(route)
        try:
            if handler is None:
                self.fail(f"{request.method} {path}: the fake does not implement this route")
                raise DiscordError(404, 0, "404: Not Found")
            needs_auth = not template.startswith(("/interactions/", "/webhooks/"))
            if needs_auth and request.headers.get("Authorization") != f"Bot {self.token}":
                raise DiscordError(401, 0, "401: Unauthorized")
            fault = await self._apply_fault(route)
            if fault is not None:
                return fault
            body = await self._read_body(request)
            if body.json is not None or request.method in {"POST", "PUT", "PATCH"}:
                problems = validation.validate_request(request.method, path, body.json)
                if problems:
                    listing = "; ".join(str(p) for p in problems)
                    message = f"{route}: Discord would answer 400 Invalid Form Body: {listing}"
                    self.fail(message)
                    record = self._record_for(self._path_params(template, path))
                    if record is not None:
                        record.errors.append(message)
                    return _json(validation.discord_error_body(problems), status=400)
            params = self._path_params(template, path)
            response = await handler(request, params, body)
        except DiscordError as error:
            response = error.response()
        except Exception as error:  # a bug in the fake must fail the test, not hide as a 500
            _log.exception("fake discord crashed on %s", route)
            self.fail(f"{route}: the fake itself crashed: {error!r}")
            response = _json({"code": 0, "message": "fake crashed"}, status=400)
        if "X-RateLimit-Limit" not in response.headers and response.status != 429:
            response.headers.update(_rate_limit_headers(49, 1.0, route))
        await self._notify()
        return response

    async def _apply_fault(self, route: str) -> web.Response | None:
        fault = self.faults.take(route)
        if fault is None:
            return None
        if fault.kind == "slow":
            await asyncio.sleep(fault.delay)
            return None
        if fault.kind == "server_error":
            return web.Response(status=fault.status, text=f"{fault.status}: fake upstream error")
        headers = {
            **_rate_limit_headers(0, fault.retry_after, route),
            "Retry-After": str(math.ceil(fault.retry_after)),
            "Via": "1.1 google",  # without it discord.py takes the 429 for a Cloudflare ban
            "X-RateLimit-Scope": "global" if fault.is_global else "user",
        }
        if fault.is_global:
            headers["X-RateLimit-Global"] = "true"
        body = {
            "message": "You are being rate limited.",
            "retry_after": fault.retry_after,
            "global": fault.is_global,
        }
        return _json(body, status=429, headers=headers)

    @staticmethod
    async def _read_body(request: web.Request) -> _Body:
        if not request.body_exists:
            return _Body()
        if request.content_type == "multipart/form-data":
            body = _Body()
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, BodyPartReader):
                    continue
                data = await part.read()
                if part.name == "payload_json":
                    body.json = json.loads(data)
                else:
                    content_type = part.headers.get("Content-Type", "application/octet-stream")
                    body.files.append((part.filename or part.name or "file", content_type, data))
            return body
        text = await request.text()
        if not text:
            return _Body()
        try:
            return _Body(json.loads(text))
        except json.JSONDecodeError as exc:
            raise DiscordError(400, 50109, "The request body contains invalid JSON.") from exc

    @staticmethod
    def _path_params(template: str, path: str) -> dict[str, str]:
        params = {}
        for name, value in zip(template.split("/"), path.split("/"), strict=False):
            if name.startswith("{"):
                params[name.strip("{}")] = value
        return params

    # ------------------------------------------------------------------ REST: identity, commands

    async def _get_me(self, request: web.Request, p: dict[str, str], b: _Body) -> web.Response:
        return _json({**self.bot.to_payload(), "verified": True, "mfa_enabled": False})

    async def _get_user(self, request: web.Request, p: dict[str, str], b: _Body) -> web.Response:
        user = self.users.get(int(p["user_id"]))
        if user is None:
            raise DiscordError(404, 10013, "Unknown User")
        return _json(user.to_payload())

    async def _get_application(
        self, request: web.Request, p: dict[str, str], b: _Body
    ) -> web.Response:
        return _json(
            {
                "id": str(self.application_id),
                "name": self.bot.username,
                "icon": None,
                "description": "",
                "bot_public": True,
                "bot_require_code_grant": False,
                "verify_key": "0" * 64,
                "flags": 0,
                "owner": self.users[next(iter(self.guilds.values())).owner_id].to_payload()
                if self.guilds
                else self.bot.to_payload(),
                "team": None,
                "bot": self.bot.to_payload(),
            }
        )

    async def _get_gateway(self, request: web.Request, p: dict[str, str], b: _Body) -> web.Response:
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        answer = {"url": self.gateway_url, "shards": self.recommended_shards}
        return _json({**answer, "session_start_limit": limit})

    def _check_application(self, params: dict[str, str]) -> int | None:
        if params.get("application_id") != str(self.application_id):
            raise DiscordError(403, 50001, "Missing Access")
        if "guild_id" not in params:
            return None
        guild_id = int(params["guild_id"])
        if guild_id not in self.guilds:
            raise DiscordError(404, 10004, "Unknown Guild")
        return guild_id

    def _stored_command(self, body: Json, guild_id: int | None) -> Json:
        command = {
            "type": 1,
            "options": [],
            "default_member_permissions": None,
            "nsfw": False,
            **body,
            "id": str(snowflake()),
            "application_id": str(self.application_id),
            "version": str(snowflake()),
        }
        if guild_id is not None:
            command["guild_id"] = str(guild_id)
        return command

    async def _get_commands(
        self, request: web.Request, p: dict[str, str], b: _Body
    ) -> web.Response:
        guild_id = self._check_application(p)
        commands = self.guild_commands.get(guild_id, []) if guild_id else self.global_commands
        return _json(commands)

    async def _put_commands(
        self, request: web.Request, p: dict[str, str], b: _Body
    ) -> web.Response:
        guild_id = self._check_application(p)
        body = b.json or []
        stored = [self._stored_command(command, guild_id) for command in body]
        if guild_id is None:
            self.global_commands = stored
        else:
            self.guild_commands[guild_id] = stored
        self.command_syncs.append((guild_id, body))
        return _json(stored)

    async def _post_command(
        self, request: web.Request, p: dict[str, str], b: _Body
    ) -> web.Response:
        guild_id = self._check_application(p)
        commands = (
            self.guild_commands.setdefault(guild_id, []) if guild_id else self.global_commands
        )
        stored = self._stored_command(b.json, guild_id)
        commands[:] = [c for c in commands if c["name"] != stored["name"]] + [stored]
        return _json(stored, status=201)

    # ------------------------------------------------------------------ REST: interactions

    def _interaction_by_token(self, token: str) -> InteractionRecord:
        for record in self.interactions.values():
            if record.token == token:
                if record.expired:
                    raise DiscordError(401, 50027, "Invalid Webhook Token")
                loop_now = asyncio.get_running_loop().time()
                if loop_now - record.created > TOKEN_LIFETIME:
                    raise DiscordError(401, 50027, "Invalid Webhook Token")
                return record
        raise DiscordError(404, 10015, "Unknown Webhook")

    def _record_for(self, params: dict[str, str]) -> InteractionRecord | None:
        """The interaction a callback or webhook request belongs to, if any."""
        token = params.get("interaction_token") or params.get("webhook_token")
        return next((r for r in self.interactions.values() if r.token == token), None)

    def expire_token(self, record: InteractionRecord) -> None:
        """Make an interaction's token stop working, as after its 15 minutes."""
        record.expired = True

    async def _callback(self, request: web.Request, p: dict[str, str], b: _Body) -> web.Response:
        record = self.interactions.get(int(p["interaction_id"]))
        if record is None or record.token != p["interaction_token"]:
            raise DiscordError(404, 10062, "Unknown interaction")
        elapsed = asyncio.get_running_loop().time() - record.created
        if record.expired or elapsed > self.interaction_deadline:
            problem = (
                f"interaction {record.id} answered after {elapsed:.2f}s "
                f"(Discord allows {self.interaction_deadline:g}s): 10062 Unknown interaction"
            )
            record.errors.append(problem)
            self.fail(problem)
            raise DiscordError(404, 10062, "Unknown interaction")
        if record.callbacks:
            problem = f"interaction {record.id} answered twice: 40060"
            record.errors.append(problem)
            self.fail(problem)
            raise DiscordError(400, 40060, "Interaction has already been acknowledged.")
        body: Json = b.json
        kind = body["type"]
        if kind in {4, 7, 8, 9} and "data" not in body:
            raise DiscordError(400, 50035, "Invalid Form Body", {"data": {"_errors": []}})
        record.callbacks.append(body)
        data: Json = body.get("data") or {}
        message: Json | None = None
        if kind in {4, 5}:
            flags = int(data.get("flags") or 0) | (LOADING if kind == 5 else 0)
            message = self._new_message(
                record.channel_id, {**data, "flags": flags}, b.files, interaction=record
            )
            record.original_message_id = int(message["id"])
        elif kind == 7:
            message = self._update_message(record.original_message_id, data, b.files)
        response: Json = {
            "interaction": {
                "id": str(record.id),
                "type": record.type,
                "response_message_id": message["id"] if message else None,
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool(int(data.get("flags") or 0) & EPHEMERAL),
            }
        }
        if message is not None:
            response["resource"] = {"type": kind, "message": message}
        if "with_response" not in request.query:
            return web.Response(status=204)
        return _json(response)

    def _original_of(self, record: InteractionRecord) -> Json:
        if not record.callbacks:
            raise DiscordError(404, 10008, "Unknown Message")
        if record.original_message_id is None or record.original_message_id not in self.messages:
            raise DiscordError(404, 10008, "Unknown Message")
        return self.messages[record.original_message_id]

    async def _get_original(
        self, request: web.Request, p: dict[str, str], b: _Body
    ) -> web.Response:
        record = self._interaction_by_token(p["webhook_token"])
        return _json(self._original_of(record))

    async def _edit_original(
        self, request: web.Request, p: dict[str, str], b: _Body
    ) -> web.Response:
        record = self._interaction_by_token(p["webhook_token"])
        original = self._original_of(record)
        record.original_edits += 1
        edit = dict(b.json or {})
        edit["flags"] = int(original.get("flags") or 0) & ~LOADING
        return _json(self._update_message(int(original["id"]), edit, b.files))

    async def _delete_original(
        self, request: web.Request, p: dict[str, str], b: _Body
    ) -> web.Response:
        record = self._interaction_by_token(p["webhook_token"])
        self.messages.pop(int(self._original_of(record)["id"]), None)
        return web.Response(status=204)

    async def _followup(self, request: web.Request, p: dict[str, str], b: _Body) -> web.Response:
        record = self._interaction_by_token(p["webhook_token"])
        if not record.callbacks:
            problem = f"interaction {record.id}: follow-up sent before the initial response"
            record.errors.append(problem)
            self.fail(problem)
            raise DiscordError(404, 10015, "Unknown Webhook")
        data = dict(b.json or {})
        if record.response_type == 5 and record.original_edits == 0 and record.original_message_id:
            # The first follow-up after a deferred reply replaces the "thinking" message, which
            # keeps the visibility chosen when deferring (its ephemeral flag is ignored).
            record.original_edits += 1
            original = self.messages[record.original_message_id]
            data["flags"] = int(original.get("flags") or 0) & ~LOADING
            message = self._update_message(record.original_message_id, data, b.files)
        else:
            message = self._new_message(record.channel_id, data, b.files, interaction=record)
            record.followup_ids.append(int(message["id"]))
        if request.query.get("wait", "").lower() in {"true", "1"}:
            return _json(message)
        return web.Response(status=204)

    async def _edit_followup(
        self, request: web.Request, p: dict[str, str], b: _Body
    ) -> web.Response:
        record = self._interaction_by_token(p["webhook_token"])
        message_id = int(p["message_id"])
        if message_id not in record.followup_ids and message_id != record.original_message_id:
            raise DiscordError(404, 10008, "Unknown Message")
        return _json(self._update_message(message_id, b.json or {}, b.files))

    async def _delete_followup(
        self, request: web.Request, p: dict[str, str], b: _Body
    ) -> web.Response:
        record = self._interaction_by_token(p["webhook_token"])
        message_id = int(p["message_id"])
        if message_id not in record.followup_ids:
            raise DiscordError(404, 10008, "Unknown Message")
        self.messages.pop(message_id, None)
        return web.Response(status=204)

    # ------------------------------------------------------------------ REST: channels, guilds

    def _channel(self, params: dict[str, str]) -> FakeChannel:
        channel = self.channels.get(int(params["channel_id"]))
        if channel is None:
            raise DiscordError(404, 10003, "Unknown Channel")
        return channel

    def _guild(self, params: dict[str, str]) -> FakeGuild:
        guild = self.guilds.get(int(params["guild_id"]))
        if guild is None:
            raise DiscordError(404, 10004, "Unknown Guild")
        return guild

    async def _get_channel(self, request: web.Request, p: dict[str, str], b: _Body) -> web.Response:
        thread = self.threads.get(int(p["channel_id"]))
        if thread is not None:
            return _json(thread)
        return _json(self._channel(p).to_payload())

    def bot_permissions(self, guild: FakeGuild) -> int:
        """The bot's guild-level permissions (the fake has no channel overwrites)."""
        return guild.member(self.bot.id).permissions(guild.everyone)

    async def _start_thread(
        self, request: web.Request, p: dict[str, str], b: _Body
    ) -> web.Response:
        """A public thread on a message: its id is the message's; one per message (160004)."""
        channel = self._channel(p)
        message = self._message(p)
        guild = self.guilds.get(channel.guild_id) if channel.guild_id is not None else None
        if guild is None or channel.type != 0:
            raise DiscordError(400, 50024, "Cannot execute action on this channel type")
        if not self.bot_permissions(guild) & CREATE_PUBLIC_THREADS:
            raise DiscordError(403, 50013, "Missing Permissions")
        message_id = int(message["id"])
        if message_id in self.threads:
            raise DiscordError(400, 160004, "A thread has already been created for this message")
        data = b.json or {}
        now = iso_now()
        thread: Json = {
            "id": str(message_id),
            "type": PUBLIC_THREAD,
            "guild_id": str(guild.id),
            "parent_id": str(channel.id),
            "owner_id": str(self.bot.id),
            "name": data["name"],
            "last_message_id": None,
            "rate_limit_per_user": data.get("rate_limit_per_user") or 0,
            "message_count": 0,
            "member_count": 1,
            "total_message_sent": 0,
            "flags": 0,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": data.get("auto_archive_duration") or 1440,
                "archive_timestamp": now,
                "locked": False,
                "create_timestamp": now,
            },
            "member": {
                "id": str(message_id),
                "user_id": str(self.bot.id),
                "join_timestamp": now,
                "flags": 0,
            },
        }
        self.threads[message_id] = thread
        message["thread"] = thread
        message["flags"] = int(message.get("flags") or 0) | HAS_THREAD
        self._dispatch_if_connected("THREAD_CREATE", {**thread, "newly_created": True})
        return _json(thread, status=201)

    def direct_messages(self, user_id: int) -> list[Json]:
        """Messages the bot sent to ``user_id`` in their DM channel, oldest first."""
        found: list[Json] = []
        for channel in self.channels.values():
            if channel.type == 1 and [u.id for u in channel.recipients] == [user_id]:
                found += self.channel_messages(channel.id)
        return found

    def threads_in(self, channel_id: int) -> list[Json]:
        """The threads started on messages of a channel, oldest first."""
        found = [t for t in self.threads.values() if t["parent_id"] == str(channel_id)]
        return sorted(found, key=lambda t: int(t["id"]))

    def channel_messages(self, channel_id: int, *, ephemeral: bool = False) -> list[Json]:
        """Messages in a channel, oldest first; ephemeral replies only if asked for."""
        found = [
            m
            for m in self.messages.values()
            if m["channel_id"] == str(channel_id) and (ephemeral or not int(m["flags"]) & EPHEMERAL)
        ]
        return sorted(found, key=lambda m: int(m["id"]))

    async def _get_messages(
        self, request: web.Request, p: dict[str, str], b: _Body
    ) -> web.Response:
        channel = self._channel(p)
        limit = max(1, min(100, int(request.query.get("limit", "50"))))
        messages = self.channel_messages(channel.id)
        if "before" in request.query:
            messages = [m for m in messages if int(m["id"]) < int(request.query["before"])]
        if "after" in request.query:
            after = [m for m in messages if int(m["id"]) > int(request.query["after"])]
            return _json(list(reversed(after[:limit])))
        return _json(list(reversed(messages))[:limit])

    async def _create_message(
        self, request: web.Request, p: dict[str, str], b: _Body
    ) -> web.Response:
        channel = self._channel(p)
        data = b.json or {}
        if channel.type == 1 and any(user.dms_closed for user in channel.recipients):
            raise DiscordError(403, 50007, "Cannot send messages to this user")
        if (
            not any(data.get(k) for k in ("content", "embeds", "components", "sticker_ids", "poll"))
            and not b.files
        ):
            raise DiscordError(400, 50006, "Cannot send an empty message")
        return _json(self._new_message(channel.id, data, b.files))

    def _message(self, params: dict[str, str]) -> Json:
        message = self.messages.get(int(params["message_id"]))
        if message is None or message["channel_id"] != params["channel_id"]:
            raise DiscordError(404, 10008, "Unknown Message")
        return message

    async def _get_message(self, request: web.Request, p: dict[str, str], b: _Body) -> web.Response:
        return _json(self._message(p))

    async def _edit_message(
        self, request: web.Request, p: dict[str, str], b: _Body
    ) -> web.Response:
        message = self._message(p)
        return _json(self._update_message(int(message["id"]), b.json or {}, b.files))

    async def _delete_message(
        self, request: web.Request, p: dict[str, str], b: _Body
    ) -> web.Response:
        self.messages.pop(int(self._message(p)["id"]))
        return web.Response(status=204)

    async def _no_content(self, request: web.Request, p: dict[str, str], b: _Body) -> web.Response:
        return web.Response(status=204)

    async def _create_dm(self, request: web.Request, p: dict[str, str], b: _Body) -> web.Response:
        recipient = self.users.get(int((b.json or {}).get("recipient_id", 0)))
        if recipient is None:
            raise DiscordError(400, 50033, "Invalid Recipient(s)")
        for channel in self.channels.values():
            if channel.type == 1 and channel.recipients == [recipient]:
                return _json(channel.to_payload())
        channel = FakeChannel(snowflake(), recipient.username, type=1, recipients=[recipient])
        self.channels[channel.id] = channel
        return _json(channel.to_payload())

    async def _get_guild(self, request: web.Request, p: dict[str, str], b: _Body) -> web.Response:
        return _json(self._guild(p).to_payload())

    async def _get_guild_channels(
        self, request: web.Request, p: dict[str, str], b: _Body
    ) -> web.Response:
        return _json([channel.to_payload() for channel in self._guild(p).channels])

    async def _get_member(self, request: web.Request, p: dict[str, str], b: _Body) -> web.Response:
        try:
            member = self._guild(p).member(int(p["user_id"]))
        except LookupError:
            raise DiscordError(404, 10007, "Unknown Member") from None
        return _json(member.to_payload())

    # ------------------------------------------------------------------ member roles

    def _member_role_routes(self) -> dict[str, Handler]:
        route = "/guilds/{guild_id}/members/{user_id}/roles/{role_id}"
        return {f"PUT {route}": self._add_member_role, f"DELETE {route}": self._remove_member_role}

    def bot_top_position(self, guild: FakeGuild) -> int:
        """The position of the bot's highest role (``@everyone`` is 0)."""
        return max((role.position for role in guild.member(self.bot.id).roles), default=0)

    def _member_and_role(self, p: dict[str, str]) -> tuple[FakeMember, FakeRole]:
        """Checked as Discord does: member, role, Manage Roles, role below the bot's top."""
        guild = self._guild(p)
        try:
            member = guild.member(int(p["user_id"]))
        except LookupError:
            raise DiscordError(404, 10007, "Unknown Member") from None
        try:
            role = guild.role(int(p["role_id"]))
        except LookupError:
            raise DiscordError(404, 10011, "Unknown Role") from None
        if not self.bot_permissions(guild) & MANAGE_ROLES:
            raise DiscordError(403, 50013, "Missing Permissions")
        if role.id == guild.id or role.position >= self.bot_top_position(guild):
            raise DiscordError(403, 50013, "Missing Permissions")
        return member, role

    async def _add_member_role(
        self, request: web.Request, p: dict[str, str], b: _Body
    ) -> web.Response:
        member, role = self._member_and_role(p)
        if role not in member.roles:
            member.roles.append(role)
        return web.Response(status=204)

    async def _remove_member_role(
        self, request: web.Request, p: dict[str, str], b: _Body
    ) -> web.Response:
        member, role = self._member_and_role(p)
        if role in member.roles:
            member.roles.remove(role)
        return web.Response(status=204)

    # ------------------------------------------------------------------ messages

    def _attachments(
        self, data: Json, files: list[tuple[str, str, bytes]], message_id: int
    ) -> list[Json]:
        if not files:
            return []
        described = {str(a.get("id")): a for a in data.get("attachments") or []}
        out = []
        for index, (filename, content_type, blob) in enumerate(files):
            meta = described.get(str(index), {})
            attachment_id = snowflake()
            name = meta.get("filename") or filename
            url = f"http://127.0.0.1:{self.port}/attachments/{message_id}/{attachment_id}/{name}"
            out.append(
                {
                    "id": str(attachment_id),
                    "filename": name,
                    "description": meta.get("description"),
                    "content_type": content_type,
                    "size": len(blob),
                    "url": url,
                    "proxy_url": url,
                }
            )
        self.files[message_id] = list(files)
        return out

    def _new_message(
        self,
        channel_id: int,
        data: Json,
        files: list[tuple[str, str, bytes]],
        *,
        interaction: InteractionRecord | None = None,
    ) -> Json:
        message_id = snowflake()
        channel = self.channels.get(channel_id)
        message: Json = {
            "id": str(message_id),
            "channel_id": str(channel_id),
            "author": self.bot.to_payload(),
            "content": data.get("content") or "",
            "timestamp": iso_now(),
            "edited_timestamp": None,
            "tts": bool(data.get("tts")),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": self._attachments(data, files, message_id),
            "embeds": [_embed_as_received(e) for e in data.get("embeds") or []],
            "components": data.get("components") or [],
            "pinned": False,
            "type": 0,
            "flags": int(data.get("flags") or 0),
        }
        if channel is not None and channel.guild_id is not None:
            message["guild_id"] = str(channel.guild_id)
        if interaction is not None:
            message.update(
                type=20 if interaction.type == 2 else 19 if interaction.type == 3 else 0,
                webhook_id=str(self.application_id),
                application_id=str(self.application_id),
                interaction_metadata={
                    "id": str(interaction.id),
                    "type": interaction.type,
                    "user": interaction.user.to_payload(),
                    "authorizing_integration_owners": {},
                },
            )
        self.messages[message_id] = message
        self.message_changed_at[message_id] = asyncio.get_running_loop().time()
        return message

    def _update_message(
        self, message_id: int | None, data: Json, files: list[tuple[str, str, bytes]]
    ) -> Json:
        if message_id is None or message_id not in self.messages:
            raise DiscordError(404, 10008, "Unknown Message")
        message = self.messages[message_id]
        for key in ("content", "components", "flags"):
            if key in data:
                message[key] = data[key] if data[key] is not None else message.get(key)
        if "embeds" in data:
            message["embeds"] = [_embed_as_received(e) for e in data["embeds"] or []]
        if files or "attachments" in data:
            kept_ids = {str(a.get("id")) for a in data.get("attachments") or []}
            kept = [a for a in message["attachments"] if a["id"] in kept_ids]
            message["attachments"] = kept + self._attachments(data, files, message_id)
        message["edited_timestamp"] = iso_now()
        self.message_changed_at[message_id] = asyncio.get_running_loop().time()
        return message

    # ------------------------------------------------------------------ interactions

    async def send_interaction(
        self,
        *,
        kind: int,
        data: Json,
        user: FakeUser,
        channel: FakeChannel,
        message: Json | None = None,
    ) -> InteractionRecord:
        """Create an interaction and dispatch ``INTERACTION_CREATE`` to the bot."""
        guild = self.guilds.get(channel.guild_id) if channel.guild_id else None
        record = InteractionRecord(
            id=snowflake(),
            token=new_token(),
            type=kind,
            payload={},
            created=asyncio.get_running_loop().time(),
            guild_id=guild.id if guild else None,
            channel_id=channel.id,
            user=user,
        )
        payload: Json = {
            "id": str(record.id),
            "application_id": str(self.application_id),
            "type": kind,
            "data": data,
            "channel_id": str(channel.id),
            "channel": {**channel.to_payload(), "permissions": "0"},
            "token": record.token,
            "version": 1,
            "locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(guild.id)}
            if guild
            else {"1": str(user.id)},
            "context": 0 if guild else 1,
            "attachment_size_limit": 10 * 1024 * 1024,
            "app_permissions": str(EVERYONE_PERMISSIONS),
        }
        if guild is not None:
            member = guild.member(user.id)
            permissions = str(member.permissions(guild.everyone))
            payload.update(
                guild_id=str(guild.id),
                guild_locale="en-US",
                guild={"id": str(guild.id), "locale": "en-US", "features": []},
                member={**member.to_payload(), "permissions": permissions},
            )
            payload["channel"]["permissions"] = permissions
        else:
            payload["user"] = user.to_payload()
        if message is not None:
            payload["message"] = message
            record.original_message_id = int(message["id"])
        record.payload = payload
        self.interactions[record.id] = record
        try:
            await self.dispatch("INTERACTION_CREATE", payload)
        except AssertionError:  # no connection runs the guild's shard: it never existed
            del self.interactions[record.id]
            raise
        return record


def _embed_as_received(embed: Json) -> Json:
    """An embed as Discord echoes it back (``type: rich`` added)."""
    return {"type": "rich", **embed}
