"""Pure rendering: content models -> ``discord.Embed`` pages that Discord accepts.

Builders (``role_card``, ``salary_overview``...) describe a reply as a :class:`Card`: a title,
a description and named :class:`Section`s of lines. :func:`render` lays a card out into embeds
within Discord's limits (title 256, description 4096, 25 fields, field name 256, field value
1024, footer 2048, 6000 characters per message): long text is split at line or word boundaries
into continuation fields and pages, never cut off. Each page is one embed, sent alone, so every
page stays under the per-message total; the paginator view turns the pages.

Every fact is followed by a superscript marker of its source (``¹``..), and every page's footer
names the articles behind those markers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Final

import discord

from bot.lookup import UNSTATED_LABEL
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
    Certification,
    Challenge,
    Comparison,
    Fact,
    Industry,
    Point,
    Resource,
    RoadmapStep,
    Role,
    Salary,
    Tool,
    ToolCategory,
)
from content.salaries import SalarySelection, relevant_notes
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


# --------------------------------------------------------------------------- cards


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


# --------------------------------------------------------------------------- layout


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


def render(card: Card) -> list[discord.Embed]:
    """Lay ``card`` out into one or more embeds, each valid on its own as a whole message."""
    title = clip(card.title, TITLE_LIMIT)
    footer = clip(card.footer, FOOTER_LIMIT - _PAGE_PREFIX_ROOM)
    budget = MESSAGE_TOTAL_LIMIT - len(footer) - _PAGE_PREFIX_ROOM - len(CONTINUED)
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
    embeds = []
    for number, page in enumerate(pages, start=1):
        page_title = page.title if number == 1 else clip(page.title + CONTINUED, TITLE_LIMIT)
        embed = discord.Embed(
            title=page_title, description=page.description or None, colour=card.colour
        )
        for name, value, inline in page.fields:
            embed.add_field(name=name, value=value, inline=inline)
        prefix = f"Page {number}/{len(pages)}" if len(pages) > 1 else ""
        text = " · ".join(part for part in (prefix, footer) if part)
        if text:
            embed.set_footer(text=text)
        embeds.append(embed)
    return embeds


# --------------------------------------------------------------------------- formatting

CURRENCY_SYMBOLS: Final = {"USD": "$", "GBP": "£", "EUR": "€", "INR": "₹", "JPY": "¥"}
PERIOD_WORDS: Final = {"year": "per year", "month": "per month", "hour": "per hour"}
PERIOD_SHORT: Final = {"year": "/yr", "month": "/mo", "hour": "/h"}
LEVEL_LABELS: Final = {"entry": "Entry", "mid": "Mid", "senior": "Senior", None: "Any level"}
LEVEL_ORDER: Final = {"entry": 0, "mid": 1, "senior": 2, None: 3}
LAKH: Final = Decimal(100_000)


def _number(value: Decimal) -> str:
    """``Decimal("14.50")`` -> ``"14.5"``; ``Decimal("110")`` -> ``"110"``."""
    text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def money_range(salary: Salary) -> str:
    """Compact figure for tables: ``$110K–170K/yr``, ``₹7–12 LPA``, ``$40–120/h``, ``+`` kept."""
    symbol = CURRENCY_SYMBOLS.get(salary.currency, salary.currency + " ")
    values = [v for v in (salary.min, salary.max, salary.amount) if v is not None]
    plus = "+" if salary.open_ended else ""
    if salary.currency == "INR" and salary.period == "year" and all(v >= LAKH for v in values):
        text = "–".join(_number(v / LAKH) for v in values)
        return f"{symbol}{text}{plus} LPA"
    if all(v >= 1000 for v in values):
        text = "–".join(_number(v / 1000) + "K" for v in values)
    else:
        text = "–".join(_number(v) for v in values)
    return f"{symbol}{text}{plus}{PERIOD_SHORT[salary.period]}"


def money_exact(salary: Salary) -> str:
    """Full figure: ``$90,000 – $120,000+ per year``."""
    symbol = CURRENCY_SYMBOLS.get(salary.currency, salary.currency + " ")
    values = [v for v in (salary.min, salary.max, salary.amount) if v is not None]
    text = " – ".join(
        f"{symbol}{v:,.0f}" if v == v.to_integral() else f"{symbol}{v:,}" for v in values
    )
    plus = "+" if salary.open_ended else ""
    return f"{text}{plus} {PERIOD_WORDS[salary.period]}"


def join_names(names: Iterable[str], empty: str = "—") -> str:
    """Names joined with commas, or ``empty`` when there are none."""
    text = ", ".join(names)
    return text or empty


# --------------------------------------------------------------------------- roles

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


#: Footer of a card that states nothing from an article (only our words and names).
_NO_MARKERS_FOOTER: Final = "Lines without a small number are our words. Sources: /about-sources"
#: Label of text that is ours, not an article's: shown without a source marker.
IN_SHORT: Final = "In short (our words):"


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


# --------------------------------------------------------------------------- tools


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
        footer=cite.footer() or _NO_MARKERS_FOOTER,
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
        footer=cite.footer() or _NO_MARKERS_FOOTER,
        colour=Colour.TOOL,
    )


# --------------------------------------------------------------------------- salaries


def _region_label(region: str | None) -> str:
    return region if region is not None else UNSTATED_LABEL


def _salary_sort_key(salary: Salary) -> int:
    return LEVEL_ORDER[salary.level]


def salary_overview(guide: Guide, salaries: Sequence[Salary] | None = None) -> Card:
    """Every figure, grouped by region (one short line per figure, phone-friendly), and once,
    at the end, what the articles behind those figures say moves pay."""
    catalog = guide.catalog
    salaries = catalog.salaries if salaries is None else salaries
    cite = Citations(guide)
    regions: dict[str | None, list[Salary]] = {}
    for salary in salaries:
        regions.setdefault(salary.region, []).append(salary)
    sections = []
    for region, figures in regions.items():
        lines = tuple(
            f"{LEVEL_LABELS[s.level]} · **{money_range(s)}**{cite.mark(s.sources)}"
            for s in sorted(figures, key=_salary_sort_key)
        )
        sections.append(Section(_region_label(region), lines, inline=True))
    notes = facts_text(relevant_notes(catalog.salary_notes, salaries), cite)
    if notes:
        sections.append(Section(GOOD_TO_KNOW, notes))
    return Card(
        title="ML engineer salaries by region",
        description=(
            "Each figure exactly as one article states it (never averaged). "
            "`/salary region:<region> level:<level>` shows the wording, period and source."
        ),
        sections=tuple(sections),
        footer=cite.footer(),
        colour=Colour.SALARY,
    )


#: Heading of the notes on what moves pay; shown once per reply, after the figures.
GOOD_TO_KNOW: Final = "Good to know"


def salary_detail_lines(salary: Salary, guide: Guide, cite: Citations) -> tuple[str, ...]:
    """The lines of one figure: amount and period, the article's words with its marker, our
    note (labelled), its source by title."""
    titles = ", ".join(f"*{guide.catalog.source(s).title}*" for s in salary.sources)
    lines = [
        f"**{money_exact(salary)}**",
        f"As stated: “{salary.as_stated}” ({salary.framing}){cite.mark(salary.sources)}",
    ]
    if salary.note:
        lines.append(f"*Our note: {salary.note}*")
    lines.append(f"Source: {titles}")
    return tuple(lines)


def salary_detail(
    guide: Guide,
    title: str,
    selection: SalarySelection,
    intro: str = "",
) -> Card:
    """Figures with their wording, period and source: the exact ones first, then the closest
    ones, each headed by what it is ("Closest: level stated, region not stated"). "Good to
    know" follows once, with only the notes of the articles whose figures are shown."""
    cite = Citations(guide)
    sections = []
    for group in selection.groups:
        figures = sorted(group.salaries, key=_salary_sort_key)
        for salary in figures:
            level = salary.level_as_stated or LEVEL_LABELS[salary.level]
            name = f"{_region_label(salary.region)} · {level} · {money_range(salary)}"
            if group.label is not None:
                kind = "Related" if selection.exact else "Closest"
                name = f"{kind} ({group.label}): {name}"
            sections.append(Section(name, salary_detail_lines(salary, guide, cite)))
    notes = facts_text(relevant_notes(guide.catalog.salary_notes, selection.salaries), cite)
    if notes:
        sections.append(Section(GOOD_TO_KNOW, notes))
    return Card(
        title=title,
        description=intro,
        sections=tuple(sections),
        footer=cite.footer(),
        colour=Colour.SALARY,
    )


