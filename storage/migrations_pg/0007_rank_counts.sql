-- 0007 (PostgreSQL): rank counts, kept by storage/ranks.py (storage/migrations/0007).
CREATE TABLE rank_counts (
    guild_id BIGINT  NOT NULL,
    period   TEXT    NOT NULL CHECK (period IN ('all_time', 'season')),
    points   INTEGER NOT NULL,
    members  INTEGER NOT NULL CHECK (members >= 0),
    PRIMARY KEY (guild_id, period, points)
);

INSERT INTO rank_counts (guild_id, period, points, members)
SELECT guild_id, 'all_time', points_all, count(*) FROM members
 WHERE completions_all > 0 AND opted_out = 0
 GROUP BY guild_id, points_all;
INSERT INTO rank_counts (guild_id, period, points, members)
SELECT guild_id, 'season', points_season, count(*) FROM members
 WHERE completions_season > 0 AND opted_out = 0
 GROUP BY guild_id, points_season;
