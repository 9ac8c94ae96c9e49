-- 0001: the bot's state. Conventions (see storage/db.py):
--   * Discord ids are INTEGER (64-bit snowflakes).
--   * Instants are INTEGER microseconds since the Unix epoch, UTC, in columns ending in _us.
--   * ISO weeks are TEXT '2026-W48' (sorts chronologically); calendar dates TEXT 'YYYY-MM-DD'.
--   * Tables are STRICT so a wrong type is an error, not a silent conversion.

-- 'MLRB': marks the file as this bot's, so a stranger's database is refused, never migrated.
PRAGMA application_id = 1296847426;

CREATE TABLE guild_settings (
    guild_id           INTEGER PRIMARY KEY,
    channel_id         INTEGER,
    weekday            INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),  -- 0 = Monday
    post_time          TEXT    NOT NULL CHECK (post_time GLOB '[0-2][0-9]:[0-5][0-9]'),
    timezone           TEXT    NOT NULL,                                  -- IANA key
    season_start       TEXT,                                              -- local date
    -- Local midnight of season_start in UTC: season filters compare instants, not dates.
    season_start_us    INTEGER,
    enabled            INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    leaderboard_public INTEGER NOT NULL DEFAULT 0 CHECK (leaderboard_public IN (0, 1)),
    updated_at_us      INTEGER NOT NULL,
    CHECK ((season_start IS NULL) = (season_start_us IS NULL))
) STRICT;

CREATE TABLE members (
    guild_id      INTEGER NOT NULL,
    user_id       INTEGER NOT NULL,
    display_name  TEXT,                        -- cache for leaderboards; Discord is the truth
    opted_out     INTEGER NOT NULL DEFAULT 0 CHECK (opted_out IN (0, 1)),
    first_seen_us INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE challenge_posts (
    post_id          INTEGER PRIMARY KEY,
    guild_id         INTEGER NOT NULL,
    iso_week         TEXT    NOT NULL CHECK (iso_week GLOB '[0-9][0-9][0-9][0-9]-W[0-5][0-9]'),
    challenge_id     TEXT    NOT NULL,
    channel_id       INTEGER NOT NULL,
    state            TEXT    NOT NULL CHECK (state IN ('claimed', 'sent', 'failed', 'missed')),
    scheduled_for_us INTEGER NOT NULL,
    claimed_at_us    INTEGER NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 1,
    message_id       INTEGER UNIQUE,
    posted_at_us     INTEGER,
    error            TEXT,
    -- One post per guild and week: the claim's INSERT relies on this to be atomic.
    UNIQUE (guild_id, iso_week),
    CHECK (state <> 'sent' OR (message_id IS NOT NULL AND posted_at_us IS NOT NULL))
) STRICT;
-- Which week a completion belongs to: the latest post of that challenge in the guild.
CREATE INDEX challenge_posts_by_challenge ON challenge_posts (guild_id, challenge_id, iso_week);
-- Start-up recovery lists what was claimed but never confirmed.
CREATE INDEX challenge_posts_unsent ON challenge_posts (scheduled_for_us)
    WHERE state IN ('claimed', 'failed');
-- Streaks walk the guild's sent weeks; covering and tiny.
CREATE INDEX challenge_posts_sent_weeks ON challenge_posts (guild_id, iso_week)
    WHERE state = 'sent';

-- Clustered by member (WITHOUT ROWID): a member's completions sit together, which is what
-- history, streaks, totals and forget_member read.
CREATE TABLE completions (
    guild_id        INTEGER NOT NULL,
    user_id         INTEGER NOT NULL,
    challenge_id    TEXT    NOT NULL,
    iso_week        TEXT,   -- week of the guild's post of this challenge; NULL if never posted
    points          INTEGER NOT NULL CHECK (points >= 0),
    completed_at_us INTEGER NOT NULL,
    source          TEXT    NOT NULL CHECK (source IN ('button', 'command', 'moderator')),
    note            TEXT,
    PRIMARY KEY (guild_id, user_id, challenge_id),
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;
-- A completion implies a member: creating the row here keeps recording one statement.
CREATE TRIGGER completions_create_member BEFORE INSERT ON completions
BEGIN
    INSERT INTO members (guild_id, user_id, first_seen_us)
    VALUES (NEW.guild_id, NEW.user_id, NEW.completed_at_us)
    ON CONFLICT (guild_id, user_id) DO NOTHING;
END;
-- "This week" leaderboards read one guild-week in ranking order.
CREATE INDEX completions_by_week
    ON completions (guild_id, iso_week, points DESC, completed_at_us, user_id)
    WHERE iso_week IS NOT NULL;

CREATE TABLE audit_log (
    audit_id       INTEGER PRIMARY KEY,
    guild_id       INTEGER NOT NULL,
    at_us          INTEGER NOT NULL,
    actor_id       INTEGER,          -- NULL once the moderator has been forgotten
    action         TEXT    NOT NULL,
    target_user_id INTEGER,
    challenge_id   TEXT,
    detail         TEXT
) STRICT;
CREATE INDEX audit_log_by_guild ON audit_log (guild_id, audit_id);
CREATE INDEX audit_log_by_target ON audit_log (target_user_id) WHERE target_user_id IS NOT NULL;
CREATE INDEX audit_log_by_actor ON audit_log (actor_id) WHERE actor_id IS NOT NULL;