# --------------------------------------------------------------------------- outlook

#: ``/outlook topic:`` values and their headings, in display order.
OUTLOOK_TOPICS: Final = {
    "growth": "Job growth and demand",
    "demand": "Why the demand",
    "industries": "Industries hiring",
    "salaries": "Where salaries are highest",
    "future": "What comes next",
}


def industry_line(industry: Industry, cite: Citations) -> str:
    """``• **Finance**: credit scoring, fraud detection ¹; fraud detection and risk ⁴; ...``:
    each use or employer with its own article, never one merged citation."""
    parts = [f"{p.text}{cite.mark(p.sources)}" for p in industry.uses]
    parts += [f"employers: {p.text}{cite.mark(p.sources)}" for p in industry.employers]
    return f"• **{industry.name}**: " + "; ".join(parts)


def _pay_lines(salaries: Sequence[Salary], cite: Citations, *, top_only: bool) -> list[str]:
    """Each region's figures as stated (only its highest with ``top_only``), regions in the
    order the content lists them. Currencies are not converted, so regions are not ranked."""

    def top(salary: Salary) -> Decimal:
        return salary.max or salary.amount or salary.min or Decimal(0)

    shown: dict[str | None, list[Salary]] = {}
    for salary in salaries:
        shown.setdefault(salary.region, []).append(salary)
    if top_only:
        shown = {region: [max(figures, key=top)] for region, figures in shown.items()}
    return [
        f"• {_region_label(s.region)}: {'up to ' if top_only else ''}**{money_range(s)}** "
        f"({s.level_as_stated or LEVEL_LABELS[s.level].lower()}){cite.mark(s.sources)}"
        for figures in shown.values()
        for s in sorted(figures, key=_salary_sort_key)
    ]


