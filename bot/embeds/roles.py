"""Role cards: the list of roles and one role (``/role``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

from content.models import (
    Comparison,
    Role,
)
from content.text import clip

if TYPE_CHECKING:
    from bot.lookup import Guide
from bot.embeds.formatting import (
    facts_text,
)
from bot.embeds.layout import (
    Card,
    Citations,
    Colour,
    Section,
    bullets,
)

ROLE_KIND_TITLES: Final = {
    "core": "The role",
    "related": "Related roles",
    "job-title": "Other job titles for ML engineering",
    "career-step": "Where an ML engineer can grow",
}


def role_list(guide: Guide) -> Card:
    """All roles, grouped by kind, each with the start of its summary."""
    cite = Citations(guide)
    sections = []
    for kind, heading in ROLE_KIND_TITLES.items():
        lines = []
        for role in guide.catalog.roles:
            if role.kind != kind:
                continue
            cite.add(role.sources)
            summary = f" — {_first_sentence(role.summary.text)}" if role.summary else ""
            lines.append(f"• **{role.name}**{summary}")
        if lines:
            sections.append(Section(heading, tuple(lines)))
    return Card(
        title="Roles in the career guide",
        description="Use `/role name:<role>` for a full card. Start typing to see matches.",
        sections=tuple(sections),
        footer=cite.footer(),
        colour=Colour.ROLE,
    )


def _first_sentence(text: str, limit: int = 200) -> str:
    end = text.find(". ")
    sentence = text if end == -1 else text[: end + 1]
    return clip(sentence, limit)


def comparison_lines(guide: Guide, comparison: Comparison, cite: Citations) -> tuple[str, ...]:
    """One line per row, so a row is never split across fields or pages: ``**Aspect** ¹ —
    ML Engineer: ... · Data Scientist: ...``."""
    catalog = guide.catalog
    left, right = catalog.role(comparison.left).name, catalog.role(comparison.right).name
    return tuple(
        f"**{row.aspect}**{cite.mark(row.sources)} — {left}: {row.left} · {right}: {row.right}"
        for row in comparison.rows
    )


def role_card(guide: Guide, role: Role) -> Card:
    """One role, grouped: what it is, what you do, what you need, how you grow; then the
    comparison tables it appears in. The core role also gets the headline outlook figures.

    Every bullet carries its own markers and the footer names only the articles marked on the
    card, so a role whose facts come from two articles cites two.
    """
    catalog = guide.catalog
    cite = Citations(guide)
    description = ""
    if role.summary is not None:
        description = role.summary.text + cite.mark(role.summary.sources)
    if role.aliases:
        description += f"\n*Also called:* {', '.join(role.aliases)}"
    sections: list[Section] = []

    def add(name: str, lines: Sequence[str]) -> None:
        if lines:
            sections.append(Section(name, tuple(lines)))

    add("What the role is", bullets(role.details, cite))
    add("What you do", bullets(role.responsibilities, cite))
    add("What you do: a typical day", bullets(role.day_in_the_life, cite))
    add("What you need: technical skills", bullets(role.technical_skills, cite))
    add("What you need: soft skills", bullets(role.soft_skills, cite))
    add("What you need: education", bullets(role.education, cite))
    add("Challenges of the role", bullets(role.challenges, cite))
    grow = []
    if role.career_path:
        grow.append("**Career path:** " + ", ".join(catalog.role(r).name for r in role.career_path))
    if role.job_titles:
        grow.append("**Other titles:** " + ", ".join(catalog.role(r).name for r in role.job_titles))
    if role.related_roles:
        grow.append(
            "**Works with:** " + ", ".join(catalog.role(r).name for r in role.related_roles)
        )
    if grow:
        grow.append("`/role name:<title>` shows what the articles say about each.")
    add("How you grow", grow)
    for comparison in catalog.comparisons:
        if role.id in (comparison.left, comparison.right):
            add(
                comparison.name,
                (*comparison_lines(guide, comparison, cite), *bullets(comparison.notes, cite)),
            )
    if role.kind == "core":
        headline = [fact for fact in catalog.outlook if fact.figure is not None]
        add(
            "Outlook",
            (
                *facts_text(headline, cite),
                "`/outlook` for demand, industries hiring and where pay is highest; "
                "`/salary` for every pay figure.",
            ),
        )
    return Card(
        title=role.name,
        description=description,
        sections=tuple(sections),
        footer=cite.footer(),
        colour=Colour.ROLE,
    )
