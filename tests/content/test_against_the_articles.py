"""Content says what the articles say, checked against excerpts kept in the repository
(``seed_quotes.yaml``), so these tests run in a fresh clone and never skip."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
import yaml

from content.loader import bundled_content_dir, load_catalog
from content.models import Catalog
from content.numbers import numbers_in, stated_amounts
from tests.content.seed_quotes import load_quotes, name_match, named_items, quotes_of

#: Named in an article but rightly not cited by the item, and why.
NOT_A_CITATION = {
    ("tools/keras", "000_27d9e9dda03bb5f1.txt"): "only inside a book title",
    ("resources/machine-learning-engineering-burkov", "001_b29c8e703a3cb06e.txt"): (
        "the phrase 'machine learning engineering', not the book"
    ),
    ("resources/machine-learning-engineering-burkov", "003_3c8f27ef6018dc0f.txt"): (
        "the phrase 'machine learning engineering', not the book"
    ),
    ("resources/linkedin", "000_27d9e9dda03bb5f1.txt"): "the page's 'LinkedIn posting' trailer",
    ("certifications/aws-certified-machine-learning-specialty", "000_27d9e9dda03bb5f1.txt"): (
        "'AWS' the cloud, not the certification"
    ),
    ("certifications/aws-certified-machine-learning-specialty", "001_b29c8e703a3cb06e.txt"): (
        "'AWS' the cloud, not the certification"
    ),
    ("certifications/google-professional-machine-learning-engineer", "000_27d9e9dda03bb5f1.txt"): (
        "'GCP' the cloud, not the certification"
    ),
    ("certifications/google-professional-machine-learning-engineer", "001_b29c8e703a3cb06e.txt"): (
        "'GCP' the cloud, not the certification"
    ),
}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def quoted(article: str, text: str) -> bool:
    return any(text in quote for quote in quotes_of(article))


def test_salary_wording_is_quoted_verbatim(catalog: Catalog) -> None:
    for salary in catalog.salaries:
        assert quoted(salary.sources[0], salary.as_stated), salary.id
        if salary.level_as_stated:
            assert quoted(salary.sources[0], salary.level_as_stated), salary.id


def test_certification_costs_are_quoted_verbatim(catalog: Catalog) -> None:
    for cert in catalog.certifications:
        assert cert.cost is not None
        assert quoted(cert.sources[0], cert.cost.as_stated), cert.id


def test_outlook_figures_are_the_articles(catalog: Catalog) -> None:
    for fact in catalog.outlook:
        if fact.figure is None:
            continue
        numbers = numbers_in(fact.figure)
        assert any(all(n in numbers_in(q) for n in numbers) for q in quotes_of(fact.sources[0])), (
            fact.id
        )


def test_named_items_are_named_in_each_of_their_sources(catalog: Catalog) -> None:
    for kind, item in named_items(catalog):
        for source in item.sources:
            assert any(name_match(q, item) for q in quotes_of(source)), (
                f"{kind}/{item.id} is not named in {source}"
            )


def test_every_article_naming_an_item_is_cited_by_it(catalog: Catalog) -> None:
    """The gap check of issue 15 (Azure ML in 000 and 002, SageMaker and GCP in 000...)."""
    items = {f"{kind}/{item.id}": item for kind, item in named_items(catalog)}
    gaps = [
        f"{q.item} is named in {q.article} but does not cite it: {q.quote!r}"
        for q in load_quotes()
        if q.item in items
        and q.article not in items[q.item].sources
        and (q.item, q.article) not in NOT_A_CITATION
    ]
    assert not gaps, "\n".join(gaps)


def _stated_mappings(value: Any) -> list[dict[str, Any]]:
    """Every mapping of the raw YAML that has an ``as_stated`` quote."""
    found: list[dict[str, Any]] = []
    if isinstance(value, dict):
        if "as_stated" in value:
            found.append(value)
        for inner in value.values():
            found += _stated_mappings(inner)
    elif isinstance(value, list):
        for inner in value:
            found += _stated_mappings(inner)
    return found


def test_every_number_beside_an_as_stated_quote_is_the_quoted_number() -> None:
    """Read from the YAML itself, so a figure edited in one place only fails here too."""
    checked = 0
    for path in sorted(bundled_content_dir().glob("*.yaml")):
        for mapping in _stated_mappings(yaml.safe_load(path.read_text(encoding="utf-8"))):
            numbers = sorted(
                Decimal(str(mapping[key]))
                for key in ("min", "max", "amount")
                if isinstance(mapping.get(key), int | float)
            )
            assert numbers == sorted(stated_amounts(mapping["as_stated"])), (path.name, mapping)
            checked += 1
    assert checked == 15  # 12 salaries and 3 certification costs


@pytest.mark.parametrize(
    ("text", "amounts"),
    [
        ("$110K – $170K/year", [110_000, 170_000]),
        ("₹10 – ₹35 LPA", [1_000_000, 3_500_000]),
        ("₹14.6 LPA – ₹25 LPA+", [1_460_000, 2_500_000]),
        ("$90,000-$120,000", [90_000, 120_000]),
        ("approximately $200", [200]),
    ],
)
def test_stated_amounts(text: str, amounts: list[int]) -> None:
    assert stated_amounts(text) == [Decimal(a) for a in amounts]


def test_quotes_file_names_real_articles(catalog: Catalog) -> None:
    files = {s.file for s in catalog.sources}
    assert {q.article for q in load_quotes()} == files
    assert all(re.fullmatch(r"\S.*\S", q.quote) for q in load_quotes())
