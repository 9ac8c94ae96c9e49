"""Each kind of content error is reported with its file, line and field path."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from content.loader import (
    ContentError,
    ContentProblem,
    bundled_content_dir,
    check_content,
    load_catalog,
)

PYTHON_TOOL = "  - id: python\n    name: Python\n"
FIRST_SALARY_MIN = "    min: 110000\n"


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A writable copy of the bundled content."""
    target = tmp_path / "data"
    shutil.copytree(bundled_content_dir(), target)
    return target


def edit(directory: Path, file: str, old: str, new: str) -> int:
    """Replace the one occurrence of ``old`` by ``new``; returns the line where ``new`` starts."""
    path = directory / file
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} must occur once in {file}"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def only_problem(directory: Path) -> ContentProblem:
    with pytest.raises(ContentError) as caught:
        load_catalog(directory)
    problems = caught.value.problems
    assert len(problems) == 1, "\n".join(map(str, problems))
    return problems[0]


def test_bundled_copy_is_clean(content: Path) -> None:
    assert check_content(content) == []


def test_yaml_syntax_error(content: Path) -> None:
    line = edit(content, "tools.yaml", PYTHON_TOOL, "  - id: python\n    name: [Python\n")
    problem = only_problem(content)
    assert problem.file == "tools.yaml"
    assert problem.line is not None
    assert line + 1 <= problem.line <= line + 3  # the scanner notices a little after the '['
    assert "YAML syntax error" in problem.message
    assert str(problem).startswith(f"tools.yaml:{problem.line}: YAML syntax error")


def test_unknown_key(content: Path) -> None:
    line = edit(content, "tools.yaml", PYTHON_TOOL, PYTHON_TOOL + "    colour: blue\n")
    problem = only_problem(content)
    assert (problem.file, problem.line, problem.path) == ("tools.yaml", line + 2, "tools[0].colour")
    assert problem.message.startswith("unknown key (allowed: id, name, aliases, sources, category")
    assert str(problem).startswith(f"tools.yaml:{line + 2}: tools[0].colour: unknown key")


def test_unknown_key_in_a_nested_item_suggests_the_right_one(content: Path) -> None:
    line = edit(
        content,
        "certifications.yaml",
        "      amount: 300\n",
        "      amount: 300\n      currancy: USD\n",
    )
    with pytest.raises(ContentError) as caught:
        load_catalog(content)
    unknown = [p for p in caught.value.problems if p.path.endswith(".currancy")]
    assert len(unknown) == 1
    assert (unknown[0].file, unknown[0].line) == ("certifications.yaml", line + 1)
    assert unknown[0].path == "certifications[1].cost.currancy"
    assert unknown[0].message == (
        "unknown key (did you mean 'currency'? "
        "allowed: amount, currency, period, approximate, as_stated)"
    )


def test_unknown_top_level_key(content: Path) -> None:
    (content / "extra.yaml").write_text("# stray\ntoolz: []\n", encoding="utf-8")
    problem = only_problem(content)
    assert (problem.file, problem.line, problem.path) == ("extra.yaml", 2, "toolz")
    assert "unknown key (expected one of: sources, roles" in problem.message


def test_wrong_type(content: Path) -> None:
    line = edit(content, "salaries.yaml", FIRST_SALARY_MIN, "    min: lots\n")
    problem = only_problem(content)
    assert (problem.file, problem.line, problem.path) == ("salaries.yaml", line, "salaries[0].min")
    assert "decimal" in problem.message
    assert "'lots'" in problem.message


def test_wrong_literal(content: Path) -> None:
    line = edit(content, "salaries.yaml", "    period: hour\n", "    period: fortnight\n")
    problem = only_problem(content)
    assert problem.file == "salaries.yaml"
    assert problem.line == line
    assert problem.path.endswith(".period")
    assert "'year', 'month' or 'hour'" in problem.message


def test_missing_field_points_at_the_item(content: Path) -> None:
    line = edit(content, "tools.yaml", "    purpose: Distributed version control for code.\n", "")
    problem = only_problem(content)
    assert problem.file == "tools.yaml"
    assert problem.path.endswith(".purpose")
    assert problem.message == "Field required"
    assert problem.line is not None
    assert problem.line < line  # the '- id: git' line of the item


def test_duplicate_id(content: Path) -> None:
    line = edit(content, "tools.yaml", "  - id: java\n", "  - id: python\n")
    problem = only_problem(content)
    assert (problem.file, problem.line, problem.path) == ("tools.yaml", line, "tools[1].id")
    assert problem.message == "duplicate tool id 'python' (first used by tools[0])"


def test_duplicate_yaml_key(content: Path) -> None:
    line = edit(content, "tools.yaml", PYTHON_TOOL, PYTHON_TOOL + "    name: Python 3\n")
    problem = only_problem(content)
    assert (problem.file, problem.line, problem.path) == ("tools.yaml", line + 2, "tools[0].name")
    assert "duplicate key 'name'" in problem.message


