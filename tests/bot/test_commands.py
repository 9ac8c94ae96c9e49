"""Each command's reply for representative inputs: the facts shown and Discord's limits.

Figures are the articles' own (``../shared/seeds``), so a rendering bug that changes a number
fails here. Every reply is also validated as the interaction response discord.py would send.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bot.cogs import career_answers
from bot.embeds import Reply, money_range
from bot.errors import NotFoundError, UserFacingError
from bot.lookup import Guide
from content.models import Catalog
from tests.bot.conftest import assert_reply_valid, reply_text

ANSWERS = career_answers()

SOURCE_TITLES = (
    "Machine Learning Engineer: Career, Skills & Roadmap for 2025",
    "Machine Learning Engineer: Future Career in 2025",
    "What is a Machine Learning Engineer?",
    "Career Path to Becoming a Machine Learning Engineer",
)


def ask(guide: Guide, command: str, **options: Any) -> tuple[Reply, str]:
    reply = ANSWERS[command](guide, **options)
    assert_reply_valid(reply)
    return reply, reply_text(reply)


# --------------------------------------------------------------------------- /salary


def test_salary_overview_shows_every_figure_by_region(guide: Guide, catalog: Catalog) -> None:
    reply, text = ask(guide, "salary")
    for figure in (
        "$110K–170K/yr",
        "£50K–95K/yr",
        "₹10–35 LPA",
        "€55K–100K/yr",
        "$40–120/h",
        "₹7–12 LPA",
        "₹9–14.5 LPA",
        "₹14.6–25+ LPA",
        "$133K–142K/yr",
        "$90K–120K/yr",
        "$120K–150K/yr",
        "$150K–200K+/yr",
    ):
        assert figure in text
    for salary in catalog.salaries:
        assert money_range(salary) in text
    page = reply.pages[0]
    regions = [f.name for f in page.fields if f.inline]
    assert regions[:5] == ["USA", "UK", "India", "Germany", "Remote/Freelance"]
    # Phone-friendly: one short line per figure.
    assert all(
        len(line) <= 40 for f in page.fields if f.inline for line in str(f.value).split("\n")
    )


def test_salary_india_entry(guide: Guide) -> None:
    _reply, text = ask(guide, "salary", region="India", level="entry")
    assert "₹7 LPA – ₹12 LPA" in text  # as stated
    assert "₹700,000 – ₹1,200,000 per year" in text  # the period
    assert "Entry-Level (0–4 years)" in text
    assert "Career Path to Becoming a Machine Learning Engineer" in text  # the source
    assert "₹10 – ₹35 LPA" in text  # India's any-level range, shown as context
    assert "₹9 LPA" not in text  # mid level is not entry


@pytest.mark.parametrize("region", ["india", "INDIA", "Indai", " India "])
def test_salary_region_is_forgiving(guide: Guide, region: str) -> None:
    _reply, text = ask(guide, "salary", region=region)
    assert "₹14.6 LPA – ₹25 LPA+" in text


def test_salary_remote_freelance_is_hourly(guide: Guide) -> None:
    _reply, text = ask(guide, "salary", region="remote/freelance")
    assert "$40 – $120/hour" in text
    assert "per hour" in text


def test_salary_level_only_lists_that_level_everywhere(guide: Guide) -> None:
    _reply, text = ask(guide, "salary", level="senior")
    assert "$150,000-$200,000+" in text
    assert "₹14.6 LPA – ₹25 LPA+" in text
    assert "$90,000" not in text
    assert "Glassdoor and Indeed" in text


def test_salary_level_without_a_figure_falls_back_to_any_level(guide: Guide) -> None:
    _reply, text = ask(guide, "salary", region="UK", level="senior")
    assert "No article gives a senior-level figure for UK" in text
    assert "£50K – £95K/year" in text


def test_salary_unstated_region(guide: Guide) -> None:
    _reply, text = ask(guide, "salary", region="unstated")
    assert "$90,000-$120,000" in text
    assert "names no country" in text


def test_salary_unknown_region_is_not_found(guide: Guide) -> None:
    with pytest.raises(NotFoundError) as caught:
        ANSWERS["salary"](guide, region="Atlantis")
    assert "No region matches" in caught.value.message


def test_salary_bad_level_is_a_user_error(guide: Guide) -> None:
    with pytest.raises(UserFacingError):
        ANSWERS["salary"](guide, level="expert")


# --------------------------------------------------------------------------- /cert


def test_cert_list(guide: Guide, catalog: Catalog) -> None:
    _reply, text = ask(guide, "cert")
    for cert in catalog.certifications:
        assert cert.name in text
    assert "pass at 750" in text


def test_cert_aws(guide: Guide) -> None:
    reply, _text = ask(guide, "cert", name="aws")
    assert reply.pages[0].title == "AWS Certified Machine Learning – Specialty"
    fields = {f.name: f.value for f in reply.pages[0].fields}
    assert fields["Passing score"] == "750"
    assert "$300" in str(fields["Cost"])
    assert fields["Languages"] is not None
    assert "English, Chinese, Korean, Japanese" in fields["Languages"]
    assert fields["Validity"] == "Not stated"


def test_cert_google(guide: Guide) -> None:
    _reply, text = ask(guide, "cert", name="google pmle")
    assert "two-hour exam" in text
    assert "Valid for two years" in text
    assert "about $200" in text


def test_cert_ibm(guide: Guide) -> None:
    reply, text = ask(guide, "cert", name="IBM")
    fields = {f.name: f.value for f in reply.pages[0].fields}
    assert fields["Courses"] == "6"
    assert fields["Platform"] == "Coursera"
    assert "$49 monthly for a Coursera subscription" in text


# --------------------------------------------------------------------------- /tools


def test_tools_categories(guide: Guide, catalog: Catalog) -> None:
    _reply, text = ask(guide, "tools")
    for category in catalog.tool_categories:
        assert category.name in text
    for tool in catalog.tools:
        assert tool.name in text


def test_tools_category(guide: Guide) -> None:
    _reply, text = ask(guide, "tools", category="mlops")
    for name in ("MLflow", "DVC", "Kubeflow", "Weights & Biases", "TFX (TensorFlow Extended)"):
        assert f"**{name}** — " in text
    assert "PyTorch" not in text


def test_tool_by_alias(guide: Guide) -> None:
    reply, text = ask(guide, "tools", name="k8s")
    assert reply.pages[0].title == "Kubernetes"
    assert "Model deployment" in text


def test_tool_name_wins_over_category(guide: Guide) -> None:
    reply, _text = ask(guide, "tools", category="cloud", name="pytorch")
    assert reply.pages[0].title == "PyTorch"


# --------------------------------------------------------------------------- /role


def test_role_list(guide: Guide, catalog: Catalog) -> None:
    _reply, text = ask(guide, "role")
    for role in catalog.roles:
        assert role.name in text


def test_role_mle_card_is_grouped_and_fits_in_two_pages(guide: Guide, catalog: Catalog) -> None:
    reply, text = ask(guide, "role", name="ML engineer")
    role = catalog.role("machine-learning-engineer")
    assert len(reply.pages) <= 2
    for point in (*role.responsibilities, *role.technical_skills, *role.day_in_the_life):
        assert point.text in text
    for fact in catalog.outlook:
        if fact.figure is not None:
            assert fact.text in text
    names = [f.name for page in reply.pages for f in page.fields]
    for group in ("What you do", "What you need: technical skills", "How you grow"):
        assert group in names
    assert "`/outlook`" in text


def test_role_with_a_comparison(guide: Guide, catalog: Catalog) -> None:
    reply, _text = ask(guide, "role", name="data scientist")
    lines = [line for page in reply.pages for f in page.fields for line in str(f.value).split("\n")]
    for comparison in catalog.comparisons:
        for row in comparison.rows:
            # A row is one line: never split across fields or pages.
            assert any(
                row.aspect in line and row.left in line and row.right in line for line in lines
            )


# --------------------------------------------------------------------------- /roadmap


def test_roadmap_overview(guide: Guide, catalog: Catalog) -> None:
    _reply, text = ask(guide, "roadmap")
    for number, step in enumerate(catalog.roadmap, start=1):
        assert f"{number}. {step.name}" in text
    for resource in catalog.resources:
        assert resource.name in text


def test_roadmap_step_by_number_and_name(guide: Guide, catalog: Catalog) -> None:
    step = catalog.roadmap[2]
    by_number, _ = ask(guide, "roadmap", step="3")
    by_name, text = ask(guide, "roadmap", step=step.name.upper())
    assert by_number.pages[0].title == by_name.pages[0].title
    assert by_number.pages[0].title == f"Step 3 of {len(catalog.roadmap)}: {step.name}"
    for skill in step.skills:
        assert skill.text in text


def test_roadmap_step_shows_its_challenge_weeks(catalog: Catalog) -> None:
    data = catalog.model_dump(mode="json")
    step = catalog.roadmap[1]
    data["challenges"] = [
        {
            "id": "week-1",
            "name": "Hello data",
            "week": 1,
            "roadmap_step": step.id,
            "summary": "Load a CSV with Pandas.",
            "tasks": ["Load it", "Plot it"],
            "tools": [step.tools[0]] if step.tools else [],
            "hours": 4,
            "points": 20,
            "sources": step.sources,
        }
    ]
    guide = Guide.build(Catalog.model_validate(data))
    _reply, text = ask(guide, "roadmap", step=step.id)
    assert "Week 1: Hello data" in text
    _reply, overview = ask(guide, "roadmap")
    assert "Week 1" in overview
    if step.tools:
        _reply, tool_text = ask(guide, "tools", name=step.tools[0])
        assert "Week 1" in tool_text


# ------------------------------------------------------------------ sources (help: test_help)


def test_about_sources(guide: Guide) -> None:
    _reply, text = ask(guide, "about-sources")
    for title in SOURCE_TITLES:
        assert title in text
    assert "cited by" in text


# --------------------------------------------------------------------------- every reply

NAMED_OPTIONS: dict[str, str] = {
    "role": "name",
    "tools": "name",
    "cert": "name",
    "roadmap": "step",
    "salary": "region",
}
AWKWARD_INPUTS = [
    "",
    "   ",
    "x" * 6000,
    "Données scientifiques",
    "🤖🤖🤖",
    "पाइथन",
    "データサイエンティスト",
    "@everyone <@&123> **bold** `code`",
    "\u200b\u0000\n\t",
]


@pytest.mark.parametrize("command", sorted(NAMED_OPTIONS))
@pytest.mark.parametrize("typed", AWKWARD_INPUTS, ids=range(len(AWKWARD_INPUTS)))
def test_awkward_input_gives_a_reply_or_a_user_error(
    guide: Guide, command: str, typed: str
) -> None:
    try:
        reply = ANSWERS[command](guide, **{NAMED_OPTIONS[command]: typed})
    except UserFacingError as error:
        reply = Reply(content=error.message, ephemeral=True)
    assert_reply_valid(reply)
    if reply.content:
        assert "@everyone" not in reply.content


def _every_reply(guide: Guide, catalog: Catalog) -> list[Reply]:
    replies = [answer(guide) for answer in ANSWERS.values()]
    replies += [ANSWERS["role"](guide, name=r.id) for r in catalog.roles]
    replies += [ANSWERS["tools"](guide, name=t.id) for t in catalog.tools]
    replies += [ANSWERS["tools"](guide, category=c.id) for c in catalog.tool_categories]
    replies += [ANSWERS["cert"](guide, name=c.id) for c in catalog.certifications]
    replies += [ANSWERS["roadmap"](guide, step=s.id) for s in catalog.roadmap]
    regions = [value for _, value in guide.regions.choices("")]
    levels = [None, "entry", "mid", "senior"]
    replies += [ANSWERS["salary"](guide, region=r, level=lv) for r in regions for lv in levels]
    replies += [ANSWERS["salary"](guide, level=lv) for lv in levels[1:]]
    return replies


def test_every_reply_is_valid_and_cites_sources(guide: Guide, catalog: Catalog) -> None:
    for reply in _every_reply(guide, catalog):
        assert_reply_valid(reply)
        for page in reply.pages:
            assert page.footer.text
            assert "Sources" in page.footer.text or "/about-sources" in page.footer.text


def _texts(value: Any) -> list[str]:
    """Every ``text`` of every Point/Fact-like object inside a model dump."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "text" and isinstance(inner, str):
                found.append(inner)
            else:
                found += _texts(inner)
    elif isinstance(value, list):
        for inner in value:
            found += _texts(inner)
    return found


def test_every_fact_in_the_content_is_reachable(guide: Guide, catalog: Catalog) -> None:
    """The issue's "done when": every fact can be reached through these commands."""
    shown = "\n".join(reply_text(r) for r in _every_reply(guide, catalog))
    missing = [t for t in _texts(catalog.model_dump(mode="json")) if t not in shown]
    assert not missing, missing[:5]
    for salary in catalog.salaries:
        assert salary.as_stated in shown
    for cert in catalog.certifications:
        for value in (cert.exam_format, cert.prerequisites, cert.validity, cert.earns):
            if value:
                assert value in shown
    for industry in catalog.industries:
        assert industry.name in shown
    for source in catalog.sources:
        assert source.title in shown


def test_answers_never_raise_anything_but_user_errors(guide: Guide) -> None:
    calls: list[Callable[[], Reply]] = [
        lambda: ANSWERS["tools"](guide, category="zzz"),
        lambda: ANSWERS["tools"](guide, category="mlops", name="zzz"),
        lambda: ANSWERS["roadmap"](guide, step="0"),
        lambda: ANSWERS["roadmap"](guide, step="999"),
        lambda: ANSWERS["cert"](guide, name="azure"),
    ]
    for call in calls:
        with pytest.raises(UserFacingError):
            call()
