"""A :class:`FakeDiscord` that also records when answers arrived and what the bot sent.

For load and fuzz tests (``bench/bench_burst.py``, ``tests/ops``), without touching the fake
itself: a subclass that wraps the route handlers.

- ``callback_arrived[interaction_id]``: loop time the bot's accepted initial response reached
  the fake (taken when the request came in, before the fake validated it), so
  ``answer_latency(id)`` is "INTERACTION_CREATE dispatched -> callback arrived".
- ``sent``: every message body the bot sent (interaction responses, follow-ups, edits, channel
  messages) that the fake accepted, with its route; :func:`mention_problems` checks them.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.fakediscord.server import FakeDiscord, Handler

Json = dict[str, Any]
CALLBACK_ROUTE = "POST /interactions/{interaction_id}/{interaction_token}/callback"
#: Routes whose body is (or carries) a message the bot sends.
MESSAGE_ROUTES = (
    CALLBACK_ROUTE,
    "POST /webhooks/{webhook_id}/{webhook_token}",
    "PATCH /webhooks/{webhook_id}/{webhook_token}/messages/@original",
    "PATCH /webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
    "POST /channels/{channel_id}/messages",
    "PATCH /channels/{channel_id}/messages/{message_id}",
)
_ARRIVED = web.RequestKey("instrumented.arrived", float)


@dataclass(frozen=True)
class SentBody:
    """One accepted message body: the route, the interaction token (if any), the JSON."""

    route: str
    token: str | None
    body: Json

    @property
    def message(self) -> Json:
        """The message part: ``data`` of an interaction response, else the body itself."""
        if self.route == CALLBACK_ROUTE:
            data: Json = self.body.get("data") or {}
            return data
        return self.body


class InstrumentedFakeDiscord(FakeDiscord):
    """:class:`FakeDiscord` plus answer arrival times and a log of message bodies."""

    def __init__(self, **kwargs: Any) -> None:
        # Set before FakeDiscord.__init__, which builds the (wrapped) routes.
        self.callback_arrived: dict[int, float] = {}
        self.sent: list[SentBody] = []
        super().__init__(**kwargs)

    def answer_latency(self, interaction_id: int) -> float | None:
        """Seconds from dispatching the interaction to its accepted initial response."""
        arrived = self.callback_arrived.get(interaction_id)
        if arrived is None:
            return None
        return arrived - self.interactions[interaction_id].created

    def _build_routes(self) -> dict[str, Handler]:
        routes = super()._build_routes()
        for route in MESSAGE_ROUTES:
            routes[route] = self._recording(route, routes[route])
        return routes

    def _recording(self, route: str, handler: Handler) -> Handler:
        async def wrapped(
            request: web.Request, params: dict[str, str], body: Any
        ) -> web.StreamResponse:
            arrived = request.get(_ARRIVED, asyncio.get_running_loop().time())
            record = None
            if route == CALLBACK_ROUTE:
                record = self.interactions.get(int(params["interaction_id"]))
            answered_before = bool(record and record.callbacks)
            response = await handler(request, params, body)
            token = params.get("interaction_token") or params.get("webhook_token")
            if isinstance(body.json, dict):
                self.sent.append(SentBody(route, token, body.json))
            if record is not None and record.callbacks and not answered_before:
                self.callback_arrived.setdefault(record.id, arrived)
            return response

        return wrapped

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        request[_ARRIVED] = asyncio.get_running_loop().time()
        return await super()._rest(request)


def mention_problems(sent: list[SentBody]) -> list[str]:
    """Bodies that could ping @everyone/@here or a role.

    Discord parses every mention in ``content`` when ``allowed_mentions`` is absent, so a body
    with mention-like content needs ``allowed_mentions`` whose ``parse`` allows neither
    ``everyone`` nor ``roles`` (mentions in embeds never ping).
    """
    problems = []
    for item in sent:
        message = item.message
        content = str(message.get("content") or "")
        if not any(token in content for token in ("@everyone", "@here", "<@")):
            continue
        allowed = message.get("allowed_mentions")
        if allowed is None:
            problems.append(f"{item.route}: content {content[:80]!r} without allowed_mentions")
            continue
        parse = set(allowed.get("parse") or [])
        if parse & {"everyone", "roles"} or allowed.get("roles"):
            problems.append(f"{item.route}: allowed_mentions {allowed} lets {content[:80]!r} ping")
    return problems
