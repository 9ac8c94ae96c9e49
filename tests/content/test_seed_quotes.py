"""The excerpts in ``seed_quotes.yaml`` still occur in the seed articles, and they list every
place an article names a tool, resource, certification or title (needs the seeds)."""

from __future__ import annotations

import pytest

from content.loader import load_catalog
from tests.content.seed_quotes import QUOTES_FILE, generate, load_quotes, seed_dir, squash

SEEDS = seed_dir()
pytestmark = pytest.mark.skipif(
    SEEDS is None, reason="seed articles not here (../shared/seeds, /work/shared/seeds)"
)


def test_every_quote_occurs_in_its_article() -> None:
    assert SEEDS is not None
    texts = {p.name: squash(p.read_text(encoding="utf-8")) for p in SEEDS.glob("*.txt")}
    missing = [q for q in load_quotes() if squash(q.quote) not in texts[q.article]]
    assert not missing, missing[:5]


def test_quotes_file_is_up_to_date_with_the_content_and_the_seeds() -> None:
    assert SEEDS is not None
    assert QUOTES_FILE.read_text(encoding="utf-8") == generate(SEEDS), (
        "regenerate with: python -m tests.content.seed_quotes <seeds dir>"
    )


def test_seed_files_are_the_sources() -> None:
    assert SEEDS is not None
    files = sorted(p.name for p in SEEDS.glob("*.txt"))
    assert files == sorted(s.file for s in load_catalog().sources)
