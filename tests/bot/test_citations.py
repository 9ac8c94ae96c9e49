"""Every source marker a member reads points to a fact that carries that source, and our own
words never wear one (issue 15: "every line is an article's statement with its citation, or
visibly ours")."""

from __future__ import annotations

import re
from collections.abc import Iterator

import discord
import pytest

from bot.cogs import career_answers
from bot.cogs.outlook import TOPIC_ALIASES
from bot.embeds import Reply, money_range
from bot.lookup import Guide
from content.models import Catalog, Point
from tests.bot.conftest import assert_reply_valid

ANSWERS = career_answers()
_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
#: `` ¹,³`` after a statement: one marker group.
MARKERS = re.compile(r" ([⁰¹²³⁴⁵⁶⁷⁸⁹]+(?:,[⁰¹²³⁴⁵⁶⁷⁸⁹]+)*)")


def every_reply(guide: Guide, catalog: Catalog) -> Iterator[tuple[str, Reply]]:
    """(what was asked, reply) for every card a member can reach."""
    for name in ANSWERS:
        yield f"/{name} (list)", ANSWERS[name](guide)
    for role in catalog.roles:
        yield f"/role {role.id}", ANSWERS["role"](guide, name=role.id)
    for tool in catalog.tools:
        yield f"/tools {tool.id}", ANSWERS["tools"](guide, name=tool.id)
    for category in catalog.tool_categories:
        yield f"/tools category {category.id}", ANSWERS["tools"](guide, category=category.id)
    for cert in catalog.certifications:
        yield f"/cert {cert.id}", ANSWERS["cert"](guide, name=cert.id)
    for step in catalog.roadmap:
        yield f"/roadmap {step.id}", ANSWERS["roadmap"](guide, step=step.id)
    regions = [value for _, value in guide.regions.choices("")]
    for region in regions:
        for level in (None, "entry", "mid", "senior"):
            yield f"/salary {region} {level}", ANSWERS["salary"](guide, region=region, level=level)
        yield f"/outlook {region}", ANSWERS["outlook"](guide, region=region)
    for level in ("entry", "mid", "senior"):
        yield f"/salary {level}", ANSWERS["salary"](guide, level=level)
    for topic in TOPIC_ALIASES:
        yield f"/outlook {topic}", ANSWERS["outlook"](guide, topic=topic)


def statements(catalog: Catalog) -> list[tuple[str, frozenset[str]]]:
    """Every (text, sources) the content holds as an article's statement."""
    found: list[tuple[str, frozenset[str]]] = []

    def points(items: object) -> None:
        for point in items:  # type: ignore[attr-defined]
            if isinstance(point, Point):
                found.append((point.text, frozenset(point.sources)))

    for role in catalog.roles:
        if role.summary:
            points([role.summary])
        for field in ("details", "responsibilities", "technical_skills", "soft_skills"):
            points(getattr(role, field))
        points((*role.education, *role.day_in_the_life, *role.challenges))
    for comparison in catalog.comparisons:
        found += [(row.aspect, frozenset(row.sources)) for row in comparison.rows]
        points(comparison.notes)
    for industry in catalog.industries:
        points((*industry.uses, *industry.employers))
    for fact in (*catalog.outlook, *catalog.salary_notes):
        found.append((fact.text, frozenset(fact.sources)))
    for tool in catalog.tools:
        points((*((tool.used_for,) if tool.used_for else ()), *tool.notes))
        found.append((f"{tool.name} is named", frozenset(tool.sources)))
    for salary in catalog.salaries:
        found.append((salary.as_stated, frozenset(salary.sources)))
        found.append((f"**{money_range(salary)}**", frozenset(salary.sources)))
    for resource in catalog.resources:
        sources = {*resource.sources, *(s for n in resource.notes for s in n.sources)}
        found.append((f"**{resource.name}**", frozenset(sources)))
    for step in catalog.roadmap:
        points(step.skills)
        found += [(s.label, frozenset({s.source})) for s in step.source_steps]
    return found


