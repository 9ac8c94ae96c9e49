"""The dev tools are pinned in one place and the pre-commit hooks use the same ruff."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9_.-]+)==(\S+)$")


def requirement_name(requirement: str) -> str:
    return re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0].lower()


def constraints() -> dict[str, str]:
    pins: dict[str, str] = {}
    for raw in (ROOT / "constraints-dev.txt").read_text("utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            match = PIN.match(line)
            assert match, f"constraints-dev.txt: {line!r} is not an exact pin (name==version)"
            pins[match[1].lower()] = match[2]
    return pins


def test_every_dev_tool_has_an_exact_pin() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    dev = {requirement_name(r) for r in pyproject["project"]["optional-dependencies"]["dev"]}
    assert sorted(dev - set(constraints())) == []


def test_pre_commit_runs_the_pinned_ruff() -> None:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text("utf-8"))
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    assert {hook["id"] for hook in hooks} >= {"ruff-check", "ruff-format"}
    for hook in hooks:
        assert hook["additional_dependencies"] == [f"ruff=={constraints()['ruff']}"], hook["id"]
