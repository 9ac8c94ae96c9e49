-- 0004 (PostgreSQL): streaks kept on the member row; the definition and the events that
-- change runs are those of storage/migrations/0004 (read it first). PostgreSQL's trigger
-- WHEN cannot hold subqueries, so the conditions SQLite puts there are in the functions.

DROP TRIGGER completions_totals_insert ON completions;
DROP TRIGGER completions_totals_delete ON completions;
DROP FUNCTION completions_totals_insert();
DROP FUNCTION completions_totals_delete();
ALTER TABLE members DROP COLUMN completed_weeks;

ALTER TABLE members ADD COLUMN best_streak INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN run_end TEXT;
ALTER TABLE members ADD COLUMN run_length INTEGER NOT NULL DEFAULT 0;

DROP INDEX members_rank_all;
DROP INDEX members_rank_season;
CREATE INDEX members_rank_all
    ON members (guild_id, points_all DESC, reached_all_us, user_id, completions_all, opted_out,
                display_name, run_end, run_length, best_streak)
    WHERE completions_all > 0 AND opted_out = 0;
CREATE INDEX members_rank_season
    ON members (guild_id, points_season DESC, reached_season_us, user_id, completions_season,
                opted_out, display_name, run_end, run_length, best_streak)
    WHERE completions_season > 0 AND opted_out = 0;

CREATE TRIGGER challenge_posts_claimed_first BEFORE INSERT ON challenge_posts
    FOR EACH ROW WHEN (NEW.state = 'sent')
    EXECUTE FUNCTION mlebot_refuse('a post is claimed first, then marked sent');
CREATE TRIGGER challenge_posts_sent_final BEFORE UPDATE OF state ON challenge_posts
    FOR EACH ROW WHEN (OLD.state = 'sent' AND NEW.state <> 'sent')
    EXECUTE FUNCTION mlebot_refuse('a sent post stays sent');
CREATE TRIGGER challenge_posts_sent_kept BEFORE DELETE ON challenge_posts
    FOR EACH ROW WHEN (OLD.state = 'sent')
    EXECUTE FUNCTION mlebot_refuse('a sent post stays sent');

CREATE FUNCTION completions_totals_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE members
       SET points_all = points_all + NEW.points,
           completions_all = completions_all + 1,
           reached_all_us = GREATEST(coalesce(reached_all_us, NEW.completed_at_us),
                                     NEW.completed_at_us)
     WHERE guild_id = NEW.guild_id AND user_id = NEW.user_id;
    UPDATE members
       SET points_season = points_season + NEW.points,
           completions_season = completions_season + 1,
           reached_season_us = GREATEST(coalesce(reached_season_us, NEW.completed_at_us),
                                        NEW.completed_at_us)
     WHERE guild_id = NEW.guild_id AND user_id = NEW.user_id
       AND NEW.completed_at_us >= mlebot_season_start(NEW.guild_id);
    RETURN NULL;
END $$;
CREATE TRIGGER completions_totals_insert AFTER INSERT ON completions
    FOR EACH ROW EXECUTE FUNCTION completions_totals_insert();

CREATE FUNCTION completions_totals_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE members
       SET (points_all, completions_all, reached_all_us) = (
               SELECT coalesce(sum(c.points), 0), count(*), max(c.completed_at_us)
                 FROM completions AS c
                WHERE c.guild_id = OLD.guild_id AND c.user_id = OLD.user_id),
           (points_season, completions_season, reached_season_us) = (
               SELECT coalesce(sum(c.points), 0), count(*), max(c.completed_at_us)
                 FROM completions AS c
                WHERE c.guild_id = OLD.guild_id AND c.user_id = OLD.user_id
                  AND c.completed_at_us >= mlebot_season_start(OLD.guild_id))
     WHERE guild_id = OLD.guild_id AND user_id = OLD.user_id;
    RETURN NULL;
END $$;
CREATE TRIGGER completions_totals_delete AFTER DELETE ON completions
    FOR EACH ROW EXECUTE FUNCTION completions_totals_delete();

-- Recounting: as on SQLite, setting streaks_stale = 1 fires the one recount, which resets it.
ALTER TABLE members ADD COLUMN streaks_stale INTEGER NOT NULL DEFAULT 0;

