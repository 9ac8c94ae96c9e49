"""A small stand-in for ``discord.Interaction``: only what the handler and views touch, and
every call recorded. (The full client path is covered by ``tests/e2e`` against the fake
Discord server.)"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import discord


@dataclass
class Sent:
    via: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]


@dataclass
class FakeUser:
    id: int = 42


@dataclass
class FakeCommand:
    qualified_name: str = "salary"


class FakeResponse:
    def __init__(self, log: list[Sent], *, done: bool = False) -> None:
        self._log = log
        self._done = done

    def is_done(self) -> bool:
        return self._done

    async def send_message(self, *args: Any, **kwargs: Any) -> None:
        assert not self._done, "interaction already acknowledged (Discord error 40060)"
        self._done = True
        self._log.append(Sent("response.send_message", args, kwargs))

    async def edit_message(self, *args: Any, **kwargs: Any) -> None:
        assert not self._done
        self._done = True
        self._log.append(Sent("response.edit_message", args, kwargs))

    async def defer(self, *args: Any, **kwargs: Any) -> None:
        self._done = True
        self._log.append(Sent("response.defer", args, kwargs))


class FakeFollowup:
    def __init__(self, log: list[Sent]) -> None:
        self._log = log

    async def send(self, *args: Any, **kwargs: Any) -> None:
        self._log.append(Sent("followup.send", args, kwargs))


@dataclass
class FakeInteraction:
    user: FakeUser = field(default_factory=FakeUser)
    command: FakeCommand | None = field(default_factory=FakeCommand)
    guild_id: int | None = 1
    id: int = 0  # 0: a snowflake of created_at, as Discord's ids are
    done: bool = False
    sent: list[Sent] = field(default_factory=list)
    extras: dict[Any, Any] = field(default_factory=dict)
    data: dict[str, Any] | None = None
    client: Any = None  # a running bot, not shutting down
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def __post_init__(self) -> None:
        if not self.id:
            self.id = discord.utils.time_snowflake(self.created_at) + 999
        self.response = FakeResponse(self.sent, done=self.done)
        self.followup = FakeFollowup(self.sent)

    async def edit_original_response(self, **kwargs: Any) -> None:
        self.sent.append(Sent("edit_original_response", (), kwargs))
