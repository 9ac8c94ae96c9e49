"""The shipped YAML loads, and key facts from the articles are in it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from content.loader import bundled_content_dir, load_catalog
from content.models import Catalog


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def test_every_shipped_yaml_file_loads(catalog: Catalog) -> None:
    files = sorted(p.name for p in bundled_content_dir().rglob("*.yaml"))
    assert "sources.yaml" in files
    assert catalog.counts()["sources"] == 4


def test_salary_figures_match_the_articles(catalog: Catalog) -> None:
    usa = catalog.salary("usa-2025-average-range")
    assert (usa.min, usa.max, usa.currency, usa.period) == (
        Decimal(110000),
        Decimal(170000),
        "USD",
        "year",
    )
    remote = catalog.salary("remote-freelance-2025-hourly")
    assert (remote.min, remote.max, remote.period) == (Decimal(40), Decimal(120), "hour")
    senior = catalog.salary("glassdoor-indeed-2025-senior")
    assert senior.open_ended
    assert senior.framing.startswith("According to Glassdoor and Indeed, as of 2025")


def test_certification_fee_and_passing_score(catalog: Catalog) -> None:
    aws = catalog.certification("aws-certified-machine-learning-specialty")
    assert aws.cost is not None
    assert (aws.cost.amount, aws.cost.currency) == (Decimal(300), "USD")
    assert aws.passing_score == 750


def test_tools_have_abbreviation_aliases(catalog: Catalog) -> None:
    assert "sklearn" in catalog.tool("scikit-learn").aliases
    assert "k8s" in catalog.tool("kubernetes").aliases
    assert catalog.tool("kubernetes").category == "deployment"
