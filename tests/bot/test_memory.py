"""``bot.memory.release_memory``: returns freed C-heap pages on glibc, only collects elsewhere;
and ``mle-bot run`` reads its settings before importing discord.py (so start-up's garbage is
freed before the big imports)."""

from __future__ import annotations

import gc
import json
import os
import platform
import subprocess
import sys
import weakref
from pathlib import Path

import pytest

from bot.memory import glibc_version, release_memory

ROOT = Path(__file__).resolve().parents[2]
ON_GLIBC = platform.libc_ver()[0] == "glibc"


def resident_mb() -> float:
    """This process's resident memory (Linux ``/proc``), in MiB."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


class Node:
    def __init__(self) -> None:
        self.me = self


def test_glibc_version_agrees_with_platform() -> None:
    found = glibc_version()
    if ON_GLIBC:
        assert found == platform.libc_ver()[1]
    else:
        assert found is None


@pytest.mark.skipif(not ON_GLIBC or not Path("/proc/self/statm").exists(), reason="glibc only")
def test_release_returns_freed_heap_pages_to_the_system() -> None:
    # 40 MB in 2 KiB blocks (malloc, not pymalloc; below mmap's threshold), then a block above
    # them: freeing the 40 MB leaves a hole that glibc's free() keeps resident.
    blocks = [bytes(2048) for _ in range(20_000)]
    for n, block in enumerate(blocks):  # touch every page
        assert block[0] == 0, n
    sentinel = bytes(2048)
    del blocks
    before = resident_mb()
    assert release_memory() is True
    after = resident_mb()
    assert before - after > 20, (before, after)
    assert sentinel == bytes(2048)


def test_release_is_only_a_collection_off_glibc(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_glibc(name: str) -> str:
        raise ValueError(f"unrecognized configuration name {name!r}")  # musl, macOS

    monkeypatch.setattr(os, "confstr", no_glibc)
    assert glibc_version() is None
    gc.disable()
    try:
        node = Node()
        alive = weakref.ref(node)
        del node
        assert alive() is not None  # a cycle: only the collector frees it
        assert release_memory() is False
        assert alive() is None
    finally:
        gc.enable()


RUN = (
    "import json, sys\n"
    "from bot.__main__ import main\n"
    "code = main(['run'])\n"
    "print(json.dumps([code, sorted(sys.modules)]))\n"
)


def run_without_discord(tmp_path: Path, **env: str) -> tuple[int, str]:
    """``mle-bot run`` expected to stop before connecting: exit code and stderr; asserts it
    never imported discord.py (settings and content are checked first)."""
    result = subprocess.run(
        [sys.executable, "-c", RUN],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PATH": "", "PYTHONPATH": str(ROOT), "MLEBOT_DATABASE": str(tmp_path / "db"), **env},
        timeout=60,
        check=False,
    )
    code, loaded = json.loads(result.stdout.splitlines()[-1])
    assert [m for m in loaded if m.split(".")[0] in ("discord", "aiohttp")] == []
    return code, result.stderr


def test_run_reads_settings_before_importing_discord(tmp_path: Path) -> None:
    code, stderr = run_without_discord(tmp_path)
    assert code == 2, stderr
    assert "DISCORD_TOKEN" in stderr


def test_run_refuses_broken_content_before_importing_discord(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    (content / "roles.yaml").write_text("roles:\n  - id: x\n    nam: typo\n", encoding="utf-8")
    code, stderr = run_without_discord(
        tmp_path, DISCORD_TOKEN="not-a-real-token", MLEBOT_CONTENT_DIR=str(content)
    )
    assert code == 1, stderr
    assert "roles.yaml:" in stderr
    assert "MLEBOT_CONTENT_DIR: content has problems; fix them" in stderr


def test_settling_freezes_the_loaded_heap_and_raises_the_young_threshold() -> None:
    # In a child: freezing and thresholds belong to the whole process.
    script = """
import gc, json
from bot.memory import GC_YOUNG_THRESHOLD, settle_heap
loaded = [object() for _ in range(1000)]
before = (gc.get_freeze_count(), gc.get_threshold())
settle_heap()
kept = gc.get_freeze_count()
cycle = []
cycle.append(cycle)  # cyclic garbage made after settling is still collected
del cycle
print(json.dumps([before, kept, gc.get_threshold(), GC_YOUNG_THRESHOLD, gc.collect()]))
"""
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    (frozen_before, threshold_before), frozen, threshold, young, collected = json.loads(out.stdout)
    assert frozen_before == 0
    assert threshold_before[0] == 700  # CPython's default, which settling changes
    assert frozen > 1000  # the objects alive when settling: never walked again
    assert threshold == [young, threshold_before[1], threshold_before[2]]
    assert collected >= 1
