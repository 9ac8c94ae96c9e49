"""Fuzzy lookup: typos, aliases, abbreviations, accents; never more than 25 choices."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.errors import NotFoundError
from bot.lookup import (
    Entry,
    FuzzyIndex,
    Guide,
    GuideCache,
    abbreviations,
    normalise,
    typo_budget,
)
from content.limits import MAX_CHOICE_TEXT, MAX_CHOICES
from content.models import Catalog


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Scikit-Learn ", "scikit learn"),
        ("PYTÖRCH", "pytorch"),
        ("Données", "donnees"),
        ("C++", "c++"),
        ("Weights & Biases", "weights biases"),
        ("ｆｕｌｌｗｉｄｔｈ", "fullwidth"),
        ("Straße", "strasse"),
        ("", ""),
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


def test_abbreviations() -> None:
    assert abbreviations("Google Cloud Platform") == {"gcp"}
    assert abbreviations("Kubernetes") == {"k8s"}
    assert abbreviations("Git") == set()


@pytest.mark.parametrize(
    ("query", "tool_id"),
    [
        ("pytorch", "pytorch"),
        ("PyTorch", "pytorch"),
        ("pytorh", "pytorch"),  # typo
        ("pytörch", "pytorch"),  # accent
        ("torch", "pytorch"),  # alias
        ("sklearn", "scikit-learn"),  # alias
        ("scikit learn", "scikit-learn"),  # punctuation
        ("k8s", "kubernetes"),  # numeronym alias
        ("kuberntes", "kubernetes"),  # typo
        ("aws", "aws"),
        ("gcp", "gcp"),
        ("tensor", "tensorflow"),  # prefix of a name
        ("tensorflw", "tensorflow"),
        ("wandb", "weights-and-biases"),
        ("w&b", "weights-and-biases"),
        ("pandsa", "pandas"),  # transposition
        ("airflw", "apache-airflow"),
        ("sagemaker", "amazon-sagemaker"),
        ("tfx", "tfx"),
    ],
)
def test_tool_typos_and_aliases_resolve(guide: Guide, query: str, tool_id: str) -> None:
    assert guide.tools.resolve(query).value == tool_id
    assert guide.tools.choices(query)[0][1] == tool_id


@pytest.mark.parametrize(
    ("index", "query", "value"),
    [
        ("roles", "mle", "machine-learning-engineer"),
        ("roles", "data scienist", "data-scientist"),
        ("roles", "dat sci", "data-scientist"),
        ("certifications", "aws", "aws-certified-machine-learning-specialty"),
        ("certifications", "gcp", "google-professional-machine-learning-engineer"),
        ("certifications", "ibm", "ibm-machine-learning-professional-certificate"),
        ("regions", "india", "India"),
        ("regions", "INDIA", "India"),
        ("regions", "united states", "USA"),
        ("regions", "u.s.", "USA"),
        ("regions", "deutschland", "Germany"),
        ("regions", "remote", "Remote/Freelance"),
        ("regions", "freelance", "Remote/Freelance"),
        ("tool_categories", "mlops", "mlops"),
        ("tool_categories", "cloud", "cloud"),
        ("roadmap", "3", None),
    ],
)
def test_other_indexes_resolve(guide: Guide, index: str, query: str, value: str | None) -> None:
    found = getattr(guide, index).resolve(query)
    if value is None:
        assert found.label.startswith("3. ")
    else:
        assert found.value == value


def test_roadmap_steps_resolve_by_number_and_by_their_label(guide: Guide) -> None:
    for number, step in enumerate(guide.catalog.roadmap, start=1):
        assert guide.roadmap.resolve(str(number)).value == step.id
        assert guide.roadmap.resolve(f"{number}. {step.name}").value == step.id


def test_unknown_value_gives_not_found_with_suggestions(guide: Guide) -> None:
    with pytest.raises(NotFoundError) as caught:
        guide.tools.resolve("zzzz-nothing")
    assert caught.value.suggestions
    assert "No tool matches" in caught.value.message
    assert len(caught.value.suggestions) <= 5


def test_ambiguous_value_lists_the_candidates(guide: Guide) -> None:
    with pytest.raises(NotFoundError) as caught:
        guide.roles.resolve("ai")
    assert caught.value.ambiguous
    assert "AI Engineer" in caught.value.suggestions


def test_not_found_message_neutralises_markdown_and_mentions(guide: Guide) -> None:
    with pytest.raises(NotFoundError) as caught:
        guide.tools.resolve("@everyone **bold** " + "x" * 500)
    message = caught.value.message
    assert "@everyone" not in message
    assert "\\*\\*bold" in message
    assert len(message) < 2000


def test_empty_query_lists_entries_in_display_order(guide: Guide) -> None:
    choices = guide.tools.choices("")
    assert len(choices) == min(MAX_CHOICES, len(guide.catalog.tools))
    assert [value for _, value in choices] == [t.id for t in guide.catalog.tools][:MAX_CHOICES]


def test_only_restricts_choices(guide: Guide) -> None:
    mlops = {t.id for t in guide.catalog.tools_in("mlops")}
    choices = guide.tools.choices("", only=mlops)
    assert {value for _, value in choices} == mlops
    assert all(value in mlops for _, value in guide.tools.choices("flow", only=mlops))


def test_choices_are_capped_at_25_even_for_huge_indexes() -> None:
    entries = [
        Entry(value=f"v{i}", label=f"Tool number {i}", terms=(f"tool number {i}",))
        for i in range(200)
    ]
    index = FuzzyIndex("tool", entries)
    assert len(index.choices("tool")) == MAX_CHOICES
    assert len(index.choices("")) == MAX_CHOICES
    assert len(index.choices("tool", limit=500)) == MAX_CHOICES


def test_kept_choices_answer_like_a_fresh_index(guide: Guide) -> None:
    mlops = {t.id for t in guide.catalog.tools_in("mlops")}
    index = FuzzyIndex("tool", guide.tools.entries)
    for query, only in [("py", None), ("PY ", None), ("flow", mlops), ("flow", None), ("", mlops)]:
        ranked = [(s.entry.label, s.entry.value) for s in index.rank(query, only)[:MAX_CHOICES]]
        first = index.choices(query, only=only)
        assert first == ranked
        first.clear()  # a caller changing its list changes nothing kept
        assert index.choices(query, only=only) == ranked


@pytest.mark.slow  # property test, 200 examples
@settings(max_examples=200, deadline=None)
@given(st.text(max_size=120))
def test_any_typed_text_gives_valid_choices(guide: Guide, typed: str) -> None:
    for index in (guide.roles, guide.tools, guide.tool_categories, guide.regions, guide.roadmap):
        choices = index.choices(typed)
        assert len(choices) <= MAX_CHOICES
        for name, value in choices:
            assert 1 <= len(name) <= MAX_CHOICE_TEXT
            assert 1 <= len(value) <= MAX_CHOICE_TEXT


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_resolve_returns_an_entry_or_raises_not_found(guide: Guide, typed: str) -> None:
    try:
        entry = guide.certifications.resolve(typed)
    except NotFoundError as error:
        message = error.message
        entry = None
    else:
        message = ""
    assert len(message) <= 2000
    assert entry is None or entry in guide.certifications.entries


def test_every_item_is_reachable_by_name_id_and_alias(guide: Guide, catalog: Catalog) -> None:
    pairs = [
        (guide.roles, catalog.roles),
        (guide.tools, catalog.tools),
        (guide.tool_categories, catalog.tool_categories),
        (guide.certifications, catalog.certifications),
        (guide.roadmap, catalog.roadmap),
    ]
    for index, items in pairs:
        for item in items:
            for text in (item.name, item.id, *item.aliases):
                assert index.resolve(text).value == item.id, (index.kind, text)


def test_every_salary_region_is_offered(guide: Guide, catalog: Catalog) -> None:
    offered = {label for label, _ in guide.regions.choices("")}
    for salary in catalog.salaries:
        if salary.region is not None:
            assert salary.region in offered
    assert "Remote/Freelance" in offered


def test_guide_cache_rebuilds_when_the_catalog_is_swapped(catalog: Catalog) -> None:
    current = {"catalog": catalog}
    cache = GuideCache(lambda: current["catalog"])
    first = cache.current()
    assert cache.current() is first
    smaller = catalog.model_copy(update={"tools": catalog.tools[:3]})
    current["catalog"] = smaller
    second = cache.current()
    assert second is not first
    assert second.catalog is smaller
    assert len(second.tools) == 3


def test_typo_budget_grows_with_the_word() -> None:
    assert [typo_budget("x" * n) for n in range(1, 10)] == [0, 0, 1, 1, 1, 1, 2, 2, 2]


def test_a_guess_names_what_it_shows_and_quotes_the_query_safely() -> None:
    entries = [
        Entry("c", "C*Star_Tool", ("c star tool",), frozenset({"c star tool"})),
        Entry("e", "Everyone Tool", ("everyone tool",), frozenset({"everyone tool"})),
    ]
    index = FuzzyIndex("tool", entries)
    match = index.lookup("c star tol")
    assert not match.exact
    assert match.notice == "Showing **C\\*Star\\_Tool** for “c star tol”."
    assert index.lookup("C-Star Tool").notice is None
    notice = index.lookup("@everyone tol").notice
    assert notice is not None
    assert "@everyone" not in notice