def test_unknown_source(content: Path) -> None:
    old = "    sources: [003_3c8f27ef6018dc0f.txt]\n"
    path = content / "tools.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  - id: hadoop\n")
    offset = text.index(old, start)
    path.write_text(
        text[:offset] + "    sources: [004_not_a_seed.txt]\n" + text[offset + len(old) :],
        encoding="utf-8",
    )
    line = text[:offset].count("\n") + 1
    problem = only_problem(content)
    assert problem.file == "tools.yaml"
    assert problem.line == line
    assert problem.path.endswith(".sources[0]")
    assert problem.path.startswith("tools[")
    assert problem.message.startswith("unknown source '004_not_a_seed.txt'")


def test_dangling_reference(content: Path) -> None:
    line = edit(
        content,
        "tools.yaml",
        "    category: version-control\n    purpose: Distributed",
        "    category: vcs-tools\n    purpose: Distributed",
    )
    problem = only_problem(content)
    assert problem.file == "tools.yaml"
    assert problem.line == line
    assert problem.path.endswith(".category")
    assert problem.message.startswith("unknown tool category 'vcs-tools'")


def test_kind_defined_in_two_files(content: Path) -> None:
    (content / "zz-more.yaml").write_text("tools: []\n", encoding="utf-8")
    problem = only_problem(content)
    assert (problem.file, problem.line, problem.path) == ("zz-more.yaml", 1, "tools")
    assert "already defined in tools.yaml" in problem.message


def test_empty_file_is_reported(content: Path) -> None:
    (content / "empty.yaml").write_text("# nothing here\n", encoding="utf-8")
    assert str(only_problem(content)) == "empty.yaml: file is empty"


def test_all_problems_are_collected_across_files(content: Path) -> None:
    edit(content, "tools.yaml", PYTHON_TOOL, PYTHON_TOOL + "    colour: blue\n")
    edit(content, "salaries.yaml", FIRST_SALARY_MIN, "    min: lots\n")
    (content / "broken.yaml").write_text("tools: [\n", encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_catalog(content)
    files = {problem.file for problem in caught.value.problems}
    assert files == {"tools.yaml", "salaries.yaml", "broken.yaml"}
    assert "3 content problem(s)" in str(caught.value)


def test_missing_directory(tmp_path: Path) -> None:
    problems = check_content(tmp_path / "nope")
    assert len(problems) == 1
    assert problems[0].message == "content directory not found"


def test_dangling_roadmap_step_in_a_challenge(content: Path) -> None:
    line = edit(
        content,
        "challenges.yaml",
        "    roadmap_step: math-and-statistics\n",
        "    roadmap_step: linear-algebra\n",
    )
    problem = only_problem(content)
    assert (problem.file, problem.line) == ("challenges.yaml", line)
    assert problem.path == "challenges[2].roadmap_step"
    assert problem.message == "unknown roadmap step 'linear-algebra'"


def test_challenges_out_of_roadmap_order(content: Path) -> None:
    edit(
        content,
        "challenges.yaml",
        "    roadmap_step: math-and-statistics\n",
        "    roadmap_step: deployment\n",
    )
    line = edit(
        content,
        "challenges.yaml",
        "    week: 4\n    roadmap_step: ml-fundamentals\n",
        "    week: 4\n    roadmap_step: ml-fundamentals\n",
    )
    problem = only_problem(content)
    assert (problem.file, problem.line) == ("challenges.yaml", line + 1)
    assert problem.path == "challenges[3].roadmap_step"
    assert problem.message.startswith(
        "roadmap step 'ml-fundamentals' (step 4) comes before 'deployment' (step 7) "
        "of the previous challenge challenges[2]"
    )


def test_unquoted_colon_in_text_gets_a_hint(content: Path) -> None:
    line = edit(
        content,
        "challenges.yaml",
        "      - Write pytest unit tests for your distance function and your query helper.\n",
        "      - Write tests: two of them.\n",
    )
    problem = only_problem(content)
    assert (problem.file, problem.line, problem.path) == (
        "challenges.yaml",
        line,
        "challenges[1].tasks[2]",
    )
    assert problem.message.endswith("(got a mapping: quote text that contains ': ')")


def test_yml_file_is_reported_not_ignored(content: Path) -> None:
    (content / "extra.yml").write_text("tools: []\n", encoding="utf-8")
    assert str(only_problem(content)) == "extra.yml: not loaded: rename it to end in .yaml"


def test_alias_used_by_two_items(content: Path) -> None:
    line = edit(content, "tools.yaml", "    aliases: [torch]\n", "    aliases: [torch, tf]\n")
    problem = only_problem(content)
    assert (problem.file, problem.line) == ("tools.yaml", line)
    assert problem.path.endswith(".aliases[1]")
    assert problem.message == "alias 'tf' is already used by 'tensorflow'"


def test_kind_twice_in_one_file_is_one_duplicate_key(content: Path) -> None:
    path = content / "salaries.yaml"
    text = path.read_text(encoding="utf-8")
    line = text.count("\n") + 1
    path.write_text(text + "salary_notes: []\n", encoding="utf-8")
    problem = only_problem(content)
    assert (problem.file, problem.line, problem.path) == ("salaries.yaml", line, "salary_notes")
    assert problem.message.startswith("duplicate key 'salary_notes' (first at line ")


# -- the stricter rules of issue 15 ----------------------------------------------------------


def test_currency_must_be_iso_4217(content: Path) -> None:
    line = edit(content, "salaries.yaml", "    currency: GBP\n", "    currency: GPB\n")
    problem = only_problem(content)
    assert (problem.file, problem.line, problem.path) == (
        "salaries.yaml",
        line,
        "salaries[1].currency",
    )
    assert problem.message == "'GPB' is not an ISO 4217 currency code (did you mean 'GBP'?)"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.com/a", "must start with https:// or http://"),
        ("https://", "has no valid host"),
        ("example.com/article", "must start with https:// or http://"),
    ],
)
def test_source_url_must_be_a_web_link(content: Path, url: str, message: str) -> None:
    line = edit(
        content,
        "sources.yaml",
        '    title: "What is a Machine Learning Engineer?"\n',
        f'    title: "What is a Machine Learning Engineer?"\n    url: "{url}"\n',
    )
    problem = only_problem(content)
    assert (problem.file, problem.path) == ("sources.yaml", "sources[2]")
    assert problem.line == line - 1  # the item
    assert message in problem.message


