r"""Cards and their layout: a :class:`Card` -> ``discord.Embed`` pages that Discord accepts.

Builders describe a reply as a :class:`Card`: a title, a description and named
:class:`Section`\ s of lines. :func:`render` lays a card out into embeds within Discord's limits
(title 256, description 4096, 25 fields, field name 256, field value 1024, footer 2048, 6000
characters per message): long text is split at line or word boundaries into continuation fields
and pages, never cut off. Each page is one embed, sent alone, so every page stays under the
per-message total; the paginator view turns the pages. :func:`render_one` lays a card out as a
single message (the weekly post, a leaderboard page), saying where the rest is when it does not
fit. This is the one place that does embed size arithmetic.

Every fact is followed by a superscript marker of its source (``¹``..), and every page's footer
names the articles behind those markers (:class:`Citations`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

import discord

from content.limits import (  # Discord's limits (re-exported: tests check pages against them)
    DESCRIPTION_LIMIT,
    FIELD_NAME_LIMIT,
    FIELD_VALUE_LIMIT,
    FIELDS_LIMIT,
    FOOTER_LIMIT,
    MESSAGE_TOTAL_LIMIT,
    TITLE_LIMIT,
)
from content.models import (
    Point,
)
from content.text import clip

if TYPE_CHECKING:
    from bot.lookup import Guide


#: Room kept in every page for the "Page 12/12 · " footer prefix.
_PAGE_PREFIX_ROOM: Final = 20
#: Continuation marker for a field or description split over several fields or pages.
CONTINUED: Final = " (cont.)"


class Colour:
    """One colour per topic, so a reply is recognisable at a glance."""

    ROLE: Final = 0x5865F2
    TOOL: Final = 0x57F287
    SALARY: Final = 0xFEE75C
    CERT: Final = 0xEB459E
    ROADMAP: Final = 0xED4245
    OUTLOOK: Final = 0x3BA55C
    INFO: Final = 0x99AAB5


@dataclass(frozen=True)
class Section:
    """A named block of lines: becomes one field, or several when longer than a field holds."""

    name: str
    lines: tuple[str, ...]
    inline: bool = False


@dataclass(frozen=True)
class Card:
    """What a reply says, before it is laid out into embeds."""

    title: str
    description: str = ""
    sections: tuple[Section, ...] = ()
    #: Footer text (the sources), repeated on every page.
    footer: str = ""
    colour: int = Colour.INFO
    #: Where the title links to (first page only).
    url: str | None = None


@dataclass(frozen=True)
class Reply:
    """What a command sends: embed pages (one shown at a time) and/or a short text."""

    pages: tuple[discord.Embed, ...] = ()
    content: str | None = None
    ephemeral: bool = False


_SUPERSCRIPTS: Final = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


#: Words that start with a vowel letter but a consonant sound ("a user"), and the reverse.
_A_BEFORE: Final = ("one", "once", "uni", "use", "usu", "uti", "eu", "ew")
_AN_BEFORE: Final = ("hour", "honest", "honou", "heir")


def with_article(phrase: str) -> str:
    """``"an entry-level"``, ``"a mid-level"``, ``"an ML"``: the indefinite article by sound."""
    word = phrase.strip()
    lower = word.lower()
    if lower.startswith(_AN_BEFORE):
        article = "an"
    elif lower.startswith(_A_BEFORE):
        article = "a"
    elif word[:2].isupper():  # an initialism read letter by letter: "an ML", "a UX", "an SRE"
        article = "an" if word[:1] in "AEFHILMNORSX" else "a"
    else:
        article = "an" if lower[:1] in "aeiou" else "a"
    return f"{article} {phrase}"


def superscript(number: int) -> str:
    """``12`` -> ``"¹²"``."""
    return str(number).translate(_SUPERSCRIPTS)


@dataclass
class Citations:
    """Collects the sources a card cites; gives each fact its marker and the card its footer."""

    guide: Guide
    cited: set[str] = field(default_factory=set)

    def mark(self, sources: Iterable[str]) -> str:
        """`` ¹,³`` for a fact citing sources 1 and 3 (leading space included; the comma keeps
        it from reading as 13)."""
        files = set(sources)
        self.cited |= files
        numbers = sorted(self.guide.source_numbers[s] for s in files)
        return " " + ",".join(superscript(n) for n in numbers) if numbers else ""

    def add(self, sources: Iterable[str]) -> None:
        """Cite sources without a marker (for a card whose facts all come from them)."""
        self.cited.update(sources)

    def footer(self) -> str:
        """``Sources: ¹ Title · ³ Title`` in source order."""
        sources = [s for s in self.guide.catalog.sources if s.file in self.cited]
        if not sources:
            return ""
        numbers = self.guide.source_numbers
        return "Sources: " + " · ".join(
            f"{superscript(numbers[s.file])} {s.title}" for s in sources
        )


def bullets(points: Iterable[Point], cite: Citations) -> tuple[str, ...]:
    """One ``• text ¹`` line per point."""
    return tuple(f"• {p.text}{cite.mark(p.sources)}" for p in points)


def split_text(text: str, limit: int) -> list[str]:
    """Split ``text`` into chunks of at most ``limit`` characters, at line breaks if possible,
    else at spaces, else anywhere. Nothing is dropped except the line break or spaces at each
    cut."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        pieces = _split_line(line, limit)
        for piece in pieces:
            candidate = f"{current}\n{piece}" if current else piece
            if len(candidate) <= limit:
                current = candidate
            else:
                if current:
                    chunks.append(current)
                current = piece
    if current:
        chunks.append(current)
    return chunks


