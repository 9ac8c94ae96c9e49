"""The settings are documented from one source: ``bot.settings.Settings``.

The README's "Settings" table and ``mle-bot --help`` are both generated from the fields'
descriptions and defaults; these tests fail when either drifts from the code.
"""

from __future__ import annotations

from pathlib import Path

from bot.__main__ import build_parser
from bot.settings import (
    ENV_NAMES,
    SettingDoc,
    Settings,
    setting_docs,
    settings_epilog,
    settings_table,
)
from bot.settings_help import EPILOG

README = Path(__file__).resolve().parent.parent / "README.md"


def readme_settings_table() -> list[str]:
    """The table rows under the README's "## Settings" heading."""
    text = README.read_text("utf-8")
    section = text.split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]
    return [line for line in section.splitlines() if line.startswith("|")]


def cells(row: str) -> list[str]:
    return [cell.strip() for cell in row.strip().strip("|").split(" | ")]


def test_readme_names_and_defaults_match_the_settings() -> None:
    rows = [cells(row) for row in readme_settings_table()[2:]]
    documented = {name.strip("`"): default for name, default, _ in rows}
    assert list(documented) == [ENV_NAMES[field] for field in Settings.model_fields]
    defaults = Settings.model_construct()  # the defaults, without reading the environment
    for field in Settings.model_fields:
        shown = documented[ENV_NAMES[field]]
        value = getattr(defaults, field)
        if shown.startswith("`"):  # a value: it must be the field's default
            literal = shown.strip("`")
            assert literal.removeprefix("./") == str(value).removesuffix(".0"), field
        else:  # words: only for a setting without a value by default
            assert value is None, f"{field}: README says {shown!r}, the default is {value!r}"


def test_readme_table_is_the_generated_one() -> None:
    expected = settings_table()
    assert "\n".join(readme_settings_table()) + "\n" == expected, (
        "README.md's Settings table differs from bot.settings; replace it with:\n" + expected
    )


def test_help_epilog_is_the_generated_one() -> None:
    expected = settings_epilog()
    assert expected == EPILOG, (
        "bot/settings_help.py differs from bot.settings; regenerate it (see its docstring)"
    )


def test_help_lists_every_setting_with_its_default() -> None:
    text = " ".join(build_parser().format_help().split())
    for doc in setting_docs():
        assert isinstance(doc, SettingDoc)
        assert doc.meaning, f"{doc.env} has no description"
        assert f"{doc.env} {doc.meaning.replace('`', '')}" in text
        assert f"[default: {doc.default.replace('`', '')}]" in text
