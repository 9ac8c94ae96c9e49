-- 0005 (PostgreSQL): a discussion thread on each weekly post (storage/migrations/0005).
ALTER TABLE guild_settings ADD COLUMN threads INTEGER NOT NULL DEFAULT 1 CHECK (threads IN (0, 1));

CREATE TABLE post_threads (
    post_id       BIGINT PRIMARY KEY REFERENCES challenge_posts (post_id),
    guild_id      BIGINT  NOT NULL,
    state         TEXT    NOT NULL CHECK (state IN ('claimed', 'created', 'failed')),
    thread_id     BIGINT,
    claimed_at_us BIGINT  NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 1,
    error         TEXT,
    CHECK (state <> 'created' OR thread_id IS NOT NULL)
);
