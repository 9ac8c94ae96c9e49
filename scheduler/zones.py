"""Time zones as moderators type them: IANA names, abbreviations, countries and cities.

The one place that knows the zone names (:func:`zone_names`), the zones offered before anything
is typed (:data:`COMMON_ZONES`), what people write instead of an IANA name (:data:`ZONE_WORDS`),
how a typed value becomes a zone (:func:`parse_time_zone`) and how autocomplete ranks names
(:func:`rank_zones`). Pure: nothing is read before the first call.

How a typed value resolves (case, accents, spaces, ``_`` and ``-`` do not matter):

1. A word of :data:`ZONE_WORDS` (checked first, so "EST", "Japan" or "GB", which tzdata keeps as
   old fixed-offset or alias names, mean the zone a person means and are shown by its IANA
   name):

   * an abbreviation resolves to the zone most people mean by it ("IST" Asia/Kolkata, "PST" and
     "PDT" America/Los_Angeles, "CET" Europe/Berlin, "BST" Europe/London, "AEST"
     Australia/Sydney); its other meanings are offered in autocomplete right after it;
   * a country resolves to the zone on whose clock about four in five of its people live
     ("india", "germany", "japan", "brazil");
   * a word that has no such majority asks, listing the candidates, instead of guessing: "CST"
     (US Central, China, Cuba), "MST" (Denver or Phoenix, which has no summer time), "GMT"
     (London's clock or UTC all year), "usa", "canada", "australia", "mexico", "russia",
     "indonesia".

2. An IANA name ("Europe/Berlin", "america/new york").
3. A city that ends exactly one IANA name ("berlin", "new york", "kolkata").
4. Otherwise ``ValueError`` with up to three close names.

Hand-written because neither ``zoneinfo`` nor tzdata maps abbreviations or countries to zones
(abbreviations are not unique, and tzdata's country table, ``zone1970.tab``, is not installed
with the ``tzdata`` package and lists zones, not which one most people live on).
"""

from __future__ import annotations

import difflib
import unicodedata
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Final

from content.limits import MAX_CHOICES

__all__ = [
    "COMMON_ZONES",
    "MAX_ZONE_CHOICES",
    "ZONE_WORDS",
    "AmbiguousZoneError",
    "ZoneWord",
    "parse_time_zone",
    "rank_zones",
    "zone_names",
]

#: Entries of ``available_timezones()`` that are not places: "localtime" is whatever the host is
#: set to, "Factory" means "zone not configured" and "posixrules" is a tzcode detail.
NOT_A_PLACE: Final = frozenset({"localtime", "Factory", "posixrules"})

#: Offered when nothing is typed yet: one zone for each region most study groups are in.
COMMON_ZONES: Final = (
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Paris",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Africa/Lagos",
)

#: Discord's autocomplete takes at most 25 choices.
MAX_ZONE_CHOICES: Final = MAX_CHOICES


@dataclass(frozen=True)
class ZoneWord:
    """What a word such as "IST" or "germany" stands for."""

    #: The zone it resolves to; ``None``: ambiguous, the moderator is asked.
    zone: str | None
    #: Other zones it can mean: offered after ``zone`` in autocomplete, or asked about.
    others: tuple[str, ...] = ()

    @property
    def candidates(self) -> tuple[str, ...]:
        """Every zone the word can mean, the resolved one first."""
        return ((self.zone,) if self.zone else ()) + self.others


def _means(zone: str, *others: str) -> ZoneWord:
    return ZoneWord(zone, others)


def _ask(*candidates: str) -> ZoneWord:
    return ZoneWord(None, candidates)


_US = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
)
_CET = (
    "Europe/Paris",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Amsterdam",
    "Europe/Brussels",
    "Europe/Vienna",
    "Europe/Zurich",
    "Europe/Stockholm",
    "Europe/Warsaw",
    "Europe/Prague",
)