def page_lines(embed: discord.Embed) -> Iterator[str]:
    yield from (embed.description or "").split("\n")
    for field in embed.fields:
        yield from [f"{field.name}: {line}" for line in str(field.value).split("\n")]


def check_reply(
    asked: str, reply: Reply, known: list[tuple[str, frozenset[str]]], numbers: dict[int, str]
) -> list[str]:
    problems = []
    marked: set[str] = set()
    for embed in reply.pages:
        for line in page_lines(embed):
            start = 0
            for match in MARKERS.finditer(line):
                segment = line[start : match.start()]
                start = match.end()
                cited = frozenset(numbers[int(n.translate(_DIGITS))] for n in match[1].split(","))
                marked |= cited
                if not any(text in segment and sources == cited for text, sources in known):
                    problems.append(f"{asked}: {segment.strip()!r} marked {match[1]}")
    for embed in reply.pages:
        footer = embed.footer.text or ""
        for number, file in numbers.items():
            listed = f"{str(number).translate(str.maketrans('0123456789', '⁰¹²³⁴⁵⁶⁷⁸⁹'))} "
            in_footer = f"Sources: {listed}" in footer or f" · {listed}" in footer
            if in_footer and file not in marked and not lists_names(asked):
                problems.append(f"{asked}: footer cites {file} but no line is marked with it")
    return problems


def lists_names(asked: str) -> bool:
    """Cards that list names (roles, categories, the roadmap) or one certification's facts:
    their footer cites the articles those come from without a marker on each."""
    return asked.startswith("/cert") or asked in {
        "/role (list)",
        "/tools (list)",
        "/roadmap (list)",
    }


@pytest.fixture(scope="module")
def rendered(guide: Guide, catalog: Catalog) -> list[tuple[str, Reply]]:
    replies = list(every_reply(guide, catalog))
    for _asked, reply in replies:
        assert_reply_valid(reply)
    return replies


def test_every_source_marker_points_to_a_fact_carrying_that_source(
    rendered: list[tuple[str, Reply]], guide: Guide, catalog: Catalog
) -> None:
    known = statements(catalog)
    numbers = {n: file for file, n in guide.source_numbers.items()}
    problems = [p for asked, reply in rendered for p in check_reply(asked, reply, known, numbers)]
    assert not problems, "\n".join(problems[:10])
    marked_lines = sum(
        len(MARKERS.findall(line))
        for _asked, reply in rendered
        for embed in reply.pages
        for line in page_lines(embed)
    )
    assert marked_lines > 500  # the test looked at real replies


def test_a_wrong_marker_is_caught(guide: Guide, catalog: Catalog) -> None:
    """The check itself: a fact shown with another article's marker fails it."""
    known = statements(catalog)
    numbers = {n: file for file, n in guide.source_numbers.items()}
    fact = catalog.outlook[0]
    wrong = discord.Embed(description=f"• {fact.text} ¹")  # its source is 003 (⁴)
    assert check_reply("/x", Reply(pages=(wrong,)), known, numbers)
    right = discord.Embed(description=f"• {fact.text} ⁴")
    assert not check_reply("/x", Reply(pages=(right,)), known, numbers)


def test_the_data_scientist_footer_cites_only_articles_its_facts_use(guide: Guide) -> None:
    reply = ANSWERS["role"](guide, name="data scientist")
    footer = reply.pages[0].footer.text or ""
    assert "Career Path to Becoming a Machine Learning Engineer" not in footer  # 003: no fact
    assert "What is a Machine Learning Engineer?" in footer


def test_our_words_are_labelled_and_carry_no_marker(
    rendered: list[tuple[str, Reply]], catalog: Catalog
) -> None:
    ours = [tool.purpose for tool in catalog.tools] + [step.summary for step in catalog.roadmap]
    seen = 0
    for _asked, reply in rendered:
        for embed in reply.pages:
            for line in page_lines(embed):
                for text in ours:
                    if text in line:
                        seen += 1
                        assert "in short" in line.casefold() or line.startswith("*"), line
                        assert not MARKERS.search(line.split(text)[1]), line
    assert seen >= len(ours)
