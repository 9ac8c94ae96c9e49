"""A local fake Discord (REST + gateway) for end-to-end tests, and Discord's payload rules.

- :mod:`.validation`: request bodies against Discord's OpenAPI spec and the limits it omits.
- :mod:`.server`: :class:`FakeDiscord`, the aiohttp server and its state.
- :mod:`.harness`: :class:`GuildHandle` / :class:`Reply`, what tests use to act as members.
- :mod:`.faults`: rate limits, server errors and slow answers to arm on routes.

Fixtures (``tests/conftest.py``): ``fake_discord`` and ``fake_guild``; ``tests/e2e/conftest.py``
adds ``mlebot``, the real bot process. See ``README.md`` beside this file.
"""

from tests.fakediscord.harness import (
    GuildHandle,
    InvalidOptionError,
    NotPermittedError,
    NotRegisteredError,
    Reply,
)
from tests.fakediscord.server import FakeDiscord
from tests.fakediscord.validation import (
    Problem,
    assert_valid,
    validate_command_tree,
    validate_message_payload,
    validate_request,
)

__all__ = [
    "FakeDiscord",
    "GuildHandle",
    "InvalidOptionError",
    "NotPermittedError",
    "NotRegisteredError",
    "Problem",
    "Reply",
    "assert_valid",
    "validate_command_tree",
    "validate_message_payload",
    "validate_request",
]