#: Groups of words (as typed, any case) and what they stand for; see the module docstring.
_WORD_GROUPS: tuple[tuple[tuple[str, ...], ZoneWord], ...] = (
    # Universal time. "GMT" is London's clock to some and UTC to others: asked.
    (("utc", "z", "zulu", "coordinated universal time"), _means("UTC")),
    (("gmt", "greenwich mean time"), _ask("Europe/London", "UTC")),
    # North America.
    (
        ("est", "edt", "et", "eastern time", "eastern"),
        _means("America/New_York", "America/Toronto"),
    ),
    (("cst",), _ask("America/Chicago", "Asia/Shanghai", "America/Havana")),
    (
        ("cdt", "ct", "central time", "us central", "central"),
        _means("America/Chicago", "America/Winnipeg", "America/Mexico_City"),
    ),
    (("mst",), _ask("America/Denver", "America/Phoenix")),
    (
        ("mdt", "mt", "mountain time", "mountain"),
        _means("America/Denver", "America/Edmonton", "America/Phoenix"),
    ),
    (("pst",), _means("America/Los_Angeles", "America/Vancouver", "Asia/Manila")),
    (("pdt", "pt", "pacific time", "pacific"), _means("America/Los_Angeles", "America/Vancouver")),
    (("akst", "akdt", "alaska"), _means("America/Anchorage")),
    (("hst", "hawaii"), _means("Pacific/Honolulu")),
    (("ast",), _ask("America/Halifax", "Asia/Riyadh", "America/Puerto_Rico")),
    (("adt", "atlantic time"), _means("America/Halifax")),
    (("nst", "ndt", "newfoundland"), _means("America/St_Johns")),
    (("usa", "us", "united states", "united states of america", "america"), _ask(*_US)),
    (
        ("canada",),
        _ask(
            "America/Toronto",
            "America/Vancouver",
            "America/Edmonton",
            "America/Winnipeg",
            "America/Halifax",
            "America/Regina",
            "America/St_Johns",
        ),
    ),
    (("mexico",), _ask("America/Mexico_City", "America/Tijuana", "America/Cancun")),
    (("san francisco", "seattle", "silicon valley"), _means("America/Los_Angeles")),
    (("boston", "washington", "washington dc", "miami", "atlanta"), _means("America/New_York")),
    (("austin", "dallas", "houston"), _means("America/Chicago")),
    # South America.
    (
        ("brazil", "brasil", "brt", "rio de janeiro", "brasilia"),
        _means("America/Sao_Paulo", "America/Manaus", "America/Rio_Branco", "America/Noronha"),
    ),
    (("argentina", "art"), _means("America/Argentina/Buenos_Aires")),
    (("chile",), _means("America/Santiago", "Pacific/Easter")),
    (("colombia",), _means("America/Bogota")),
    (("peru",), _means("America/Lima")),
    (("venezuela",), _means("America/Caracas")),
    # Europe.
    (("bst", "british summer time"), _means("Europe/London", "Asia/Dhaka")),
    (
        ("uk", "gb", "united kingdom", "great britain", "britain", "england", "scotland"),
        _means("Europe/London"),
    ),
    (("ireland", "eire"), _means("Europe/Dublin")),
    (("wet", "west", "western european time"), _means("Europe/Lisbon", "Atlantic/Canary")),
    (("portugal",), _means("Europe/Lisbon", "Atlantic/Azores")),
    (("cet", "cest", "met", "central european time"), _means("Europe/Berlin", *_CET)),
    (("germany", "deutschland", "munich", "frankfurt", "hamburg"), _means("Europe/Berlin")),
    (("france",), _means("Europe/Paris")),
    (("spain", "espana", "barcelona"), _means("Europe/Madrid", "Atlantic/Canary")),
    (("italy", "italia", "milan"), _means("Europe/Rome")),
    (("netherlands", "holland"), _means("Europe/Amsterdam")),
    (("belgium",), _means("Europe/Brussels")),
    (("switzerland",), _means("Europe/Zurich")),
    (("austria",), _means("Europe/Vienna")),
    (("poland",), _means("Europe/Warsaw")),
    (("czechia", "czech republic"), _means("Europe/Prague")),
    (("sweden",), _means("Europe/Stockholm")),
    (("norway",), _means("Europe/Oslo")),
    (("denmark",), _means("Europe/Copenhagen")),
    (("hungary",), _means("Europe/Budapest")),
    (
        ("eet", "eest", "eastern european time"),
        _means("Europe/Athens", "Europe/Bucharest", "Europe/Helsinki", "Europe/Kyiv"),
    ),
    (("greece",), _means("Europe/Athens")),
    (("romania",), _means("Europe/Bucharest")),
    (("finland",), _means("Europe/Helsinki")),
    (("ukraine", "kiev"), _means("Europe/Kyiv")),
    (("turkey", "turkiye", "trt"), _means("Europe/Istanbul")),
    (("msk", "moscow time"), _means("Europe/Moscow")),
    (
        ("russia",),
        _ask(
            "Europe/Moscow",
            "Asia/Yekaterinburg",
            "Asia/Novosibirsk",
            "Asia/Krasnoyarsk",
            "Asia/Vladivostok",
        ),
    ),
    # Africa and the Middle East.
    (("nigeria", "wat"), _means("Africa/Lagos")),
    (("kenya", "eat"), _means("Africa/Nairobi")),
    (("south africa", "sast"), _means("Africa/Johannesburg")),
    (("egypt",), _means("Africa/Cairo")),
    (("ghana",), _means("Africa/Accra")),
    (("ethiopia",), _means("Africa/Addis_Ababa")),
    (("morocco",), _means("Africa/Casablanca")),
    (("israel", "idt"), _means("Asia/Jerusalem")),
    (("uae", "united arab emirates", "gst"), _means("Asia/Dubai")),
    (("saudi arabia", "ksa"), _means("Asia/Riyadh")),
    (("iran", "irst"), _means("Asia/Tehran")),
    # Asia.
    (("ist", "indian standard time"), _means("Asia/Kolkata", "Asia/Jerusalem", "Europe/Dublin")),
    (
        (
            "india",
            "bharat",
            "bangalore",
            "bengaluru",
            "mumbai",
            "bombay",
            "delhi",
            "new delhi",
            "chennai",
            "hyderabad",
            "pune",
            "calcutta",
        ),
        _means("Asia/Kolkata"),
    ),
    (("pakistan", "pkt", "lahore", "islamabad"), _means("Asia/Karachi")),
    (("bangladesh",), _means("Asia/Dhaka")),
    (("sri lanka",), _means("Asia/Colombo")),
    (("nepal", "npt"), _means("Asia/Kathmandu")),
    (("china", "prc", "beijing", "shenzhen"), _means("Asia/Shanghai")),
    (("hong kong", "hongkong", "hkt"), _means("Asia/Hong_Kong")),
    (("taiwan", "roc"), _means("Asia/Taipei")),
    (("japan", "jst"), _means("Asia/Tokyo")),
    (("korea", "south korea", "rok", "kst"), _means("Asia/Seoul")),
    (("singapore", "sgt"), _means("Asia/Singapore")),
    (("malaysia", "myt"), _means("Asia/Kuala_Lumpur")),
    (("philippines", "pht"), _means("Asia/Manila")),
    (("vietnam", "viet nam"), _means("Asia/Ho_Chi_Minh")),
    (("thailand", "ict"), _means("Asia/Bangkok")),
    (("indonesia",), _ask("Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")),
    (("wib",), _means("Asia/Jakarta")),
    # Oceania.
    (
        ("aest", "aedt"),
        _means("Australia/Sydney", "Australia/Melbourne", "Australia/Brisbane", "Australia/Hobart"),
    ),
    (("acst", "acdt"), _means("Australia/Adelaide", "Australia/Darwin")),
    (("awst",), _means("Australia/Perth")),
    (
        ("australia",),
        _ask(
            "Australia/Sydney",
            "Australia/Melbourne",
            "Australia/Brisbane",
            "Australia/Adelaide",
            "Australia/Darwin",
            "Australia/Perth",
            "Australia/Hobart",
        ),
    ),
    (("new zealand", "nz", "nzst", "nzdt"), _means("Pacific/Auckland")),
)


