"""Tool cards: categories, one category, one tool (``/tools``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from content.models import (
    Tool,
    ToolCategory,
)

if TYPE_CHECKING:
    from bot.lookup import Guide
from bot.embeds.formatting import (
    IN_SHORT,
    NO_MARKERS_FOOTER,
    join_names,
)
from bot.embeds.layout import (
    Card,
    Citations,
    Colour,
    Section,
    bullets,
)


def tool_categories_card(guide: Guide) -> Card:
    """Every category with its tools' names."""
    catalog = guide.catalog
    cite = Citations(guide)
    sections = []
    for category in catalog.tool_categories:
        cite.add(category.sources)
        tools = catalog.tools_in(category.id)
        sections.append(
            Section(f"{category.name} ({len(tools)})", (join_names(t.name for t in tools),))
        )
    return Card(
        title="Tools by category",
        description=(
            "`/tools category:<category>` lists a category with what each tool is for; "
            "`/tools name:<tool>` shows one tool."
        ),
        sections=tuple(sections),
        footer=cite.footer(),
        colour=Colour.TOOL,
    )


def _tool_line(tool: Tool, cite: Citations) -> str:
    """What the articles say the tool is for (with its marker), else our words, in italics
    and labelled, with no marker."""
    if tool.used_for is not None:
        return f"• **{tool.name}** — {tool.used_for.text}{cite.mark(tool.used_for.sources)}"
    return f"• **{tool.name}** — *in short: {tool.purpose}*"


def tool_category_card(guide: Guide, category: ToolCategory) -> Card:
    """The tools of one category, each with what an article says it is for, or our one-liner
    (in italics, labelled "in short") when no article says."""
    cite = Citations(guide)
    lines = [_tool_line(tool, cite) for tool in guide.catalog.tools_in(category.id)]
    description = f"*{IN_SHORT} {category.description}*" if category.description else ""
    note = (
        "Lines with a small number are the articles' words; *in short* lines are ours. "
        "`/tools name:<tool>` for everything the articles say about one."
    )
    return Card(
        title=f"Tools: {category.name}",
        description=f"{description}\n{note}".strip(),
        sections=(Section("Tools", tuple(lines) or ("No tools in this category yet.",)),),
        footer=cite.footer() or NO_MARKERS_FOOTER,
        colour=Colour.TOOL,
    )


def tool_card(guide: Guide, tool: Tool) -> Card:
    """One tool: purpose, category, what the articles say, where the roadmap uses it."""
    catalog = guide.catalog
    cite = Citations(guide)
    category = catalog.tool_category(tool.category)
    description = f"*{IN_SHORT} {tool.purpose}*"
    if tool.aliases:
        description += f"\n*Also called:* {', '.join(tool.aliases)}"
    sections = [Section("Category", (category.name,), inline=True)]
    steps = guide.steps_by_tool.get(tool.id, ())
    if steps:
        sections.append(
            Section(
                "Roadmap steps",
                tuple(
                    f"{catalog.roadmap_step_number(s)}. {catalog.roadmap_step(s).name}"
                    for s in steps
                ),
                inline=True,
            )
        )
    weeks = guide.weeks_by_tool.get(tool.id, ())
    if weeks:
        sections.append(
            Section("Challenge weeks", (", ".join(f"Week {w}" for w in weeks),), inline=True)
        )
    said = (*((tool.used_for,) if tool.used_for else ()), *tool.notes)
    if said:
        sections.append(Section("What the articles say", bullets(said, cite)))
    else:
        sections.append(
            Section(
                "In the articles",
                (
                    f"{tool.name} is named in their lists of tools{cite.mark(tool.sources)}, "
                    "with no more detail.",
                ),
            )
        )
    return Card(
        title=tool.name,
        description=description,
        sections=tuple(sections),
        footer=cite.footer() or NO_MARKERS_FOOTER,
        colour=Colour.TOOL,
    )
