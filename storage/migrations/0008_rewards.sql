-- 0008: milestone roles (additive: two tables).
--
-- guild_rewards: a server's milestone roles, one row per role. kind 'streak' (threshold in
-- weeks, current streak) or 'points' (threshold in season points). remove_when_broken: take
-- the role away when the member's streak falls below the threshold (streak rewards only).
-- problem: the last problem with this role the moderators were told about (missing Manage
-- Roles, role above the bot's); NULL once a grant works again, so each problem is told once.
CREATE TABLE guild_rewards (
    guild_id           INTEGER NOT NULL,
    role_id            INTEGER NOT NULL,
    kind               TEXT    NOT NULL CHECK (kind IN ('streak', 'points')),
    threshold          INTEGER NOT NULL CHECK (threshold > 0),
    remove_when_broken INTEGER NOT NULL DEFAULT 0 CHECK (remove_when_broken IN (0, 1)),
    created_at_us      INTEGER NOT NULL,
    problem            TEXT,
    PRIMARY KEY (guild_id, role_id),
    CHECK (kind = 'streak' OR remove_when_broken = 0)
) STRICT, WITHOUT ROWID;

-- The reward ledger: one row per role and member, written after Discord confirmed the change.
-- 'granted': the member has the role from us, never given twice; 'revoked': taken away after
-- the streak broke (reaching the milestone again grants it again). Removing the reward or
-- forgetting the member (/forget-me deletes the members row) deletes the rows.
CREATE TABLE reward_grants (
    guild_id      INTEGER NOT NULL,
    role_id       INTEGER NOT NULL,
    user_id       INTEGER NOT NULL,
    state         TEXT    NOT NULL CHECK (state IN ('granted', 'revoked')),
    changed_at_us INTEGER NOT NULL,
    PRIMARY KEY (guild_id, role_id, user_id),
    FOREIGN KEY (guild_id, role_id) REFERENCES guild_rewards (guild_id, role_id)
        ON DELETE CASCADE,
    FOREIGN KEY (guild_id, user_id) REFERENCES members (guild_id, user_id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;
CREATE INDEX reward_grants_member ON reward_grants (guild_id, user_id);
