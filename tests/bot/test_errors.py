"""The one app-command error handler: friendly ephemeral messages, reference ids for bugs."""

from __future__ import annotations

import logging
import re
from typing import Any

import discord
import pytest
from discord import app_commands

from bot.errors import (
    SERVER_ONLY,
    NotFoundError,
    UserFacingError,
    echo,
    on_app_command_error,
    reference_id,
    user_message,
)
from tests.bot.fakes import FakeInteraction


def _cooldown(retry_after: float) -> app_commands.CommandOnCooldown:
    return app_commands.CommandOnCooldown(app_commands.Cooldown(1, 10.0), retry_after)


def _invoke_error(exc: Exception) -> app_commands.CommandInvokeError:
    error = app_commands.CommandInvokeError.__new__(app_commands.CommandInvokeError)
    error.original = exc
    error.command = None  # type: ignore[assignment]
    return error


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (_cooldown(2.2), "try again in 3 s"),
        (_cooldown(0.01), "try again in 1 s"),
        (_invoke_error(UserFacingError("Nope.")), "Nope."),
        (_invoke_error(NotFoundError("tool", "zz", ["PyTorch"])), "Did you mean: **PyTorch**"),
        (app_commands.NoPrivateMessage(), "only works in a server"),
        (app_commands.CheckFailure(), "cannot use this command"),
    ],
)
def test_known_errors_have_a_short_message(error: Exception, expected: str) -> None:
    message = user_message(error)
    assert message is not None
    assert expected in message


def test_bugs_have_no_user_message() -> None:
    assert user_message(_invoke_error(KeyError("x"))) is None


def test_reference_ids_are_8_hex() -> None:
    assert re.fullmatch(r"[0-9a-f]{8}", reference_id())


def test_echo_is_short_and_inert() -> None:
    text = echo("@everyone " + "*" * 200)
    assert "@everyone" not in text
    assert len(text) < 200


async def _handle(interaction: FakeInteraction, error: Exception) -> None:
    await on_app_command_error(interaction, error)  # type: ignore[arg-type]


async def test_user_error_is_an_ephemeral_reply() -> None:
    interaction = FakeInteraction()
    await _handle(interaction, _invoke_error(UserFacingError("No tool matches “x”.")))
    [sent] = interaction.sent
    assert sent.via == "response.send_message"
    assert sent.args == ("No tool matches “x”.",)
    assert sent.kwargs == {"ephemeral": True}


async def test_cooldown_after_a_deferred_reply_uses_a_followup() -> None:
    interaction = FakeInteraction(done=True)
    await _handle(interaction, _cooldown(4.5))
    [sent] = interaction.sent
    assert sent.via == "followup.send"
    assert "try again in 5 s" in sent.args[0]
    assert sent.kwargs == {"ephemeral": True}


async def test_unexpected_error_is_logged_with_the_id_the_member_sees(
    caplog: pytest.LogCaptureFixture,
) -> None:
    interaction = FakeInteraction()
    with caplog.at_level(logging.ERROR, logger="bot.errors"):
        await _handle(interaction, _invoke_error(RuntimeError("database on fire")))
    [sent] = interaction.sent
    ref = re.search(r"`([0-9a-f]{8})`", sent.args[0])
    assert ref is not None
    assert "database on fire" not in sent.args[0]
    [record] = caplog.records
    assert ref.group(1) in record.getMessage()
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], RuntimeError)


async def test_handler_survives_a_failing_send(caplog: pytest.LogCaptureFixture) -> None:
    class Broken(FakeInteraction):
        def __post_init__(self) -> None:
            super().__post_init__()

            async def fail(*_args: Any, **_kwargs: Any) -> None:
                raise discord.NotFound(_Response(), "Unknown interaction")

            self.response.send_message = fail  # type: ignore[method-assign]

    interaction = Broken()
    await _handle(interaction, _invoke_error(UserFacingError("x")))
    assert "could not send the error reply" in caplog.text


class _Response:
    status = 404
    reason = "Not Found"


# --------------------------------------------------------------------------- server only


@pytest.mark.parametrize(
    "error",
    [
        app_commands.MissingPermissions(["manage_guild"]),  # /admin's run-time check in a DM
        app_commands.NoPrivateMessage(),
        app_commands.CheckFailure(),
    ],
    ids=["missing-permissions", "no-private-message", "check-failure"],
)
async def test_a_server_command_in_a_dm_says_server_only(error: Exception) -> None:
    interaction = FakeInteraction(guild_id=None)
    await _handle(interaction, error)
    [sent] = interaction.sent
    assert sent.args == (SERVER_ONLY,)
    assert sent.kwargs == {"ephemeral": True}
    assert "permission to use" not in SERVER_ONLY


async def test_in_a_server_a_missing_permission_is_still_a_missing_permission() -> None:
    interaction = FakeInteraction(guild_id=1)
    await _handle(interaction, app_commands.MissingPermissions(["manage_guild"]))
    [sent] = interaction.sent
    assert sent.args == ("You do not have the permission to use this command.",)


def test_in_a_dm_a_cooldown_or_a_user_error_keeps_its_message() -> None:
    assert "try again in 2 s" in (user_message(_cooldown(1.5), in_server=False) or "")
    assert user_message(_invoke_error(UserFacingError("Nope.")), in_server=False) == "Nope."
