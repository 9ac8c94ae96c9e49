"""Time zones as moderators type them: abbreviations, countries, cities, IANA names."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler import planning, zones
from scheduler.planning import WeeklySchedule
from scheduler.zones import (
    COMMON_ZONES,
    MAX_ZONE_CHOICES,
    ZONE_WORDS,
    AmbiguousZoneError,
    normalise_zone_text,
    parse_time_zone,
    rank_zones,
    zone_names,
)


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        # abbreviations: the zone most people mean, with its summer time
        ("IST", "Asia/Kolkata"),
        ("ist", "Asia/Kolkata"),
        ("PST", "America/Los_Angeles"),
        ("PDT", "America/Los_Angeles"),
        ("EST", "America/New_York"),  # not tzdata's fixed-offset "EST"
        ("CET", "Europe/Berlin"),
        ("CEST", "Europe/Berlin"),
        ("BST", "Europe/London"),
        ("AEST", "Australia/Sydney"),
        ("JST", "Asia/Tokyo"),
        ("utc", "UTC"),
        # countries with one clock for (nearly) everyone
        ("india", "Asia/Kolkata"),
        ("Germany", "Europe/Berlin"),
        ("japan", "Asia/Tokyo"),  # not tzdata's alias "Japan"
        ("brazil", "America/Sao_Paulo"),
        ("United Kingdom", "Europe/London"),
        ("GB", "Europe/London"),
        ("new zealand", "Pacific/Auckland"),
        ("Nigeria", "Africa/Lagos"),
        # cities: big ones tzdata does not name, and any city that ends an IANA name
        ("Bangalore", "Asia/Kolkata"),
        ("san francisco", "America/Los_Angeles"),
        ("kolkata", "Asia/Kolkata"),
        ("new york", "America/New_York"),
        ("New_York", "America/New_York"),
        ("São Paulo", "America/Sao_Paulo"),
        ("berlin", "Europe/Berlin"),
        # IANA names, forgiving about case and spaces
        ("Europe/Berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        (" America/New York ", "America/New_York"),
        ("Asia/Kathmandu", "Asia/Kathmandu"),
        ("Etc/GMT-5", "Etc/GMT-5"),
        ("Etc/GMT+5", "Etc/GMT+5"),
        ("US/Eastern", "US/Eastern"),
    ],
)
def test_typed_zone_resolves_to_the_iana_zone_a_person_means(typed: str, zone: str) -> None:
    found = parse_time_zone(typed)
    assert found is ZoneInfo(zone)
    assert found.key == zone  # what the bot shows back
    assert planning.parse_time_zone is parse_time_zone


@pytest.mark.parametrize(
    ("typed", "candidates"),
    [
        ("CST", ("America/Chicago", "Asia/Shanghai")),
        ("MST", ("America/Denver", "America/Phoenix")),
        ("GMT", ("Europe/London", "UTC")),
        ("usa", ("America/New_York", "America/Los_Angeles")),
        ("US", ("America/Chicago",)),
        ("united states", ("America/Denver",)),
        ("Australia", ("Australia/Sydney", "Australia/Perth")),
        ("canada", ("America/Toronto", "America/Vancouver")),
        ("russia", ("Europe/Moscow",)),
        ("indonesia", ("Asia/Jakarta",)),
    ],
)
def test_ambiguous_words_ask_with_the_candidates(typed: str, candidates: tuple[str, ...]) -> None:
    with pytest.raises(AmbiguousZoneError) as caught:
        parse_time_zone(typed)
    error = caught.value
    assert set(candidates) <= set(error.candidates)
    assert 2 <= len(error.candidates) <= 10
    message = str(error)
    assert all(zone in message for zone in error.candidates)
    assert "can mean several time zones" in message
    assert len(message) < 400


def test_an_ambiguous_word_is_a_value_error_for_the_schedule_parser() -> None:
    with pytest.raises(ValueError, match="'CST' can mean several time zones: America/Chicago"):
        WeeklySchedule.from_strings("mon", "09:00", "CST")


def test_a_schedule_in_ist_is_shown_with_the_iana_name() -> None:
    schedule = WeeklySchedule.from_strings("mon", "09:00", "IST")
    assert schedule.describe() == "Monday 09:00 (Asia/Kolkata)"


def test_city_aliases_of_one_clock_pick_a_name_instead_of_asking() -> None:
    # tzdata has both America/Argentina/Buenos_Aires and its old alias America/Buenos_Aires.
    assert parse_time_zone("buenos aires").key == "America/Argentina/Buenos_Aires"
    assert zones._same_clock(("America/Argentina/Buenos_Aires", "America/Buenos_Aires"))
    assert not zones._same_clock(("Europe/Berlin", "Europe/London"))


def test_a_city_on_two_clocks_asks(monkeypatch: pytest.MonkeyPatch) -> None:
    cities = {"springfield": ("America/Chicago", "America/New_York")}
    monkeypatch.setattr(zones, "_by_city", lambda: cities)
    with pytest.raises(AmbiguousZoneError) as caught:
        parse_time_zone("Springfield")
    assert caught.value.candidates == ("America/Chicago", "America/New_York")


@pytest.mark.parametrize(
    ("typed", "hint"),
    [
        ("Europe/Berln", "Did you mean Europe/Berlin"),
        ("germny", "Did you mean Europe/Berlin"),
        ("kolkatta", "Did you mean Asia/Kolkata"),
        ("Mars/Olympus", "Use an IANA name such as Europe/Berlin"),
    ],
)
def test_unknown_zone_suggests_close_names(typed: str, hint: str) -> None:
    with pytest.raises(ValueError, match=f"'{typed}' is not a known time zone. {hint}"):
        parse_time_zone(typed)


@pytest.mark.parametrize(
    "typed", ["", "  ", "../etc/passwd", "/etc/localtime", "localtime", "Factory", "posixrules"]
)
def test_unknown_or_unsafe_text_is_not_a_zone(typed: str) -> None:
    with pytest.raises(ValueError, match="is not a known time zone"):
        parse_time_zone(typed)


def test_zone_names_are_places_only() -> None:
    names = zone_names()
    assert not {"localtime", "Factory", "posixrules"} & set(names)
    assert list(names) == sorted(names)
    assert {"UTC", "Europe/Berlin", "Asia/Kolkata"} <= set(names)


def test_every_zone_the_tables_name_exists() -> None:
    names = set(zone_names())
    assert set(COMMON_ZONES) <= names
    for word, meaning in ZONE_WORDS.items():
        assert set(meaning.candidates) <= names, word
        assert len(set(meaning.candidates)) == len(meaning.candidates), word
        if meaning.zone is None:
            assert len(meaning.candidates) >= 2, word
            assert len(meaning.candidates) <= MAX_ZONE_CHOICES, word
        assert word == normalise_zone_text(word)


def test_every_iana_name_resolves_to_itself_unless_a_word_means_more() -> None:
    """Only names that are also words ("EST", "Japan", "GMT") resolve elsewhere or ask."""
    for name in zone_names():
        if normalise_zone_text(name) in ZONE_WORDS:
            continue
        assert parse_time_zone(name).key == name


# --------------------------------------------------------------------------- autocomplete


@pytest.mark.parametrize(
    ("typed", "first"),
    [
        ("", COMMON_ZONES[:3]),
        ("IST", ("Asia/Kolkata", "Asia/Jerusalem", "Europe/Dublin")),
        ("ist", ("Asia/Kolkata",)),
        ("CST", ("America/Chicago", "Asia/Shanghai", "America/Havana")),
        ("pdt", ("America/Los_Angeles",)),
        ("aest", ("Australia/Sydney",)),
        ("india", ("Asia/Kolkata",)),
        ("germ", ("Europe/Berlin",)),
        ("berl", ("Europe/Berlin",)),
        ("new y", ("America/New_York",)),
        ("kolk", ("Asia/Kolkata",)),
        ("Europe/", ("Europe/Amsterdam",)),
        ("sao pa", ("America/Sao_Paulo",)),
    ],
)
def test_rank_zones_puts_the_meant_zone_first(typed: str, first: tuple[str, ...]) -> None:
    ranked = rank_zones(typed)
    assert tuple(ranked[: len(first)]) == first


def test_rank_zones_of_nothing_is_the_common_list_and_of_nonsense_is_empty() -> None:
    assert rank_zones("") == list(COMMON_ZONES)
    assert rank_zones("zzz-no-such-zone") == []
    assert len(rank_zones("a")) == MAX_ZONE_CHOICES
    assert len(rank_zones("a", limit=500)) == MAX_ZONE_CHOICES


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_rank_zones_gives_at_most_25_distinct_known_names(typed: str) -> None:
    ranked = rank_zones(typed)
    assert len(ranked) <= MAX_ZONE_CHOICES
    assert len(set(ranked)) == len(ranked)
    assert set(ranked) <= set(zone_names())
    assert all(1 <= len(name) <= 100 for name in ranked)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=64))
def test_parse_time_zone_returns_a_zone_or_a_short_value_error(typed: str) -> None:
    try:
        key = parse_time_zone(typed).key
    except ValueError as error:
        key, message = None, str(error)
    else:
        message = ""
    assert key is None or key in zone_names()
    assert len(message) < 600
