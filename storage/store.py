"""One object to open, hand around and close: the database and its repositories."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Self

from storage._codec import utc_now
from storage.audit import AuditRepository
from storage.db import Database, open_database
from storage.export import ExportRepository
from storage.leaderboards import LeaderboardRepository
from storage.members import MembersRepository
from storage.posts import PostsRepository
from storage.progress import ProgressRepository
from storage.reminders import RemindersRepository
from storage.reports import ReportsRepository
from storage.rewards import RewardsRepository
from storage.settings import SettingsRepository
from storage.threads import ThreadsRepository

__all__ = ["Store", "open_store"]


@dataclass(frozen=True, slots=True)
class Store:
    """The repositories over one :class:`~storage.db.Database`.

    Built by :func:`open_store` before the bot's client exists (``run_bot``), closed after it.
    """

    db: Database
    settings: SettingsRepository
    posts: PostsRepository
    progress: ProgressRepository
    leaderboards: LeaderboardRepository
    members: MembersRepository
    export: ExportRepository
    audit: AuditRepository
    threads: ThreadsRepository
    reminders: RemindersRepository
    reports: ReportsRepository
    rewards: RewardsRepository

    @classmethod
    def over(cls, db: Database, *, clock: Callable[[], datetime] = utc_now) -> Store:
        """Repositories over an already open database; ``clock`` stamps writes."""
        return cls(
            db=db,
            settings=SettingsRepository(db, clock),
            posts=PostsRepository(db, clock),
            progress=ProgressRepository(db, clock),
            leaderboards=LeaderboardRepository(db),
            members=MembersRepository(db, clock),
            export=ExportRepository(db),
            audit=AuditRepository(db),
            threads=ThreadsRepository(db, clock),
            reminders=RemindersRepository(db, clock),
            reports=ReportsRepository(db),
            rewards=RewardsRepository(db, clock),
        )

    async def close(self) -> None:
        """Close the database."""
        await self.db.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


async def open_store(
    path: Path | str, *, clock: Callable[[], datetime] = utc_now, verify: bool = True
) -> Store:
    """:func:`~storage.db.open_database` plus repositories. Same errors, same guarantees.

    ``path`` is an SQLite file or a ``postgresql://`` URL.
    """
    return Store.over(await open_database(path, verify=verify), clock=clock)
