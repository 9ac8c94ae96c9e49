-- 0003 (PostgreSQL): when a guild's posting timing last changed (storage/migrations/0003).
ALTER TABLE guild_settings ADD COLUMN timing_changed_us BIGINT;
UPDATE guild_settings SET timing_changed_us = updated_at_us;
