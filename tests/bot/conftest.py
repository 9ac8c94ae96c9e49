"""Shared fixtures for the bot's unit tests: the bundled catalog, its guide, the running bot's
services over a real SQLite store, payload checks."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import discord
import pytest
from discord import app_commands

from bot.client import MLEBot
from bot.embeds import Reply
from bot.lookup import Guide
from bot.services import Content, Services
from bot.settings import Settings
from bot.views import initial_response_payload
from content.loader import load_catalog
from content.models import Catalog
from scheduler.ports import Clock, SystemClock
from storage.store import Store, open_store
from tests.fakediscord.validation import assert_valid, validate_interaction_callback
from tests.scheduler.fakes import Inbox, RecordingPublisher


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="session")
def guide(catalog: Catalog) -> Guide:
    return Guide.build(catalog)


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name in ("MLEBOT_CONTENT_DIR", "DISCORD_TOKEN", "MLEBOT_DEV_GUILD_ID"):
        monkeypatch.delenv(name, raising=False)
    return Settings(database=tmp_path / "db.sqlite3")


@pytest.fixture
async def store(settings: Settings) -> AsyncIterator[Store]:
    """The bot's database (modules that pin the store's clock define their own ``store``)."""
    async with await open_store(settings.database) as opened:
        yield opened


@pytest.fixture
def clock() -> Clock:
    """The time the cogs read (modules that pin it define their own ``clock``)."""
    return SystemClock()


@pytest.fixture
def services(settings: Settings, catalog: Catalog, store: Store, clock: Clock) -> Services:
    """The running bot's services over ``store`` and ``clock``; Discord is a recording publisher
    and the schedulers are never started."""
    return Services.wire(
        settings,
        Content(catalog),
        store,
        publisher=RecordingPublisher(clock),
        messenger=Inbox(),
        clock=clock,
    )


@pytest.fixture
def bot(settings: Settings, catalog: Catalog, store: Store) -> MLEBot:
    """The client as ``run_bot`` builds it, over ``store``; never connected."""
    return MLEBot(settings, Content(catalog), store)


def page_payloads(reply: Reply) -> Iterator[dict[str, Any]]:
    """The initial response of ``reply`` and, for every further page, the message it shows."""
    yield initial_response_payload(reply)
    for page in reply.pages[1:]:
        yield initial_response_payload(Reply(pages=(page,), ephemeral=reply.ephemeral))


def assert_reply_valid(reply: Reply) -> None:
    """Every message ``reply`` can show is a body Discord accepts (spec and extra limits)."""
    assert reply.pages or reply.content, "empty reply"
    for payload in page_payloads(reply):
        assert_valid(validate_interaction_callback(payload))
        assert payload["data"]["allowed_mentions"] == {"parse": []}
    for page in reply.pages:
        assert len(page) <= 6000
        assert page.footer.text, f"page without a footer: {page.title}"


def reply_text(reply: Reply) -> str:
    """Everything a member can read across all pages of ``reply``."""
    parts = [reply.content or ""]
    for page in reply.pages:
        parts += [page.title or "", page.description or "", page.footer.text or ""]
        for field in page.fields:
            parts += [field.name or "", field.value or ""]
    return "\n".join(parts)


def embeds_of(reply: Reply) -> list[discord.Embed]:
    return list(reply.pages)


def command_tree_payload(tree: app_commands.CommandTree[Any]) -> list[dict[str, Any]]:
    """The JSON array ``tree.sync()`` PUTs to ``/applications/{id}/commands``."""
    return [command.to_dict(tree) for command in tree.get_commands()]