def normalise_zone_text(text: str) -> str:
    """``" São_Paulo "`` -> ``"sao paulo"``: casefold, no accents, ``_``/``-``/``/`` as spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    for separator in "_-/.":
        stripped = stripped.replace(separator, " ")
    return " ".join(stripped.casefold().split())


def _words() -> dict[str, ZoneWord]:
    table: dict[str, ZoneWord] = {}
    for words, meaning in _WORD_GROUPS:
        for word in words:
            key = normalise_zone_text(word)
            if key in table:
                raise ValueError(f"time-zone word {word!r} is listed twice")
            table[key] = meaning
    return table


#: Normalised word -> what it stands for (abbreviations, countries, big cities off tzdata).
ZONE_WORDS: Mapping[str, ZoneWord] = _words()


class AmbiguousZoneError(ValueError):
    """A word that names several zones ("CST"): the moderator picks one of ``candidates``."""

    def __init__(self, text: str, candidates: tuple[str, ...]) -> None:
        self.text = text
        self.candidates = candidates
        super().__init__(
            f"{text!r} can mean several time zones: {', '.join(candidates)}. "
            "Pick the one for your group from the list as you type."
        )


@lru_cache(maxsize=1)
def zone_names() -> tuple[str, ...]:
    """Every IANA zone name tzdata knows, sorted, without the entries that are not places."""
    return tuple(sorted(zoneinfo.available_timezones() - NOT_A_PLACE))


@lru_cache(maxsize=1)
def _by_normalised_name() -> dict[str, str]:
    return {normalise_zone_text(name): name for name in zone_names()}


@lru_cache(maxsize=1)
def _by_city() -> dict[str, tuple[str, ...]]:
    """``"new york"`` -> ``("America/New_York",)``: the last part of each slash-name."""
    found: dict[str, list[str]] = {}
    for name in zone_names():
        if "/" in name:
            found.setdefault(normalise_zone_text(name.rsplit("/", 1)[1]), []).append(name)
    return {city: tuple(names) for city, names in found.items()}


def parse_time_zone(text: str) -> zoneinfo.ZoneInfo:
    """What a moderator typed -> ``ZoneInfo`` (rules in the module docstring).

    ``"Europe/Berlin"``, ``"IST"`` (Asia/Kolkata), ``"germany"``, ``"new york"``. Raises
    :class:`AmbiguousZoneError` (a ``ValueError``) for words that name several zones and
    ``ValueError`` with up to three close names for anything else; both messages can be shown to
    the moderator as they are.
    """
    key = normalise_zone_text(text)
    word = ZONE_WORDS.get(key)
    if word is not None:
        if word.zone is None:
            raise AmbiguousZoneError(text.strip(), word.candidates)
        return zoneinfo.ZoneInfo(word.zone)
    name = _by_normalised_name().get(key) or _city_zone(text, key)
    if name is None:
        raise ValueError(f"{text.strip()!r} is not a known time zone.{_hint(key)}")
    return zoneinfo.ZoneInfo(name)


#: First parts of the names tzdata files places under (the others, "US/", "Canada/"...,
#: are older aliases): preferred when several names of one city keep the same clock.
_REGIONS: Final = frozenset(
    {"Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe", "Indian"}
    | {"Pacific"}
)


def _city_zone(text: str, key: str) -> str | None:
    """The zone a city's name ends; several names of one clock (aliases such as
    America/Buenos_Aires) pick one, several clocks ask."""
    cities = _by_city().get(key, ())
    if len(cities) > 1 and not _same_clock(cities):
        raise AmbiguousZoneError(text.strip(), cities)
    ranked = sorted(
        cities, key=lambda name: (name.split("/", 1)[0] not in _REGIONS, -name.count("/"), name)
    )
    return ranked[0] if ranked else None


def _same_clock(names: tuple[str, ...]) -> bool:
    """Whether the zones agree on the UTC offset on the 1st of every month, 1970-2037."""
    zones = [zoneinfo.ZoneInfo(name) for name in names]
    for year in range(1970, 2038):
        for month in range(1, 13):
            instant = datetime(year, month, 1, 12, tzinfo=UTC)
            if len({instant.astimezone(zone).utcoffset() for zone in zones}) > 1:
                return False
    return True


def _hint(key: str) -> str:
    names = _by_normalised_name()
    close = difflib.get_close_matches(key, [*names, *ZONE_WORDS], n=3, cutoff=0.6)
    suggested: list[str] = []
    for found in close:
        zone = names.get(found) or ZONE_WORDS[found].zone or ZONE_WORDS[found].candidates[0]
        if zone not in suggested:
            suggested.append(zone)
    if suggested:
        return " Did you mean " + " or ".join(suggested) + "?"
    return " Use an IANA name such as Europe/Berlin, America/New_York or Asia/Kolkata."


def rank_zones(typed: str, limit: int = MAX_ZONE_CHOICES) -> list[str]:
    """Zone names for autocomplete, best first, at most ``min(limit, 25)``.

    Nothing typed: :data:`COMMON_ZONES`. Otherwise, in order: what a word of
    :data:`ZONE_WORDS` means ("IST": Asia/Kolkata, then Asia/Jerusalem and Europe/Dublin),
    names that start with the text, cities that start with it, what words starting with it
    mean ("germ": Europe/Berlin), then names containing it.
    """
    limit = min(limit, MAX_ZONE_CHOICES)
    key = normalise_zone_text(typed)
    if not key:
        return list(COMMON_ZONES[:limit])
    ranked: dict[str, None] = {}
    word = ZONE_WORDS.get(key)
    if word is not None:
        ranked.update(dict.fromkeys(word.candidates))
    names = _by_normalised_name()
    ranked.update(dict.fromkeys(n for k, n in names.items() if k.startswith(key)))
    for city, zones in _by_city().items():
        if city.startswith(key):
            ranked.update(dict.fromkeys(zones))
    if len(key) >= 3:
        for other, meaning in ZONE_WORDS.items():
            if other.startswith(key):
                ranked.update(dict.fromkeys(meaning.candidates))
    ranked.update(dict.fromkeys(n for k, n in names.items() if key in k))
    return list(ranked)[:limit]
