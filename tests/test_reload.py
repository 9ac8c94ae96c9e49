"""Content hot-reload: a valid change is swapped in and reported; invalid YAML changes nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.reload import ReloadReport, reload_content
from bot.services import Content
from content.diff import diff_catalogs
from content.loader import bundled_content_dir, load_catalog


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(bundled_content_dir(), target)
    return target


@pytest.fixture
def content(content_copy: Path) -> Content:
    return Content(load_catalog(content_copy))


async def test_valid_edit_is_swapped_in_and_reported(content: Content, content_copy: Path) -> None:
    before = content.catalog
    tools = content_copy / "tools.yaml"
    text = tools.read_text(encoding="utf-8")
    old_purpose = before.tool("kubernetes").purpose
    assert old_purpose in text
    tools.write_text(text.replace(old_purpose, "Runs containers at scale.", 1), encoding="utf-8")

    report = await reload_content(content, content_copy)

    assert report.ok
    assert content.catalog is not before
    assert content.catalog.tool("kubernetes").purpose == "Runs containers at scale."
    assert report.changes == ("tools: +0, -0, 1 edited (kubernetes)",)
    assert "kubernetes" in report.summary()


async def test_invalid_yaml_keeps_the_old_content(content: Content, content_copy: Path) -> None:
    before = content.catalog
    roles = content_copy / "roles.yaml"
    roles.write_text(roles.read_text(encoding="utf-8") + "\n  broken: [unclosed\n", "utf-8")

    report = await reload_content(content, content_copy)

    assert not report.ok
    assert content.catalog is before
    assert report.problems
    assert report.problems[0].startswith("roles.yaml:")
    assert report.summary().startswith("Content NOT reloaded (")


async def test_unchanged_content_reports_no_changes(content: Content, content_copy: Path) -> None:
    report = await reload_content(content, content_copy)
    assert report.ok
    assert report.summary() == "Content reloaded: no changes."


def test_summary_lists_at_most_ten_problems() -> None:
    report = ReloadReport(ok=False, problems=tuple(f"f.yaml:{n}: x: bad" for n in range(25)))
    lines = report.summary().splitlines()
    assert len(lines) == 12
    assert lines[-1] == "- ... and 15 more"


def test_diff_names_added_and_removed_items(content_copy: Path) -> None:
    old = load_catalog(content_copy)
    trimmed = old.model_copy(update={"tools": old.tools[1:]})
    removed = old.tools[0].id
    assert diff_catalogs(old, trimmed) == (f"tools: +0, -1 ({removed}), 0 edited",)
    assert diff_catalogs(trimmed, old) == (f"tools: +1 ({removed}), -0, 0 edited",)
