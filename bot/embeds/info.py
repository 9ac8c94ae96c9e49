"""The help card and the sources card (``/mlebot-help``, ``/about-sources``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.lookup import Guide
from bot.embeds.layout import (
    Card,
    Colour,
    Section,
    superscript,
)


def sources_card(guide: Guide) -> Card:
    """The articles behind the facts, with their numbers and how many facts cite each."""
    lines = []
    for source in guide.catalog.sources:
        number = superscript(guide.source_numbers[source.file])
        title = f"[{source.title}]({source.url})" if source.url else f"**{source.title}**"
        count = guide.facts_per_source.get(source.file, 0)
        line = f"{number} {title} — cited by {count} facts"
        if source.note:
            line += f"\n  *{source.note}*"
        lines.append(line)
    return Card(
        title="Where the facts come from",
        description=(
            "Every fact the bot shows cites one of these articles; the small numbers after a "
            "fact point here.\n\n" + "\n".join(lines)
        ),
        footer="Sources: the numbers match the small markers after facts in every reply.",
        colour=Colour.INFO,
    )


@dataclass(frozen=True)
class HelpEntry:
    """One command in ``/mlebot-help``: how to call it, what it does, examples."""

    usage: str
    what: str
    examples: tuple[str, ...]


def help_card(entries: Sequence[HelpEntry], intro: str) -> Card:
    """``/mlebot-help``: ``intro``, then one field per command with its examples."""
    sections = tuple(
        Section(entry.usage, (entry.what, *(f"`{example}`" for example in entry.examples)))
        for entry in entries
    )
    return Card(
        title="What I can do",
        description=intro,
        sections=sections,
        footer="Facts come from the articles listed by /about-sources.",
        colour=Colour.INFO,
    )
