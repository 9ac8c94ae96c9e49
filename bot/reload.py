"""Content hot-reload (``/admin reload-content`` and SIGHUP): validate, then swap atomically."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path

from bot.services import Content
from content.diff import diff_catalogs
from content.loader import ContentError, load_catalog

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReloadReport:
    """The outcome of one reload: either the changes made or the problems that blocked it."""

    ok: bool
    changes: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()

    def summary(self, *, max_problems: int = 10) -> str:
        """A short text for moderators (at most ``max_problems`` problems are listed)."""
        if not self.ok:
            shown = [f"- {p}" for p in self.problems[:max_problems]]
            if len(self.problems) > max_problems:
                shown.append(f"- ... and {len(self.problems) - max_problems} more")
            head = f"Content NOT reloaded ({len(self.problems)} problem(s)); the old content stays:"
            return "\n".join([head, *shown])
        if not self.changes:
            return "Content reloaded: no changes."
        return "Content reloaded:\n" + "\n".join(f"- {c}" for c in self.changes)


async def reload_content(content: Content, directory: Path | None) -> ReloadReport:
    """Re-read ``directory`` (``None``: the bundled content); swap it in only if it is entirely
    valid.

    Parsing runs in a thread so the gateway heartbeat is never blocked. The swap is a single
    attribute assignment: every reader sees the old catalog or the new one, never a mix.
    """
    try:
        catalog = await asyncio.to_thread(load_catalog, directory)
    except ContentError as exc:
        report = ReloadReport(ok=False, problems=tuple(str(p) for p in exc.problems))
        log.warning(
            "content reload refused: %d problem(s)",
            len(report.problems),
            extra={"event": "content_reload", "outcome": "invalid"},
        )
        return report
    report = ReloadReport(ok=True, changes=diff_catalogs(content.catalog, catalog))
    content.catalog = catalog
    log.info(
        "content reloaded: %d kind(s) changed",
        len(report.changes),
        extra={"event": "content_reload", "outcome": "ok"},
    )
    return report