def test_salary_numbers_must_equal_the_quoted_figures(content: Path) -> None:
    line = edit(content, "salaries.yaml", FIRST_SALARY_MIN, "    min: 100000\n")
    problem = only_problem(content)
    assert (problem.file, problem.path) == ("salaries.yaml", "salaries[0]")
    assert problem.line is not None
    assert problem.line < line
    assert problem.message == (
        "amounts [100000, 170000] differ from the figures in as_stated "
        "'$110K – $170K/year' ([110000, 170000])"
    )


def test_cost_amount_must_equal_the_quoted_figure(content: Path) -> None:
    edit(content, "certifications.yaml", "      amount: 300\n", "      amount: 350\n")
    problem = only_problem(content)
    assert problem.path == "certifications[1].cost"
    assert "amount [350] differs from the figure in as_stated '$300' ([300])" in problem.message


def test_our_words_may_not_state_a_figure(content: Path) -> None:
    line = edit(
        content,
        "tools.yaml",
        "    purpose: Distributed version control for code.\n",
        "    purpose: Version control used by 90% of teams.\n",
    )
    problem = only_problem(content)
    assert (problem.file, problem.line) == ("tools.yaml", line)
    assert problem.path.endswith(".purpose")
    assert problem.message.startswith("our own words may not state a figure (found '%')")


def test_outlook_figure_must_be_in_its_text(content: Path) -> None:
    edit(content, "market.yaml", "    figure: 23% → 31%\n", "    figure: 23% → 35%\n")
    problem = only_problem(content)
    assert problem.path == "outlook[0]"
    assert problem.message == "figure '23% → 35%': 35 not found in the text"


def test_challenge_points_follow_its_hours(content: Path) -> None:
    edit(
        content,
        "challenges.yaml",
        "    hours: 4\n    points: 20\n",
        "    hours: 4\n    points: 30\n",
    )
    problem = only_problem(content)
    assert problem.path == "challenges[0]"
    assert problem.message == "points (30) must be 5 per hour of work: 20 for 4 hours"


def test_challenge_must_fit_in_a_week(content: Path) -> None:
    edit(
        content,
        "challenges.yaml",
        "    hours: 4\n    points: 20\n",
        "    hours: 9\n    points: 45\n",
    )
    problem = only_problem(content)
    assert problem.path == "challenges[0].hours"
    assert "less than or equal to 6" in problem.message


def test_challenge_using_an_articles_resources_must_cite_it(content: Path) -> None:
    """Week 6 once practised 000's resources citing 001-003 only."""
    edit(
        content,
        "challenges.yaml",
        "    tools: [tensorflow, keras, pytorch, xgboost, scikit-learn]\n    hours: 6\n"
        "    points: 30\n    sources: [000_27d9e9dda03bb5f1.txt, ",
        "    tools: [tensorflow, keras, pytorch, xgboost, scikit-learn]\n    hours: 6\n"
        "    points: 30\n    sources: [",
    )
    problems = check_content(content)
    assert [p.path for p in problems] == [
        "challenges[5].resources[0]",
        "challenges[5].resources[1]",
    ]
    assert problems[0].message == (
        "'deep-learning-specialization' is named only by 000_27d9e9dda03bb5f1.txt, which this "
        "challenge does not cite: add one to its sources"
    )
