"""Import rules: bot -> scheduler -> {content, storage}; only bot imports discord.

Walks the source with ``ast`` (no imports executed), so a violation anywhere in a module
is found, including imports inside functions.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "content", "scheduler", "storage")
ALLOWED = {
    "bot": {"bot", "scheduler", "content", "storage"},
    "scheduler": {"scheduler", "content", "storage"},
    "content": {"content"},
    "storage": {"storage"},
}
DISCORD_MODULES = {"discord", "aiohttp"}


def imported_top_levels(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", PACKAGES)
def test_dependency_direction(package: str) -> None:
    offenders = []
    for path in sorted((ROOT / package).rglob("*.py")):
        imported = imported_top_levels(path)
        ours = imported & set(PACKAGES)
        if not ours <= ALLOWED[package]:
            offenders.append(f"{path.relative_to(ROOT)} imports {sorted(ours - ALLOWED[package])}")
        if package != "bot" and imported & DISCORD_MODULES:
            offenders.append(f"{path.relative_to(ROOT)} imports discord")
    assert not offenders, offenders


@pytest.mark.slow  # a subprocess per package
def test_importing_packages_has_no_side_effects(tmp_path: Path) -> None:
    """Importing every module opens no file under cwd, starts no loop, reads no settings."""
    modules = [
        ".".join(p.relative_to(ROOT).with_suffix("").parts)
        for package in PACKAGES
        for p in sorted((ROOT / package).rglob("*.py"))
        if p.name != "__main__.py"
    ]
    script = (
        "import importlib, sys, threading\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "assert threading.active_count() == 1, threading.enumerate()\n"
        "print('ok')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PATH": "", "PYTHONPATH": str(ROOT)},
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert list(tmp_path.iterdir()) == []
