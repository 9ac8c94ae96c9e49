"""What the running bot imports at start: nothing it only needs later (issue 14, idle memory).

The modules are the ones ``cmd_run`` imports before the client starts, read from its source
(so a new import there is covered), imported in a fresh interpreter. Pillow (~3.6 MB resident)
is loaded by the first picture drawn, not at start; the settings are read by a few lines of
``bot.settings``, not pydantic-settings (1.4 MB of the idle bot, for its dotenv, CLI and cloud
sources, which the bot does not use).
"""

from __future__ import annotations

import ast
import inspect
import json
import subprocess
import sys
from pathlib import Path

from bot.__main__ import cmd_run

ROOT = Path(__file__).resolve().parents[1]
#: Top-level packages the bot must not have loaded once it is started and idle.
NOT_AT_START = ("PIL", "pydantic_settings", "dotenv")


def run_imports() -> list[str]:
    """The modules ``cmd_run`` imports, in its order (``import x`` and ``from x import y``)."""
    tree = ast.parse(inspect.getsource(cmd_run))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
        elif isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
    return found


def loaded_after_importing(modules: list[str]) -> set[str]:
    script = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "", "PYTHONPATH": str(ROOT)},
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.splitlines()[-1]))


def test_run_imports_are_read_from_cmd_run() -> None:
    modules = run_imports()
    assert "bot.client" in modules  # the client, its cogs and bot.cards with them
    assert "bot.settings" in modules


def test_starting_the_bot_loads_neither_pillow_nor_pydantic_settings() -> None:
    loaded = loaded_after_importing(run_imports())
    assert "bot.cards" in loaded  # the cogs that draw are imported...
    early = sorted(m for m in loaded if m.split(".")[0] in NOT_AT_START)
    assert early == []  # ...but Pillow waits for the first picture
    assert "pydantic" in loaded  # the settings and the content are still pydantic models
