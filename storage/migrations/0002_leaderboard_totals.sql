-- 0002: per-member totals maintained on write, so ranking never scans completions.
-- reached_*_us is the completed_at of the member's latest counted completion: among equal
-- points, whoever reached the total first ranks first. completed_weeks lists the ISO weeks
-- of the member's completions (comma-separated, any order): the input for streaks, kept
-- here so a leaderboard page reads one row per member.

ALTER TABLE members ADD COLUMN points_all INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN completions_all INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN reached_all_us INTEGER;
ALTER TABLE members ADD COLUMN points_season INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN completions_season INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN reached_season_us INTEGER;
ALTER TABLE members ADD COLUMN completed_weeks TEXT;

-- Leaderboard order; partial so opted-out and empty members cost nothing. Queries repeat the
-- WHERE terms verbatim, which is what lets SQLite use a partial index. The trailing filter
-- columns make the index covering: counting the members above someone reads no table rows.
CREATE INDEX members_rank_all
    ON members (guild_id, points_all DESC, reached_all_us, user_id, completions_all, opted_out)
    WHERE completions_all > 0 AND opted_out = 0;
CREATE INDEX members_rank_season
    ON members (guild_id, points_season DESC, reached_season_us, user_id, completions_season,
                opted_out)
    WHERE completions_season > 0 AND opted_out = 0;

-- Inserts (the hot path) add; deletes recompute the member from their own completions
-- (a few dozen clustered rows), because a latest-completion time cannot be subtracted.
CREATE TRIGGER completions_totals_insert AFTER INSERT ON completions
BEGIN
    UPDATE members
       SET points_all = points_all + NEW.points,
           completions_all = completions_all + 1,
           reached_all_us = max(coalesce(reached_all_us, NEW.completed_at_us), NEW.completed_at_us),
           completed_weeks = CASE WHEN NEW.iso_week IS NULL THEN completed_weeks
                                  ELSE coalesce(completed_weeks || ',', '') || NEW.iso_week END
     WHERE guild_id = NEW.guild_id AND user_id = NEW.user_id;
    UPDATE members
       SET points_season = points_season + NEW.points,
           completions_season = completions_season + 1,
           reached_season_us =
               max(coalesce(reached_season_us, NEW.completed_at_us), NEW.completed_at_us)
     WHERE guild_id = NEW.guild_id AND user_id = NEW.user_id
       AND NEW.completed_at_us >= coalesce(
               (SELECT season_start_us FROM guild_settings WHERE guild_id = NEW.guild_id),
               -9223372036854775808);
END;

CREATE TRIGGER completions_totals_delete AFTER DELETE ON completions
BEGIN
    UPDATE members
       SET (points_all, completions_all, reached_all_us, completed_weeks) = (
               SELECT coalesce(sum(c.points), 0), count(*), max(c.completed_at_us),
                      group_concat(c.iso_week)
                 FROM completions AS c
                WHERE c.guild_id = OLD.guild_id AND c.user_id = OLD.user_id),
           (points_season, completions_season, reached_season_us) = (
               SELECT coalesce(sum(c.points), 0), count(*), max(c.completed_at_us)
                 FROM completions AS c
                WHERE c.guild_id = OLD.guild_id AND c.user_id = OLD.user_id
                  AND c.completed_at_us >= coalesce(
                          (SELECT season_start_us FROM guild_settings
                            WHERE guild_id = OLD.guild_id),
                          -9223372036854775808))
     WHERE guild_id = OLD.guild_id AND user_id = OLD.user_id;
END;

-- Completions are facts: correct them by deleting and recording again, so the two
-- triggers above are the whole story of how totals change.
CREATE TRIGGER completions_immutable BEFORE UPDATE ON completions
BEGIN
    SELECT RAISE(ABORT, 'completions are immutable: delete and insert instead');
END;

-- A new season start recounts the guild's season totals (rare; one pass over its members).
CREATE TRIGGER guild_season_insert AFTER INSERT ON guild_settings
WHEN NEW.season_start_us IS NOT NULL
BEGIN
    UPDATE members
       SET (points_season, completions_season, reached_season_us) = (
               SELECT coalesce(sum(c.points), 0), count(*), max(c.completed_at_us)
                 FROM completions AS c
                WHERE c.guild_id = members.guild_id AND c.user_id = members.user_id
                  AND c.completed_at_us >= NEW.season_start_us)
     WHERE guild_id = NEW.guild_id;
END;

CREATE TRIGGER guild_season_update AFTER UPDATE OF season_start_us ON guild_settings
WHEN NEW.season_start_us IS NOT OLD.season_start_us
BEGIN
    UPDATE members
       SET (points_season, completions_season, reached_season_us) = (
               SELECT coalesce(sum(c.points), 0), count(*), max(c.completed_at_us)
                 FROM completions AS c
                WHERE c.guild_id = members.guild_id AND c.user_id = members.user_id
                  AND c.completed_at_us >= coalesce(NEW.season_start_us, -9223372036854775808))
     WHERE guild_id = NEW.guild_id;
END;

-- Backfill from what 0001 databases already hold.
UPDATE members
   SET (points_all, completions_all, reached_all_us, completed_weeks) = (
           SELECT coalesce(sum(c.points), 0), count(*), max(c.completed_at_us),
                  group_concat(c.iso_week)
             FROM completions AS c
            WHERE c.guild_id = members.guild_id AND c.user_id = members.user_id),
       (points_season, completions_season, reached_season_us) = (
           SELECT coalesce(sum(c.points), 0), count(*), max(c.completed_at_us)
             FROM completions AS c
            WHERE c.guild_id = members.guild_id AND c.user_id = members.user_id
              AND c.completed_at_us >= coalesce(
                      (SELECT season_start_us FROM guild_settings AS g
                        WHERE g.guild_id = members.guild_id),
                      -9223372036854775808));
