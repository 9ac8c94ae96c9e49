"""After ``/forget-me`` the member's bytes are gone from the database *files*, not only from
the tables: ``secure_delete`` zeroes the freed cells and a WAL checkpoint (TRUNCATE) removes
the old page images from the ``-wal`` file, while the bot keeps running."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage.models import CompletionSource
from storage.store import Store

NAME = "Zephyrine-Quillfeather-7731"
NOTE = "https://example.org/qx-unique-note-91827364"
REASON = "uniq-mod-reason-55501"


def database_bytes(db_path: Path) -> bytes:
    """The raw bytes of the database file and its ``-wal`` (and ``-journal``) companions."""
    parts = [db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-journal")]
    return b"".join(p.read_bytes() for p in parts if p.exists())


async def record_secrets(store: Store) -> None:
    await store.progress.record_completion(
        1, 7, "c1", points=5, display_name=NAME, note=NOTE, source=CompletionSource.BUTTON
    )
    await store.progress.record_completion(
        1, 7, "c2", points=5, note=REASON, source=CompletionSource.MODERATOR, actor_id=99
    )
    await store.progress.record_completion(1, 8, "c1", points=3, display_name="Someone Else")


@pytest.mark.sqlite_only  # bytes in the database file and its WAL
async def test_forgotten_member_leaves_no_bytes_in_the_files(store: Store, db_path: Path) -> None:
    await record_secrets(store)
    assert NAME.encode() in database_bytes(db_path)  # the scan would see them
    assert NOTE.encode() in database_bytes(db_path)

    report = await store.members.forget_member(7, guild_id=1)

    assert report.completions == 2
    raw = database_bytes(db_path)
    for secret in (NAME, NOTE, REASON):
        assert secret.encode() not in raw, secret
    assert b"Someone Else" in raw  # the other member's data is still there


@pytest.mark.sqlite_only  # bytes in the database file
async def test_forget_after_a_checkpoint_also_clears_the_main_file(
    store: Store, db_path: Path
) -> None:
    """The secret was already copied into the main file by an earlier checkpoint."""
    await record_secrets(store)
    assert await store.db.checkpoint()
    assert NAME.encode() in database_bytes(db_path)  # the WAL is empty: the main file has it

    await store.members.forget_member(7)

    raw = database_bytes(db_path)
    for secret in (NAME, NOTE, REASON):
        assert secret.encode() not in raw, secret
    # and the store keeps working after the checkpoint
    await store.progress.record_completion(1, 9, "c1", points=1)
    assert (await store.progress.summary(1, 9)) is not None
