-- 0006 (PostgreSQL): opt-in reminders (storage/migrations/0006).
CREATE TABLE reminder_settings (
    guild_id      BIGINT  NOT NULL,
    user_id       BIGINT  NOT NULL,
    weekday       INTEGER CHECK (weekday BETWEEN 0 AND 6),
    remind_time   TEXT    NOT NULL CHECK (remind_time ~ '^[0-2][0-9]:[0-5][0-9]$'),
    timezone      TEXT    NOT NULL,
    enabled       INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    dm_closed     INTEGER NOT NULL DEFAULT 0 CHECK (dm_closed IN (0, 1)),
    updated_at_us BIGINT  NOT NULL,
    PRIMARY KEY (guild_id, user_id)
);
CREATE INDEX reminder_settings_enabled ON reminder_settings (guild_id) WHERE enabled = 1;

CREATE TABLE reminder_sends (
    guild_id      BIGINT NOT NULL,
    user_id       BIGINT NOT NULL,
    iso_week      TEXT   NOT NULL CHECK (iso_week ~ '^[0-9]{4}-W[0-5][0-9]$'),
    state         TEXT   NOT NULL CHECK (state IN ('claimed', 'sent', 'done', 'failed')),
    due_us        BIGINT NOT NULL,
    claimed_at_us BIGINT NOT NULL,
    error         TEXT,
    PRIMARY KEY (guild_id, user_id, iso_week)
);
