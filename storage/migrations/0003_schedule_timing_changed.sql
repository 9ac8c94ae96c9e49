-- When a guild's posting timing (weekday, time, zone, season start, enabled) last changed.
-- Catch-up after downtime never reports post times from before it as missed; a change of
-- channel or leaderboard visibility does not move it. Existing rows start from updated_at_us.
ALTER TABLE guild_settings ADD COLUMN timing_changed_us INTEGER;
UPDATE guild_settings SET timing_changed_us = updated_at_us;
