-- 0002 (PostgreSQL): per-member totals maintained on write (see storage/migrations/0002).

ALTER TABLE members ADD COLUMN points_all INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN completions_all INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN reached_all_us BIGINT;
ALTER TABLE members ADD COLUMN points_season INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN completions_season INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN reached_season_us BIGINT;
ALTER TABLE members ADD COLUMN completed_weeks TEXT;

CREATE INDEX members_rank_all
    ON members (guild_id, points_all DESC, reached_all_us, user_id, completions_all, opted_out)
    WHERE completions_all > 0 AND opted_out = 0;
CREATE INDEX members_rank_season
    ON members (guild_id, points_season DESC, reached_season_us, user_id, completions_season,
                opted_out)
    WHERE completions_season > 0 AND opted_out = 0;

-- The season start of a guild as an instant, or the smallest BIGINT when it has none.
CREATE FUNCTION mlebot_season_start(guild BIGINT) RETURNS BIGINT LANGUAGE sql STABLE AS $$
    SELECT coalesce((SELECT season_start_us FROM guild_settings WHERE guild_id = guild),
                    -9223372036854775807 - 1)
$$;

CREATE FUNCTION completions_totals_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE members
       SET points_all = points_all + NEW.points,
           completions_all = completions_all + 1,
           reached_all_us = GREATEST(coalesce(reached_all_us, NEW.completed_at_us),
                                     NEW.completed_at_us),
           completed_weeks = CASE WHEN NEW.iso_week IS NULL THEN completed_weeks
                                  ELSE coalesce(completed_weeks || ',', '') || NEW.iso_week END
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
       SET (points_all, completions_all, reached_all_us, completed_weeks) = (
               SELECT coalesce(sum(c.points), 0), count(*), max(c.completed_at_us),
                      string_agg(c.iso_week, ',')
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

CREATE TRIGGER completions_immutable BEFORE UPDATE ON completions
    FOR EACH ROW EXECUTE FUNCTION
    mlebot_refuse('completions are immutable: delete and insert instead');

CREATE FUNCTION guild_season_recount() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE members
       SET (points_season, completions_season, reached_season_us) = (
               SELECT coalesce(sum(c.points), 0), count(*), max(c.completed_at_us)
                 FROM completions AS c
                WHERE c.guild_id = members.guild_id AND c.user_id = members.user_id
                  AND c.completed_at_us >= coalesce(NEW.season_start_us,
                                                    -9223372036854775807 - 1))
     WHERE guild_id = NEW.guild_id;
    RETURN NULL;
END $$;
CREATE TRIGGER guild_season_insert AFTER INSERT ON guild_settings
    FOR EACH ROW WHEN (NEW.season_start_us IS NOT NULL)
    EXECUTE FUNCTION guild_season_recount();
CREATE TRIGGER guild_season_update AFTER UPDATE OF season_start_us ON guild_settings
    FOR EACH ROW WHEN (NEW.season_start_us IS DISTINCT FROM OLD.season_start_us)
    EXECUTE FUNCTION guild_season_recount();

UPDATE members
   SET (points_all, completions_all, reached_all_us, completed_weeks) = (
           SELECT coalesce(sum(c.points), 0), count(*), max(c.completed_at_us),
                  string_agg(c.iso_week, ',')
             FROM completions AS c
            WHERE c.guild_id = members.guild_id AND c.user_id = members.user_id),
       (points_season, completions_season, reached_season_us) = (
           SELECT coalesce(sum(c.points), 0), count(*), max(c.completed_at_us)
             FROM completions AS c
            WHERE c.guild_id = members.guild_id AND c.user_id = members.user_id
              AND c.completed_at_us >= mlebot_season_start(members.guild_id));