def _split_line(line: str, limit: int) -> list[str]:
    pieces: list[str] = []
    while len(line) > limit:
        cut = line.rfind(" ", 0, limit + 1)
        if cut <= 0:
            cut = limit
        pieces.append(line[:cut].rstrip())
        line = line[cut:].lstrip()
    pieces.append(line)
    return pieces


@dataclass
class _Page:
    title: str
    description: str = ""
    fields: list[tuple[str, str, bool]] = field(default_factory=list)

    def size(self) -> int:
        return (
            len(self.title)
            + len(self.description)
            + sum(len(name) + len(value) for name, value, _ in self.fields)
        )


#: Discord rejects blank field names and values; a zero-width space stands in for a blank name.
BLANK: Final = "\u200b"


def _fields_of(section: Section) -> list[tuple[str, str, bool]]:
    name = clip(section.name.strip(), FIELD_NAME_LIMIT - len(CONTINUED)) or BLANK
    chunks = [c for c in split_text("\n".join(section.lines), FIELD_VALUE_LIMIT) if c.strip()]
    return [
        (name if n == 0 else name + CONTINUED, chunk, section.inline)
        for n, chunk in enumerate(chunks)
    ]


def _budget(footer: str) -> int:
    """Characters a page may spend on title, description and fields."""
    return MESSAGE_TOTAL_LIMIT - len(footer) - _PAGE_PREFIX_ROOM - len(CONTINUED)


def _layout(card: Card) -> tuple[list[_Page], str]:
    """The card's pages (each within every limit) and the footer they share."""
    title = clip(card.title, TITLE_LIMIT)
    footer = clip(card.footer, FOOTER_LIMIT - _PAGE_PREFIX_ROOM)
    budget = _budget(footer)
    pages: list[_Page] = []
    description_budget = min(DESCRIPTION_LIMIT, budget - len(title))
    for chunk in split_text(card.description, description_budget):
        if not chunk.strip():
            continue
        pages.append(_Page(title=title, description=chunk))
    if not pages:
        pages.append(_Page(title=title))
    for section in card.sections:
        for name, value, inline in _fields_of(section):
            page = pages[-1]
            fits = (
                len(page.fields) < FIELDS_LIMIT and page.size() + len(name) + len(value) <= budget
            )
            if not fits:
                page = _Page(title=title)
                pages.append(page)
            page.fields.append((name, value, inline))
    return pages, footer


def _embed(card: Card, page: _Page, footer: str, number: int, total: int) -> discord.Embed:
    title = page.title if number == 1 else clip(page.title + CONTINUED, TITLE_LIMIT)
    embed = discord.Embed(
        title=title,
        description=page.description or None,
        colour=card.colour,
        url=card.url if number == 1 else None,
    )
    for name, value, inline in page.fields:
        embed.add_field(name=name, value=value, inline=inline)
    prefix = f"Page {number}/{total}" if total > 1 else ""
    text = " · ".join(part for part in (prefix, footer) if part)
    if text:
        embed.set_footer(text=text)
    return embed


def render(card: Card) -> list[discord.Embed]:
    """Lay ``card`` out into one or more embeds, each valid on its own as a whole message."""
    pages, footer = _layout(card)
    return [
        _embed(card, page, footer, number, len(pages)) for number, page in enumerate(pages, start=1)
    ]


def render_one(card: Card, overflow: tuple[str, str]) -> discord.Embed:
    """Lay ``card`` out as one embed (one message that cannot be paged, like the weekly post).

    Nothing is cut silently: when the card needs more than one page, the fields that do not
    fit are replaced by the ``overflow`` field (name, value) saying where the rest is.
    """
    pages, footer = _layout(card)
    first = pages[0]
    if len(pages) > 1:
        name, value = overflow
        while first.fields and (
            len(first.fields) >= FIELDS_LIMIT
            or first.size() + len(name) + len(value) > _budget(footer)
        ):
            first.fields.pop()
        first.fields.append((name, value, False))
    return _embed(card, first, footer, 1, 1)
