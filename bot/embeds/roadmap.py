"""Roadmap cards: the overview and one step (``/roadmap``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from content.models import (
    Challenge,
    Resource,
    RoadmapStep,
)

if TYPE_CHECKING:
    from bot.lookup import Guide
from bot.embeds.formatting import (
    IN_SHORT,
    join_names,
)
from bot.embeds.layout import (
    Card,
    Citations,
    Colour,
    Section,
    bullets,
)

RESOURCE_KIND_TITLES: Final = {
    "course": "Courses",
    "book": "Books",
    "platform": "Learning platforms",
    "conference": "Conferences",
    "journal": "Journals",
    "community": "Communities",
}


def _weeks_text(guide: Guide, step: RoadmapStep) -> str:
    weeks = [guide.catalog.challenge(c).week for c in guide.challenges_by_step.get(step.id, ())]
    return (
        " · Week " + ", ".join(str(w) for w in weeks)
        if len(weeks) == 1
        else (" · Weeks " + ", ".join(str(w) for w in weeks) if weeks else "")
    )


def roadmap_overview(guide: Guide) -> Card:
    """The steps in order, each with its summary and challenge weeks, then every resource."""
    catalog = guide.catalog
    cite = Citations(guide)
    lines = []
    for number, step in enumerate(catalog.roadmap, start=1):
        lines.append(f"**{number}. {step.name}**{_weeks_text(guide, step)}\n*{step.summary}*")
    sections = []
    for kind, heading in RESOURCE_KIND_TITLES.items():
        resources = [r for r in catalog.resources if r.kind == kind]
        if resources:
            sections.append(
                Section(
                    heading,
                    tuple(f"• {_resource_text(r, cite)}" for r in resources),
                )
            )
    return Card(
        title="The ML engineer learning roadmap",
        description="\n".join(lines)
        + "\n\nStep summaries in italics are ours; `/roadmap step:<step>` shows what the "
        "articles say about each step, with its sources.",
        sections=tuple(sections),
        footer=cite.footer(),
        colour=Colour.ROADMAP,
    )


def _resource_text(resource: Resource, cite: Citations) -> str:
    """``**Name** — author or provider: what the articles say ¹``."""
    by = resource.author or resource.provider
    text = f"**{resource.name}**" + (f" — {by}" if by else "")
    notes = "; ".join(note.text for note in resource.notes)
    if notes:
        text += f": {notes}"
    sources = [*resource.sources, *(s for note in resource.notes for s in note.sources)]
    return text + cite.mark(sources)


def roadmap_step_card(guide: Guide, step: RoadmapStep) -> Card:
    """One step: summary, skills, resources, tools, certifications, challenge weeks, and how
    each article words it."""
    catalog = guide.catalog
    cite = Citations(guide)
    number = catalog.roadmap_step_number(step.id)
    sections: list[Section] = []
    if step.skills:
        sections.append(Section("Skills", bullets(step.skills, cite)))
    if step.resources:
        sections.append(
            Section(
                "Resources",
                tuple(f"• {_resource_text(catalog.resource(r), cite)}" for r in step.resources),
            )
        )
    if step.tools:
        sections.append(Section("Tools", (join_names(catalog.tool(t).name for t in step.tools),)))
    if step.certifications:
        sections.append(
            Section(
                "Certifications",
                tuple(f"• {catalog.certification(c).name}" for c in step.certifications),
            )
        )
    challenges = [catalog.challenge(c) for c in guide.challenges_by_step.get(step.id, ())]
    if challenges:
        sections.append(Section("Challenge weeks", tuple(_challenge_line(c) for c in challenges)))
    if step.source_steps:
        sections.append(
            Section(
                "In the articles",
                tuple(f"• {s.label}{cite.mark([s.source])}" for s in step.source_steps),
            )
        )
    return Card(
        title=f"Step {number} of {len(catalog.roadmap)}: {step.name}",
        description=f"*{IN_SHORT} {step.summary}*",
        sections=tuple(sections),
        footer=cite.footer(),
        colour=Colour.ROADMAP,
    )


def _challenge_line(challenge: Challenge) -> str:
    head = f"**Week {challenge.week}: {challenge.name}** ({challenge.points} pts)"
    return f"{head} — {challenge.summary}"
