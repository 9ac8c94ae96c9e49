-- 0006: opt-in reminders (additive: two tables).
--
-- reminder_settings: one row per member who ever asked for a reminder in a guild. weekday NULL
-- means "the day before the guild's next post"; remind_time is a local wall-clock time in the
-- member's own IANA zone. /remind off keeps the row (and the zone) with enabled = 0; /forget-me
-- deletes it. dm_closed = 1: a reminder could not be delivered (DMs closed, Discord 50007), the
-- reminder was switched off, and the member is told at their next interaction.
CREATE TABLE reminder_settings (
    guild_id      INTEGER NOT NULL,
    user_id       INTEGER NOT NULL,
    weekday       INTEGER CHECK (weekday BETWEEN 0 AND 6),
    remind_time   TEXT    NOT NULL CHECK (remind_time GLOB '[0-2][0-9]:[0-5][0-9]'),
    timezone      TEXT    NOT NULL,
    enabled       INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    dm_closed     INTEGER NOT NULL DEFAULT 0 CHECK (dm_closed IN (0, 1)),
    updated_at_us INTEGER NOT NULL,
    PRIMARY KEY (guild_id, user_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX reminder_settings_enabled ON reminder_settings (guild_id) WHERE enabled = 1;

-- The reminder ledger: one row per member and challenge week, claimed before the DM is sent
-- (a crash after the claim never sends a second DM). state: 'sent', 'done' (the member had
-- marked the week done: nothing sent), 'failed' (Discord refused; error says why).
CREATE TABLE reminder_sends (
    guild_id      INTEGER NOT NULL,
    user_id       INTEGER NOT NULL,
    iso_week      TEXT    NOT NULL CHECK (iso_week GLOB '[0-9][0-9][0-9][0-9]-W[0-5][0-9]'),
    state         TEXT    NOT NULL CHECK (state IN ('claimed', 'sent', 'done', 'failed')),
    due_us        INTEGER NOT NULL,
    claimed_at_us INTEGER NOT NULL,
    error         TEXT,
    PRIMARY KEY (guild_id, user_id, iso_week)
) STRICT, WITHOUT ROWID;
