"""``/admin schedule``'s time-zone autocomplete and errors, as Discord receives them."""

from __future__ import annotations

import pytest
from discord import app_commands

from bot.cogs.admin import parse_schedule, zone_choices
from bot.errors import UserFacingError
from tests.fakediscord.validation import assert_valid, validate_interaction_callback


def assert_choices_valid(choices: list[app_commands.Choice[str]]) -> None:
    body = {
        "type": 8,  # APPLICATION_COMMAND_AUTOCOMPLETE_RESULT
        "data": {"choices": [{"name": c.name, "value": c.value} for c in choices]},
    }
    assert_valid(validate_interaction_callback(body))
    assert len(choices) <= 25


@pytest.mark.parametrize(
    ("typed", "first"),
    [
        ("IST", ["Asia/Kolkata", "Asia/Jerusalem", "Europe/Dublin"]),
        ("PST", ["America/Los_Angeles"]),
        ("BST", ["Europe/London"]),
        ("AEST", ["Australia/Sydney"]),
        ("CET", ["Europe/Berlin"]),
        ("CST", ["America/Chicago", "Asia/Shanghai", "America/Havana"]),
        ("japan", ["Asia/Tokyo"]),
        ("usa", ["America/New_York", "America/Chicago", "America/Denver"]),
    ],
)
def test_zone_autocomplete_offers_what_a_word_means_first(typed: str, first: list[str]) -> None:
    choices = zone_choices(typed)
    assert_choices_valid(choices)
    assert [c.value for c in choices[: len(first)]] == first
    assert all(c.name == c.value for c in choices)  # the IANA name is what is shown and sent


@pytest.mark.parametrize("typed", ["", "a", "x" * 100, "Europe/", "ist", "🙂", "America/"])
def test_zone_autocomplete_is_always_a_valid_payload(typed: str) -> None:
    assert_choices_valid(zone_choices(typed))


@pytest.mark.parametrize(
    ("zone", "key"),
    [("IST", "Asia/Kolkata"), ("germany", "Europe/Berlin"), ("pdt", "America/Los_Angeles")],
)
def test_schedule_accepts_abbreviations_and_countries(zone: str, key: str) -> None:
    assert parse_schedule("mon", "09:00", zone).zone.key == key


@pytest.mark.parametrize("zone", ["CST", "usa", "australia"])
def test_schedule_asks_for_ambiguous_zones(zone: str) -> None:
    with pytest.raises(UserFacingError, match="can mean several time zones") as caught:
        parse_schedule("mon", "09:00", zone)
    assert len(caught.value.message) < 2000
