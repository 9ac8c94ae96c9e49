-- 0008 (PostgreSQL): milestone roles (storage/migrations/0008).
CREATE TABLE guild_rewards (
    guild_id           BIGINT  NOT NULL,
    role_id            BIGINT  NOT NULL,
    kind               TEXT    NOT NULL CHECK (kind IN ('streak', 'points')),
    threshold          INTEGER NOT NULL CHECK (threshold > 0),
    remove_when_broken INTEGER NOT NULL DEFAULT 0 CHECK (remove_when_broken IN (0, 1)),
    created_at_us      BIGINT  NOT NULL,
    problem            TEXT,
    PRIMARY KEY (guild_id, role_id),
    CHECK (kind = 'streak' OR remove_when_broken = 0)
);

CREATE TABLE reward_grants (
    guild_id      BIGINT NOT NULL,
    role_id       BIGINT NOT NULL,
    user_id       BIGINT NOT NULL,
    state         TEXT   NOT NULL CHECK (state IN ('granted', 'revoked')),
    changed_at_us BIGINT NOT NULL,
    PRIMARY KEY (guild_id, role_id, user_id),
    FOREIGN KEY (guild_id, role_id) REFERENCES guild_rewards (guild_id, role_id)
        ON DELETE CASCADE,
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
);
CREATE INDEX reward_grants_member ON reward_grants (guild_id, user_id);
