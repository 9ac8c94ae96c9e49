-- 0007: rank counts. Per guild and period ('all_time', 'season'), how many ranked members
-- (a completion in the period, not opted out) have each points total, so a member's rank
-- is 1 + the members on the totals above theirs: a sum over the guild's distinct totals
-- (dozens to hundreds), not a count over its members (thousands).
--
-- Kept by the repositories in the same transaction as the write that moves a member's
-- totals (storage/ranks.py): recording and undoing a completion, opting out, forgetting a
-- member, a new season start. Deliberately no trigger: derived data gets one code path,
-- in Python, that another SQL engine can share. Rows never hold 0 members.
CREATE TABLE rank_counts (
    guild_id INTEGER NOT NULL,
    period   TEXT    NOT NULL CHECK (period IN ('all_time', 'season')),
    points   INTEGER NOT NULL,
    members  INTEGER NOT NULL CHECK (members >= 0),
    PRIMARY KEY (guild_id, period, points)
) STRICT, WITHOUT ROWID;

-- Backfill from the members' totals (0002), through the ranking indexes.
INSERT INTO rank_counts (guild_id, period, points, members)
SELECT guild_id, 'all_time', points_all, count(*) FROM members
 WHERE completions_all > 0 AND opted_out = 0
 GROUP BY guild_id, points_all;
INSERT INTO rank_counts (guild_id, period, points, members)
SELECT guild_id, 'season', points_season, count(*) FROM members
 WHERE completions_season > 0 AND opted_out = 0
 GROUP BY guild_id, points_season;
