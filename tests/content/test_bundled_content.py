"""The shipped YAML loads, and holds the facts it should (test_against_the_articles.py
compares it with the articles' own words)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from content.loader import bundled_content_dir, check_content, load_catalog
from content.models import KINDS, Catalog, Item, iter_references


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def test_every_shipped_yaml_file_loads(catalog: Catalog) -> None:
    files = sorted(p.name for p in bundled_content_dir().rglob("*.yaml"))
    assert files == [
        "certifications.yaml",
        "challenges.yaml",
        "market.yaml",
        "roadmap.yaml",
        "roles.yaml",
        "salaries.yaml",
        "sources.yaml",
        "tools.yaml",
    ]
    assert check_content() == []
    counts = catalog.counts()
    assert list(counts) == list(KINDS)
    assert all(counts[kind] > 0 for kind in KINDS), counts


def test_load_catalog_defaults_to_the_bundled_data(catalog: Catalog) -> None:
    assert load_catalog(bundled_content_dir()) == catalog


def test_every_source_is_used_and_every_reference_resolves(catalog: Catalog) -> None:
    used: set[str] = set()
    for kind in KINDS:
        for item in getattr(catalog, kind):
            for _loc, ref, target in iter_references(item):
                catalog.get(ref.kind, target)  # raises KeyError if dangling
                if ref.kind == "sources":
                    used.add(target)
    assert used == {s.file for s in catalog.sources}


# -- salaries ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("salary_id", "low", "high", "currency", "period", "level"),
    [
        ("usa-2025-average-range", 110_000, 170_000, "USD", "year", None),
        ("uk-2025-average-range", 50_000, 95_000, "GBP", "year", None),
        ("india-2025-average-range", 1_000_000, 3_500_000, "INR", "year", None),
        ("germany-2025-average-range", 55_000, 100_000, "EUR", "year", None),
        ("remote-freelance-2025-hourly", 40, 120, "USD", "hour", None),
        ("glassdoor-indeed-2025-entry", 90_000, 120_000, "USD", "year", "entry"),
        ("glassdoor-indeed-2025-mid", 120_000, 150_000, "USD", "year", "mid"),
        ("glassdoor-indeed-2025-senior", 150_000, 200_000, "USD", "year", "senior"),
        ("india-entry-0-4-years", 700_000, 1_200_000, "INR", "year", "entry"),
        ("india-mid-4-7-years", 900_000, 1_450_000, "INR", "year", "mid"),
        ("india-senior-7-plus-years", 1_460_000, 2_500_000, "INR", "year", "senior"),
        ("usa-global-approx", 133_000, 142_000, "USD", "year", None),
    ],
)
def test_salary_figures_match_the_articles(
    catalog: Catalog,
    salary_id: str,
    low: int,
    high: int,
    currency: str,
    period: str,
    level: str | None,
) -> None:
    salary = catalog.salary(salary_id)
    assert (salary.min, salary.max, salary.amount) == (Decimal(low), Decimal(high), None)
    assert (salary.currency, salary.period, salary.level) == (currency, period, level)


def test_every_salary_figure_of_the_articles_is_kept_separately(catalog: Catalog) -> None:
    per_source: dict[str, int] = {}
    for salary in catalog.salaries:
        assert len(salary.sources) == 1, "a figure comes from exactly one article"
        per_source[salary.sources[0]] = per_source.get(salary.sources[0], 0) + 1
    assert per_source == {
        "000_27d9e9dda03bb5f1.txt": 5,
        "002_300a109be3e474a8.txt": 3,
        "003_3c8f27ef6018dc0f.txt": 4,
    }
    senior = catalog.salary("glassdoor-indeed-2025-senior")
    assert senior.open_ended
    assert senior.region is None  # the article names no country
    assert senior.framing.startswith("According to Glassdoor and Indeed, as of 2025")


# -- certifications ------------------------------------------------------------------------------


def test_certification_facts(catalog: Catalog) -> None:
    aws = catalog.certification("aws-certified-machine-learning-specialty")
    assert aws.cost is not None
    assert (aws.cost.amount, aws.cost.currency, aws.cost.approximate) == (
        Decimal(300),
        "USD",
        False,
    )
    assert aws.passing_score == 750
    assert aws.languages == ("English", "Chinese", "Korean", "Japanese")
    assert (aws.validity, aws.prerequisites, aws.exam_format) == (None, None, None)

    google = catalog.certification("google-professional-machine-learning-engineer")
    assert google.cost is not None
    assert (google.cost.amount, google.cost.approximate) == (Decimal(200), True)
    assert google.passing_score is None
    assert google.validity is not None
    assert "two years" in google.validity
    assert google.exam_format is not None
    assert "two-hour" in google.exam_format

    ibm = catalog.certification("ibm-machine-learning-professional-certificate")
    assert ibm.cost is not None
    assert (ibm.cost.amount, ibm.cost.currency, ibm.cost.period) == (Decimal(49), "USD", "month")
    assert ibm.courses == 6
    assert ibm.platform == "Coursera"
    assert ibm.earns is not None
    assert "digital badge from IBM" in ibm.earns


# -- tools and other named things ----------------------------------------------------------------

NAMED_TOOLS = [
    "Python", "Java", "Scala", "R", "C++", "Scikit-learn", "TensorFlow", "PyTorch", "Keras",
    "XGBoost", "SQL", "NoSQL", "Pandas", "NumPy", "Apache Spark", "Spark", "Dask", "Airflow",
    "Kafka", "Hadoop", "Snowflake", "BigQuery", "Docker", "Kubernetes", "Flask", "FastAPI",
    "AWS", "GCP", "Microsoft Azure", "AWS SageMaker", "Amazon SageMaker", "GCP AI Platform",
    "Google AI Platform", "Azure ML", "Azure Machine Learning", "MLflow", "DVC", "Kubeflow",
    "Weights & Biases", "TFX", "Git", "GitHub", "Jupyter", "Tableau",
]  # fmt: skip


def lookup(catalog: Catalog, kind: str, name: str) -> Item:
    key = name.casefold()
    for item in getattr(catalog, kind):
        if key in {item.id, item.name.casefold(), *(a.casefold() for a in item.aliases)}:
            assert isinstance(item, Item)
            return item
    raise AssertionError(f"{name!r} is not a {kind} name or alias")


@pytest.mark.parametrize("name", NAMED_TOOLS)
def test_every_tool_named_in_the_articles_is_in_the_catalog(catalog: Catalog, name: str) -> None:
    assert lookup(catalog, "tools", name).sources


@pytest.mark.parametrize(
    ("alias", "tool_id", "category"),
    [
        ("sklearn", "scikit-learn", "ml-frameworks"),
        ("k8s", "kubernetes", "deployment"),
        ("aws", "aws", "cloud"),
        ("gcp", "gcp", "cloud"),
        ("azure", "azure", "cloud"),
        ("wandb", "weights-and-biases", "mlops"),
        ("airflow", "apache-airflow", "data-engineering"),
        ("tf", "tensorflow", "ml-frameworks"),
    ],
)
def test_tool_aliases(catalog: Catalog, alias: str, tool_id: str, category: str) -> None:
    tool = lookup(catalog, "tools", alias)
    assert (tool.id, catalog.tool(tool_id).category) == (tool_id, category)


def test_roles_and_comparison(catalog: Catalog) -> None:
    mle = catalog.role("machine-learning-engineer")
    assert mle.kind == "core"
    assert "ml-architect" in mle.career_path
    assert "nlp-engineer" in mle.job_titles
    # Synthesised (issue 15): grouped bullets, each merging the articles that say it.
    assert 5 <= len(mle.responsibilities) <= 10
    assert 5 <= len(mle.technical_skills) <= 8
    texts = [p.text.casefold() for p in (*mle.responsibilities, *mle.soft_skills)]
    assert sum("problem-solving" in t for t in texts) == 1
    assert any(len(p.sources) == 4 for p in mle.responsibilities)
    comparison = catalog.comparison("mle-vs-data-scientist")
    assert (comparison.left, comparison.right) == ("machine-learning-engineer", "data-scientist")
    tools_rows = [row for row in comparison.rows if row.aspect == "Tools"]
    assert [row.right for row in tools_rows] == [
        "Jupyter, Tableau, R",
        "Statistical tools, notebooks (e.g., Jupyter)",
    ]


def test_outlook_figures(catalog: Catalog) -> None:
    figures = {fact.id: fact.figure for fact in catalog.outlook}
    assert figures["job-growth-past-decade"] == "23% → 31%"
    assert figures["demand-growth-next-five-years"] == "up to 75%"


# -- roadmap -------------------------------------------------------------------------------------


def test_roadmap_follows_the_articles_in_order(catalog: Catalog) -> None:
    ids = [step.id for step in catalog.roadmap]
    for earlier, later in [
        ("learn-programming", "ml-fundamentals"),
        ("ml-fundamentals", "build-projects"),
        ("build-projects", "deployment"),
        ("deployment", "mlops"),
        ("mlops", "apply-for-roles"),
    ]:
        assert ids.index(earlier) < ids.index(later)
    assert catalog.roadmap_step_number("learn-programming") == 2
    books = [r.name for r in catalog.resources if r.kind == "book"]
    assert "Designing Data-Intensive Applications" in books
    assert catalog.resource("machine-learning-engineering-burkov").author == "Andriy Burkov"


# -- challenges ----------------------------------------------------------------------------------


def test_challenge_season_follows_the_roadmap(catalog: Catalog) -> None:
    challenges = catalog.challenges
    assert len(challenges) >= 12
    assert [c.week for c in challenges] == list(range(1, len(challenges) + 1))
    steps = [catalog.roadmap_step_number(c.roadmap_step) for c in challenges]
    assert steps == sorted(steps)
    practised = {c.roadmap_step for c in challenges}
    assert {
        "learn-programming",
        "ml-fundamentals",
        "build-projects",
        "deployment",
        "mlops",
        "apply-for-roles",
    } <= practised
    for challenge in challenges:
        assert 2 <= len(challenge.tasks) <= 5
        assert challenge.points > 0
    assert catalog.challenge_for_week(1) == challenges[0]
    assert catalog.challenge("spam-filter").title == "Project: spam filter"
