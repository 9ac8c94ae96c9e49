"""Streaks: the definition, and how a stored member row yields its current streak.

Definition. A guild's *challenge weeks* are the ISO weeks in which its weekly post was
sent (ledger state ``sent``), in order. A member *completed* a challenge week when they
have a completion attributed to that week (the week of the post of the challenge).

* **best streak**: the longest run of consecutive challenge weeks all completed.
* **current streak**: counted backwards from the latest challenge week. If the member has
  not completed the latest one yet, counting starts at the one before: that week's
  challenge is still open, so not having done it *yet* does not end a streak.

Weeks without a post (paused guild, missed or failed post) are not challenge weeks, so
they neither count nor break a streak. Completions attributed to other weeks are ignored.

Storage. Triggers (migration 0004) keep on each member row ``best_streak``, ``run_end``
(the last week of the member's latest run) and ``run_length`` (that run's length), so a
leaderboard page reads no streak inputs. The current streak is the latest run if it ends
on one of the guild's two latest challenge weeks, else 0: :func:`current_streak_sql`.
"""

from __future__ import annotations

__all__ = ["current_streak_sql"]


def current_streak_sql(member: str) -> str:
    """SQL for the current streak of the ``members`` row aliased ``member``, in ``:guild``.

    The guild's second-latest challenge week is two entries of the sent-weeks index read
    backwards; the subquery is uncorrelated, so it runs once per statement. With fewer than
    two challenge weeks every stored run counts (``''`` sorts before any week).
    """
    return (
        f"CASE WHEN {member}.run_end >= coalesce((SELECT s.iso_week FROM challenge_posts AS s"  # noqa: S608
        " WHERE s.guild_id = :guild AND s.state = 'sent' ORDER BY s.iso_week DESC"
        f" LIMIT 1 OFFSET 1), '') THEN {member}.run_length ELSE 0 END"
    )