CREATE FUNCTION members_streaks_recount() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE members
       SET streaks_stale = 0,
           (best_streak, run_end, run_length) = (
               SELECT coalesce(max(best), 0), max(last_week), coalesce(max(run_len), 0)
                 FROM (SELECT max(count(*)) OVER () AS best, max(week) AS last_week,
                              count(*) AS run_len
                         FROM (SELECT week, n - row_number() OVER (ORDER BY n) AS island
                                 FROM (SELECT iso_week AS week,
                                              row_number() OVER (ORDER BY iso_week) AS n
                                         FROM challenge_posts
                                        WHERE guild_id = NEW.guild_id AND state = 'sent') AS s
                                WHERE week IN (SELECT iso_week FROM completions
                                                WHERE guild_id = NEW.guild_id
                                                  AND user_id = NEW.user_id)) AS i
                        GROUP BY island
                        ORDER BY last_week DESC LIMIT 1) AS r)
     WHERE guild_id = NEW.guild_id AND user_id = NEW.user_id;
    RETURN NULL;
END $$;
CREATE TRIGGER members_streaks_recount AFTER UPDATE OF streaks_stale ON members
    FOR EACH ROW WHEN (NEW.streaks_stale = 1) EXECUTE FUNCTION members_streaks_recount();

-- SQLite's completions_streaks_extend and completions_streaks_insert, in one function: a
-- completion after the member's latest run extends it or starts a new one; one before it
-- marks the member for a recount.
CREATE FUNCTION completions_streaks_insert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    latest TEXT;
BEGIN
    SELECT run_end INTO latest FROM members
     WHERE guild_id = NEW.guild_id AND user_id = NEW.user_id;
    IF NEW.iso_week > coalesce(latest, '') THEN
        UPDATE members
           SET run_end = NEW.iso_week,
               run_length = CASE WHEN run_end = (SELECT max(iso_week) FROM challenge_posts
                                                  WHERE guild_id = NEW.guild_id
                                                    AND state = 'sent'
                                                    AND iso_week < NEW.iso_week)
                                 THEN run_length + 1 ELSE 1 END
         WHERE guild_id = NEW.guild_id AND user_id = NEW.user_id
           AND EXISTS (SELECT 1 FROM challenge_posts
                        WHERE guild_id = NEW.guild_id AND iso_week = NEW.iso_week
                          AND state = 'sent');
        UPDATE members SET best_streak = run_length
         WHERE guild_id = NEW.guild_id AND user_id = NEW.user_id AND run_length > best_streak;
    ELSIF NEW.iso_week < latest THEN
        UPDATE members SET streaks_stale = 1
         WHERE guild_id = NEW.guild_id AND user_id = NEW.user_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER completions_streaks_insert AFTER INSERT ON completions
    FOR EACH ROW EXECUTE FUNCTION completions_streaks_insert();

CREATE FUNCTION completions_streaks_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE members SET streaks_stale = 1
     WHERE guild_id = OLD.guild_id AND user_id = OLD.user_id;
    RETURN NULL;
END $$;
CREATE TRIGGER completions_streaks_delete AFTER DELETE ON completions
    FOR EACH ROW WHEN (OLD.iso_week IS NOT NULL)
    EXECUTE FUNCTION completions_streaks_delete();

CREATE FUNCTION challenge_posts_sent_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE members SET streaks_stale = 1
     WHERE guild_id = NEW.guild_id
       AND (user_id IN (SELECT user_id FROM completions
                         WHERE guild_id = NEW.guild_id AND iso_week = NEW.iso_week)
            OR (completions_all > 0
                AND EXISTS (SELECT 1 FROM challenge_posts
                             WHERE guild_id = NEW.guild_id AND state = 'sent'
                               AND iso_week > NEW.iso_week)));
    RETURN NULL;
END $$;
CREATE TRIGGER challenge_posts_sent_update AFTER UPDATE OF state ON challenge_posts
    FOR EACH ROW WHEN (NEW.state = 'sent' AND OLD.state <> 'sent')
    EXECUTE FUNCTION challenge_posts_sent_update();

UPDATE members SET streaks_stale = 1 WHERE completions_all > 0;