def outlook_card(
    guide: Guide,
    topics: Sequence[str] | None = None,
    region: str | None = None,
    regional: Sequence[Salary] | None = None,
) -> Card:
    """Is this a good career, and where are the jobs: growth figures, why demand is high,
    industries hiring, where pay is highest, what comes next; each statement with its source.

    ``topics`` limits the card to some of :data:`OUTLOOK_TOPICS`; ``region`` (with its
    ``regional`` salary figures) narrows the pay section, and the card says that the articles
    give their growth and demand figures for no region.
    """
    catalog = guide.catalog
    cite = Citations(guide)
    chosen = list(OUTLOOK_TOPICS) if not topics else [t for t in OUTLOOK_TOPICS if t in topics]
    sections: list[Section] = []
    for topic in chosen:
        heading = OUTLOOK_TOPICS[topic]
        if topic in ("growth", "demand", "future"):
            facts = [fact for fact in catalog.outlook if fact.topic == topic]
            lines = list(facts_text(facts, cite))
        elif topic == "industries":
            lines = [industry_line(industry, cite) for industry in catalog.industries]
        else:
            figures = catalog.salaries if regional is None else regional
            if region is not None:
                heading = f"Pay in {region}"
            lines = _pay_lines(figures, cite, top_only=region is None)
            if region is None:
                lines.append(
                    "The highest figure the articles give for each region; currencies are not "
                    "converted, so regions are not ranked against each other."
                )
            lines += facts_text(catalog.salary_notes, cite)
            lines.append("`/salary region:<region> level:<level>` for every figure's wording.")
        if lines:
            sections.append(Section(heading, tuple(lines)))
    description = "Is this a good career, and where are the jobs? Each line cites its article."
    if region is not None:
        description += (
            f"\nThe articles give their growth and demand figures for no country: only pay is "
            f"narrowed to {region}."
        )
    return Card(
        title="ML engineer career outlook",
        description=description,
        sections=tuple(sections),
        footer=cite.footer(),
        colour=Colour.OUTLOOK,
    )


