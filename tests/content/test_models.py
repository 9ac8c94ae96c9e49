"""Model-level rules that hold however a catalog is built (YAML or Python)."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from content.loader import ContentProblem
from content.models import Catalog, Salary, Source, Tool, ToolCategory

SOURCE = "000_27d9e9dda03bb5f1.txt"


def salary(**overrides: Any) -> Salary:
    fields: dict[str, Any] = {
        "id": "usa",
        "name": "USA",
        "currency": "USD",
        "period": "year",
        "framing": "as stated",
        "as_stated": "$1 – $2",
        "sources": [SOURCE],
        "min": 1,
        "max": 2,
    }
    fields.update(overrides)
    return Salary.model_validate(fields)


def test_salary_needs_an_amount_or_a_range() -> None:
    with pytest.raises(ValidationError, match="give either amount or min/max"):
        salary(min=None, max=None)
    with pytest.raises(ValidationError, match="not both"):
        salary(amount=3)
    with pytest.raises(ValidationError, match="greater than max"):
        salary(min=5, max=2)
    one = salary(min=None, max=None, amount=Decimal("42.5"), as_stated="$42.5 an hour")
    assert one.amount == Decimal("42.5")


@pytest.mark.parametrize(
    ("field", "value"),
    [("currency", "usd"), ("period", "week"), ("level", "lead"), ("id", "Not A Slug")],
)
def test_salary_field_rules(field: str, value: str) -> None:
    with pytest.raises(ValidationError):
        salary(**{field: value})


def test_models_are_frozen_and_forbid_unknown_keys() -> None:
    item = salary()
    with pytest.raises(ValidationError):
        item.currency = "EUR"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        salary(colour="blue")


def test_a_catalog_built_in_python_is_checked_too() -> None:
    source = Source(file=SOURCE, title="An article")
    category = ToolCategory(id="deployment", name="Deployment", sources=(SOURCE,))
    tool = Tool(id="docker", name="Docker", category="deploy", purpose="p", sources=(SOURCE,))
    with pytest.raises(ValidationError, match=r"tools\[0\]\.category: unknown tool category"):
        Catalog(sources=(source,), tool_categories=(category,), tools=(tool,))
    ok = Catalog(
        sources=(source,),
        tool_categories=(category,),
        tools=(tool.model_copy(update={"category": "deployment"}),),
    )
    assert ok.tool("docker").category == "deployment"
    assert ok.tools_in("deployment") == ok.tools
    assert ok.counts()["tools"] == 1
    with pytest.raises(KeyError):
        ok.tool("podman")


def test_problem_formatting() -> None:
    assert str(ContentProblem("a.yaml", 3, "tools[0].id", "bad")) == "a.yaml:3: tools[0].id: bad"
    assert str(ContentProblem("a.yaml", None, "", "file is empty")) == "a.yaml: file is empty"
    assert (
        str(ContentProblem("a.yaml", 7, "", "YAML syntax error")) == "a.yaml:7: YAML syntax error"
    )


def test_importing_content_is_pure() -> None:
    code = (
        "import sys, builtins\n"
        "opened = []\n"
        "real_open = builtins.open\n"
        "builtins.open = lambda *a, **k: (opened.append(a[0]), real_open(*a, **k))[1]\n"
        "import content, content.loader, content.models\n"
        "assert 'discord' not in sys.modules, 'content imports discord'\n"
        "assert not [p for p in opened if str(p).endswith('.yaml')], opened\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
