-- 0004: streaks kept on the member row, so a leaderboard page reads no streak inputs.
--
-- Definition: a guild's challenge weeks are the ISO weeks of its sent posts. A member's
-- runs are maximal sequences of consecutive challenge weeks that they completed. Stored:
--   best_streak  the member's longest run (0 if none);
--   run_end      the last week of their latest run (NULL if none);
--   run_length   the length of that run.
-- The current streak is derived when read, from the guild's two latest challenge weeks:
-- run_length if run_end is one of them (the latest week's challenge is still open, so not
-- having done it yet ends nothing), else 0. So a new week's post changes nobody's row;
-- only events that change runs touch them (triggers below):
--   * a completion recorded or removed: that member;
--   * a post confirmed sent for a week after the guild's latest: the members who completed
--     it while the post was unconfirmed (usually none);
--   * a post confirmed sent for a week before the guild's latest (a late retry): every
--     member of the guild with a completion, since it can split anyone's runs (rare).
-- completed_weeks (0002), the old streak input read on every page, is dropped; the 0002
-- triggers that maintained it are recreated without it.

DROP TRIGGER completions_totals_insert;
DROP TRIGGER completions_totals_delete;
ALTER TABLE members DROP COLUMN completed_weeks;

ALTER TABLE members ADD COLUMN best_streak INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN run_end TEXT;
ALTER TABLE members ADD COLUMN run_length INTEGER NOT NULL DEFAULT 0;

-- The ranking indexes (0002) now also hold what a leaderboard row shows, so a page is read
-- from the index alone: no lookup into the table per listed member.
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

-- A post becomes sent only by confirming its claim (the ledger's claim -> send -> mark), and
-- a sent post is final: the ledger never moves it out of 'sent', nor deletes it. Stored runs
-- rely on both, so the database enforces them, and one trigger (on that UPDATE) is all that
-- watches posts.
CREATE TRIGGER challenge_posts_claimed_first BEFORE INSERT ON challenge_posts
WHEN NEW.state = 'sent'
BEGIN
    SELECT RAISE(ABORT, 'a post is claimed first, then marked sent');
END;
CREATE TRIGGER challenge_posts_sent_final BEFORE UPDATE OF state ON challenge_posts
WHEN OLD.state = 'sent' AND NEW.state <> 'sent'
BEGIN
    SELECT RAISE(ABORT, 'a sent post stays sent');
END;
CREATE TRIGGER challenge_posts_sent_kept BEFORE DELETE ON challenge_posts
WHEN OLD.state = 'sent'
BEGIN
    SELECT RAISE(ABORT, 'a sent post stays sent');
END;

CREATE TRIGGER completions_totals_insert AFTER INSERT ON completions
BEGIN
    UPDATE members
       SET points_all = points_all + NEW.points,
           completions_all = completions_all + 1,
           reached_all_us = max(coalesce(reached_all_us, NEW.completed_at_us), NEW.completed_at_us)
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
       SET (points_all, completions_all, reached_all_us) = (
               SELECT coalesce(sum(c.points), 0), count(*), max(c.completed_at_us)
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

-- Recounting. One trigger holds the recount; every event that can change a member's runs
-- sets streaks_stale = 1 on that member, which fires it, and it resets the flag (so the
-- flag is 0 whenever no statement is running). SQLite has no procedures and no WITH in
-- triggers: this is how the recount is written once. Gaps and islands: along the member's
-- completed challenge weeks in order, week ordinal minus position is constant within a
-- run; the window max() sees every run before ORDER BY/LIMIT keep the latest.
ALTER TABLE members ADD COLUMN streaks_stale INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER members_streaks_recount AFTER UPDATE OF streaks_stale ON members
WHEN NEW.streaks_stale = 1
BEGIN
    UPDATE members
       SET streaks_stale = 0,
           (best_streak, run_end, run_length) = (
               SELECT coalesce(max(best), 0), max(last_week), coalesce(max(length), 0)
                 FROM (SELECT max(count(*)) OVER () AS best, max(week) AS last_week,
                              count(*) AS length
                         FROM (SELECT week, n - row_number() OVER (ORDER BY n) AS island
                                 FROM (SELECT iso_week AS week,
                                              row_number() OVER (ORDER BY iso_week) AS n
                                         FROM challenge_posts
                                        WHERE guild_id = NEW.guild_id AND state = 'sent')
                                WHERE week IN (SELECT iso_week FROM completions
                                                WHERE guild_id = NEW.guild_id
                                                  AND user_id = NEW.user_id))
                        GROUP BY island
                        ORDER BY last_week DESC LIMIT 1))
     WHERE guild_id = NEW.guild_id AND user_id = NEW.user_id;
END;

-- The common case needs no recount: a completion of a challenge week after every week the
-- member completed so far extends their latest run (if it ended on the challenge week just
-- before) or starts a new one. SET expressions read the row as it was before the UPDATE,
-- so the best streak follows in a second statement (best >= any run, so it is a no-op
-- when the first one changed nothing).
CREATE TRIGGER completions_streaks_extend AFTER INSERT ON completions
WHEN NEW.iso_week > (SELECT coalesce(run_end, '') FROM members
                      WHERE guild_id = NEW.guild_id AND user_id = NEW.user_id)
BEGIN
    UPDATE members
       SET run_end = NEW.iso_week,
           run_length = CASE WHEN run_end = (SELECT max(iso_week) FROM challenge_posts
                                              WHERE guild_id = NEW.guild_id AND state = 'sent'
                                                AND iso_week < NEW.iso_week)
                             THEN run_length + 1 ELSE 1 END
     WHERE guild_id = NEW.guild_id AND user_id = NEW.user_id
       AND EXISTS (SELECT 1 FROM challenge_posts
                    WHERE guild_id = NEW.guild_id AND iso_week = NEW.iso_week
                      AND state = 'sent');
    UPDATE members SET best_streak = run_length
     WHERE guild_id = NEW.guild_id AND user_id = NEW.user_id AND run_length > best_streak;
END;

-- Anything else a completion does to the weeks before run_end: recount that member.
CREATE TRIGGER completions_streaks_insert AFTER INSERT ON completions
WHEN NEW.iso_week < (SELECT run_end FROM members
                      WHERE guild_id = NEW.guild_id AND user_id = NEW.user_id)
BEGIN
    UPDATE members SET streaks_stale = 1
     WHERE guild_id = NEW.guild_id AND user_id = NEW.user_id;
END;

CREATE TRIGGER completions_streaks_delete AFTER DELETE ON completions
WHEN OLD.iso_week IS NOT NULL
BEGIN
    UPDATE members SET streaks_stale = 1
     WHERE guild_id = OLD.guild_id AND user_id = OLD.user_id;
END;

-- A week becomes a challenge week. After the guild's latest: only members who completed
-- it while its post was unconfirmed change. Before it: it can split anyone's run.
CREATE TRIGGER challenge_posts_sent_update AFTER UPDATE OF state ON challenge_posts
WHEN NEW.state = 'sent' AND OLD.state <> 'sent'
BEGIN
    UPDATE members SET streaks_stale = 1
     WHERE guild_id = NEW.guild_id
       AND (user_id IN (SELECT user_id FROM completions
                         WHERE guild_id = NEW.guild_id AND iso_week = NEW.iso_week)
            OR (completions_all > 0
                AND EXISTS (SELECT 1 FROM challenge_posts
                             WHERE guild_id = NEW.guild_id AND state = 'sent'
                               AND iso_week > NEW.iso_week)));
END;

-- Backfill: every member with a completion.
UPDATE members SET streaks_stale = 1 WHERE completions_all > 0;