# --------------------------------------------------------------------------- certifications


def cert_list(guide: Guide) -> Card:
    """``/cert`` without a name: each certification with its provider, cost and pass mark."""
    cite = Citations(guide)
    lines = []
    for cert in guide.catalog.certifications:
        cite.add(cert.sources)
        facts = [cert.provider]
        if cert.cost is not None:
            facts.append(cert.cost.as_stated)
        if cert.passing_score is not None:
            facts.append(f"pass at {cert.passing_score}")
        lines.append(f"• **{cert.name}** — {' · '.join(facts)}")
    return Card(
        title="Certifications the articles recommend",
        description="\n".join(lines) + "\n\nUse `/cert name:<certification>` for all the facts.",
        footer=cite.footer(),
        colour=Colour.CERT,
    )


def _cost_text(cert: Certification) -> str | None:
    cost = cert.cost
    if cost is None:
        return None
    symbol = CURRENCY_SYMBOLS.get(cost.currency, cost.currency + " ")
    approx = "about " if cost.approximate else ""
    period = f" {PERIOD_WORDS[cost.period]}" if cost.period else ""
    text = f"{approx}{symbol}{_number(cost.amount)}{period}"
    return text if cost.as_stated == text else f"{text}\n“{cost.as_stated}”"


def cert_card(guide: Guide, cert: Certification) -> Card:
    """Every stated fact of one certification; unknown facts say so instead of guessing."""
    cite = Citations(guide)
    cite.add(cert.sources)
    unknown = "Not stated"
    languages = ", ".join(cert.languages) if cert.languages else None
    if cert.languages_note:
        languages = f"{languages}\n{cert.languages_note}" if languages else cert.languages_note
    # The facts members compare certifications by are always shown ("Not stated" when the
    # articles do not say); the others only when stated.
    always: list[tuple[str, str | None]] = [
        ("Provider", cert.provider),
        ("Cost", _cost_text(cert)),
        ("Exam format", cert.exam_format),
        ("Passing score", str(cert.passing_score) if cert.passing_score is not None else None),
        ("Languages", languages),
        ("Validity", cert.validity),
        ("Prerequisites", cert.prerequisites),
    ]
    when_stated: list[tuple[str, str | None]] = [
        ("Platform", cert.platform),
        ("Courses", str(cert.courses) if cert.courses is not None else None),
        ("You earn", cert.earns),
    ]
    sections = [Section(name, (value or unknown,), inline=True) for name, value in always]
    sections += [Section(name, (value,), inline=True) for name, value in when_stated if value]
    steps = guide.steps_by_certification.get(cert.id, ())
    if steps:
        catalog = guide.catalog
        sections.append(
            Section(
                "Roadmap steps",
                tuple(
                    f"{catalog.roadmap_step_number(s)}. {catalog.roadmap_step(s).name}"
                    for s in steps
                ),
            )
        )
    description = cert.summary or ""
    if cert.aliases:
        description += f"\n*Also called:* {', '.join(cert.aliases)}"
    return Card(
        title=cert.name,
        description=description.strip(),
        sections=tuple(sections),
        footer=cite.footer(),
        colour=Colour.CERT,
    )


# --------------------------------------------------------------------------- roadmap

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


# --------------------------------------------------------------------------- help and sources


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


def facts_text(facts: Iterable[Fact], cite: Citations) -> tuple[str, ...]:
    """``• **Name**: text ¹`` per fact (the headline figure is part of the text); the name is
    left out when the text already starts with it."""
    return tuple(f"• {_fact_line(fact)}{cite.mark(fact.sources)}" for fact in facts)


def _fact_line(fact: Fact) -> str:
    if fact.text.casefold().startswith(fact.name.casefold()):
        return fact.text
    return f"**{fact.name}**: {fact.text}"
