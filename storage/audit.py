"""The audit log of moderator actions: written inside the action's own transaction."""

from __future__ import annotations

from datetime import datetime

from storage._codec import from_us, to_us
from storage.db import Connection, Database, Row, Transaction
from storage.models import AuditEntry

__all__ = ["AuditRepository", "record_audit", "write_audit"]

_RECENT = (
    "SELECT audit_id, guild_id, at_us, actor_id, action, target_user_id, challenge_id, detail"
    " FROM audit_log WHERE guild_id = ? AND audit_id < ? ORDER BY audit_id DESC LIMIT ?"
)


_INSERT = (
    "INSERT INTO audit_log (guild_id, at_us, actor_id, action, target_user_id,"
    " challenge_id, detail) VALUES (?, ?, ?, ?, ?, ?, ?)"
)


def write_audit(
    conn: Connection,
    *,
    guild_id: int,
    at: datetime,
    actor_id: int,
    action: str,
    target_user_id: int | None = None,
    challenge_id: str | None = None,
    detail: str | None = None,
) -> None:
    """:func:`record_audit` inside a :meth:`~storage.db.Database.write` job."""
    conn.execute(
        _INSERT, (guild_id, to_us(at), actor_id, action, target_user_id, challenge_id, detail)
    )


async def record_audit(
    tx: Transaction,
    *,
    guild_id: int,
    at: datetime,
    actor_id: int,
    action: str,
    target_user_id: int | None = None,
    challenge_id: str | None = None,
    detail: str | None = None,
) -> None:
    """Append one entry as part of ``tx``, so the action and its record commit together."""
    await tx.execute(
        _INSERT, (guild_id, to_us(at), actor_id, action, target_user_id, challenge_id, detail)
    )


def _entry(row: Row) -> AuditEntry:
    return AuditEntry(row[0], row[1], from_us(row[2]), row[3], row[4], row[5], row[6], row[7])


class AuditRepository:
    """Read the audit log (entries are written by the repositories that act)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def recent(
        self, guild_id: int, *, limit: int = 50, before_id: int | None = None
    ) -> list[AuditEntry]:
        """Newest first; pass the last ``audit_id`` seen as ``before_id`` for the next page."""
        rows = await self._db.fetch(
            _RECENT,
            (guild_id, 2**63 - 1 if before_id is None else before_id, limit),
        )
        return [_entry(row) for row in rows]
