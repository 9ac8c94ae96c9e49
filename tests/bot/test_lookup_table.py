"""What a typed name resolves to, for every lookup kind: one table pins the rule.

Each row is (index, what a member types, expected): the id it must resolve to exactly (no
notice), the id it may resolve to with a "Showing X for Y" notice (typos, prefixes), ASK (several
items fit equally: the member picks) or NONE (nothing fits: "not found" with suggestions, never
another item's facts). Near-miss names of things the articles do not cover (other countries,
other certifications, other tools and roles) must be NONE.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from discord.utils import escape_markdown

from bot.cogs import career_answers
from bot.errors import NotFoundError, echo
from bot.lookup import Guide
from bot.preview import Invocation, answer, ask
from content.models import Catalog
from tests.bot.conftest import assert_reply_valid


@dataclass(frozen=True)
class Exact:
    value: str


@dataclass(frozen=True)
class Fuzzy:
    value: str


ASK = "ask"
NONE = "none"
Expected = Exact | Fuzzy | str

TABLE: list[tuple[str, str, Expected]] = [
    # ------------------------------------------------------------------ roles
    ("roles", "Machine Learning Engineer", Exact("machine-learning-engineer")),
    ("roles", "mle", Exact("machine-learning-engineer")),
    ("roles", "ML engineer", Exact("machine-learning-engineer")),
    ("roles", "data scienist", Fuzzy("data-scientist")),
    ("roles", "dat sci", Fuzzy("data-scientist")),
    ("roles", "data enginer", Fuzzy("data-engineer")),
    ("roles", "the data scientist role", Exact("data-scientist")),
    ("roles", "Machine Learning Enginer", Fuzzy("machine-learning-engineer")),
    ("roles", "team lead", Exact("team-leader")),
    ("roles", "ai enginer", Fuzzy("ai-engineer")),
    ("roles", "ai", ASK),
    ("roles", "data", ASK),
    ("roles", "developer", ASK),
    ("roles", "prompt engineer", NONE),
    ("roles", "frontend developer", NONE),
    ("roles", "mlops engineer", NONE),
    ("roles", "head of ml", NONE),
    ("roles", "machine learning engineer intern", NONE),
    ("roles", "sr ml engineer", NONE),
    ("roles", "pmp", NONE),
    # ------------------------------------------------------------------ tools
    ("tools", "pytroch", Fuzzy("pytorch")),
    ("tools", "PyTörch", Exact("pytorch")),
    ("tools", "torch", Exact("pytorch")),
    ("tools", "py torch", Exact("pytorch")),
    ("tools", "sklearn", Exact("scikit-learn")),
    ("tools", "scikitlern", Fuzzy("scikit-learn")),
    ("tools", "k8s", Exact("kubernetes")),
    ("tools", "kubernets", Fuzzy("kubernetes")),
    ("tools", "kuberntes", Fuzzy("kubernetes")),
    ("tools", "aws", Exact("aws")),
    ("tools", "gcp", Exact("gcp")),
    ("tools", "tensor", Fuzzy("tensorflow")),
    ("tools", "pandsa", Fuzzy("pandas")),
    ("tools", "kears", Fuzzy("keras")),
    ("tools", "w&b", Exact("weights-and-biases")),
    ("tools", "pyt", ASK),
    ("tools", "apache", ASK),
    ("tools", "gitlab", NONE),
    ("tools", "github actions", NONE),
    ("tools", "jax", NONE),
    ("tools", "polars", NONE),
    ("tools", "tensorflow lite", NONE),
    ("tools", "google vertex ai", NONE),
    ("tools", "aws lambda", NONE),
    ("tools", "catboost", NONE),
    # ------------------------------------------------------------------ tool categories
    ("tool_categories", "mlops", Exact("mlops")),
    ("tool_categories", "MLOps tools", Exact("mlops")),
    ("tool_categories", "cloud", Exact("cloud")),
    ("tool_categories", "deploy", Exact("deployment")),
    ("tool_categories", "visualisation", Fuzzy("analysis")),
    ("tool_categories", "ml framework", Fuzzy("ml-frameworks")),
    ("tool_categories", "verson control", Fuzzy("version-control")),
    ("tool_categories", "monitoring", NONE),
    ("tool_categories", "security", NONE),
    # ------------------------------------------------------------------ salary regions
    ("regions", "India", Exact("India")),
    ("regions", "indai", Fuzzy("India")),
    ("regions", "Indiana", Fuzzy("India")),
    ("regions", "deutschland", Exact("Germany")),
    ("regions", "germny", Fuzzy("Germany")),
    ("regions", "U.S.", Exact("USA")),
    ("regions", "united kingdom", Exact("UK")),
    ("regions", "freelance", Exact("Remote/Freelance")),
    ("regions", "united", ASK),
    ("regions", "France", NONE),
    ("regions", "Canada", NONE),
    ("regions", "Australia", NONE),
    ("regions", "Brazil", NONE),
    ("regions", "Indonesia", NONE),
    ("regions", "Ireland", NONE),
    ("regions", "Europe", NONE),
    ("regions", "north america", NONE),
    # ------------------------------------------------------------------ salary levels
    ("salary_levels", "entry", Exact("entry")),
    ("salary_levels", "Entry-level", Exact("entry")),
    ("salary_levels", "junior", Exact("entry")),
    ("salary_levels", "senoir", Fuzzy("senior")),
    ("salary_levels", "mid level salary", Exact("mid")),
    ("salary_levels", "principal", NONE),
    ("salary_levels", "lead", NONE),
    ("salary_levels", "staff", NONE),
    # ------------------------------------------------------------------ certifications
    ("certifications", "aws", Exact("aws-certified-machine-learning-specialty")),
    ("certifications", "gcp", Exact("google-professional-machine-learning-engineer")),
    ("certifications", "ibm", Exact("ibm-machine-learning-professional-certificate")),
    (
        "certifications",
        "AWS Certified Machine Learning Specialty exam",
        Exact("aws-certified-machine-learning-specialty"),
    ),
    ("certifications", "aws ml", Fuzzy("aws-certified-machine-learning-specialty")),
    (
        "certifications",
        "professional ml engineer",
        Fuzzy("google-professional-machine-learning-engineer"),
    ),
    ("certifications", "pmle", Fuzzy("google-professional-machine-learning-engineer")),
    ("certifications", "machine learning", ASK),
    ("certifications", "Azure AI Engineer", NONE),
    ("certifications", "google cloud digital leader", NONE),
    ("certifications", "aws solutions architect", NONE),
    ("certifications", "azure", NONE),
    ("certifications", "tensorflow developer certificate", NONE),
    ("certifications", "cka", NONE),
    ("certifications", "databricks ml associate", NONE),
    # ------------------------------------------------------------------ roadmap steps
    ("roadmap", "3", Exact("math-and-statistics")),
    ("roadmap", "step 3", Exact("math-and-statistics")),
    ("roadmap", "math", Exact("math-and-statistics")),
    ("roadmap", "deploymnt", Fuzzy("deployment")),
    ("roadmap", "portfolio", Exact("build-projects")),
    ("roadmap", "networkng", Fuzzy("experience-and-network")),
    ("roadmap", "learn", ASK),
    ("roadmap", "11", NONE),
    ("roadmap", "step 0", NONE),
    ("roadmap", "kaggle competitions", NONE),
    ("roadmap", "leetcode", NONE),
]

#: How each index is reached from a command: (command, option).
COMMAND_OF = {
    "roles": ("role", "name"),
    "tools": ("tools", "name"),
    "tool_categories": ("tools", "category"),
    "regions": ("salary", "region"),
    "salary_levels": ("salary", "level"),
    "certifications": ("cert", "name"),
    "roadmap": ("roadmap", "step"),
}

ANSWERS = career_answers()


def _id(row: tuple[str, str, Expected]) -> str:
    return f"{row[0]}:{row[1]}"


def test_the_table_covers_every_lookup_kind_and_outcome() -> None:
    assert len(TABLE) >= 60
    assert {index for index, _query, _expected in TABLE} == set(COMMAND_OF)
    for index in COMMAND_OF:
        outcomes = {
            type(e).__name__ if not isinstance(e, str) else e for i, _q, e in TABLE if i == index
        }
        assert {"Exact", "Fuzzy", NONE} <= outcomes, index
    assert len({(index, query) for index, query, _e in TABLE}) == len(TABLE)


@pytest.mark.parametrize(("index", "query", "expected"), TABLE, ids=[_id(r) for r in TABLE])
def test_lookup(guide: Guide, index: str, query: str, expected: Expected) -> None:
    lookup = getattr(guide, index).lookup
    if isinstance(expected, str):
        with pytest.raises(NotFoundError) as caught:
            lookup(query)
        error = caught.value
        assert error.ambiguous is (expected == ASK)
        assert error.suggestions, "a member who misses is always shown what there is"
        assert len(error.suggestions) <= 5
        return
    match = lookup(query)
    assert match.entry.value == expected.value
    assert match.exact is isinstance(expected, Exact)


@pytest.mark.parametrize(("index", "query", "expected"), TABLE, ids=[_id(r) for r in TABLE])
def test_the_reply_says_what_it_shows(
    guide: Guide, index: str, query: str, expected: Expected
) -> None:
    """Through the command: a miss is an ephemeral "not found", a guess says so first."""
    command, option = COMMAND_OF[index]
    reply = answer(guide, Invocation(command=command, options={option: query}))
    assert_reply_valid(reply)
    if isinstance(expected, str):
        assert reply.ephemeral
        assert not reply.pages  # no item's facts
        assert reply.content is not None
        assert ("matches several" if expected == ASK else "matches “") in reply.content
        assert "Did you mean" in reply.content
        return
    assert reply.pages
    if isinstance(expected, Fuzzy):
        label = getattr(guide, index).get(expected.value).label
        assert reply.content is not None
        first_line = reply.content.split("\n", 1)[0]
        assert first_line == f"Showing **{escape_markdown(label)}** for “{echo(query)}”."
    else:
        assert not reply.content or not reply.content.startswith("Showing")


def test_autocomplete_still_offers_the_near_miss(guide: Guide) -> None:
    """Autocomplete only offers, so it may show look-alikes the resolver refuses to answer."""
    assert "Remote/Freelance" in [label for label, _value in guide.regions.choices("France")]
    with pytest.raises(NotFoundError):
        guide.regions.lookup("France")


def test_two_notices_when_region_and_level_are_both_guessed(guide: Guide) -> None:
    reply = ANSWERS["salary"](guide, region="Indiana", level="senoir")
    assert reply.content is not None
    assert reply.content.split("\n") == [
        "Showing **India** for “Indiana”.",
        "Showing **Senior level** for “senoir”.",
    ]


def test_an_autocomplete_pick_is_exact_even_inside_a_restricted_index(guide: Guide) -> None:
    mlops = {t.id for t in guide.catalog.tools_in("mlops")}
    assert guide.tools.lookup("mlflow", only=mlops).exact
    with pytest.raises(NotFoundError):
        guide.tools.lookup("pytorch", only=mlops)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/salary region:France", "No region matches “France”. Did you mean: **USA**, **UK**"),
        ("/cert name:Azure AI Engineer", "No certification matches “Azure AI Engineer”."),
        ("/cert name:google cloud digital leader", "No certification matches"),
        ("/cert name:aws solutions architect", "Did you mean: **AWS Certified"),
    ],
)
async def test_mle_bot_ask_prints_not_found_with_suggestions(
    catalog: Catalog, line: str, expected: str
) -> None:
    code, output = await ask(catalog, line)
    assert code == 1
    assert output.startswith("(only you can see this)\n")
    assert expected in output
    assert "#" not in output  # no card title: no item's facts


async def test_mle_bot_ask_prints_the_notice_above_a_guessed_item(catalog: Catalog) -> None:
    code, output = await ask(catalog, "/salary region:Indiana level:entry")
    assert code == 0
    assert output.split("\n")[:2] == [
        "Showing **India** for “Indiana”.",
        "# Entry-level ML engineer salaries: India",
    ]
