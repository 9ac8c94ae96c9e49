-- 0005: a discussion thread on each weekly post (additive: one column, one table).
--
-- guild_settings.threads: start a public thread on the weekly post (default on).
-- post_threads: the thread ledger, one row per weekly post, used like challenge_posts:
-- claim -> create -> mark created (or failed). A row left 'claimed' by a crash is settled by
-- looking for the thread first: Discord gives a thread started from a message that
-- message's id, and refuses a second one (error 160004).
ALTER TABLE guild_settings ADD COLUMN threads INTEGER NOT NULL DEFAULT 1 CHECK (threads IN (0, 1));

CREATE TABLE post_threads (
    post_id       INTEGER PRIMARY KEY REFERENCES challenge_posts (post_id),
    guild_id      INTEGER NOT NULL,
    state         TEXT    NOT NULL CHECK (state IN ('claimed', 'created', 'failed')),
    thread_id     INTEGER,
    claimed_at_us INTEGER NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 1,
    error         TEXT,
    CHECK (state <> 'created' OR thread_id IS NOT NULL)
) STRICT;
