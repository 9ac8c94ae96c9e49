"""storage stands alone: importing it loads no discord and touches no files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_import_has_no_discord_and_no_side_effects(tmp_path: Path) -> None:
    code = (
        "import sys, storage.store, storage.db;"
        "assert not any(m == 'discord' or m.startswith(('discord.', 'bot', 'scheduler'))"
        " for m in sys.modules), sorted(sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], cwd=tmp_path, check=True)
    assert list(tmp_path.iterdir()) == []
