-- A session ends after an idle spell as well as after its absolute lifetime: when it was last
-- used (written at most once a minute; NULL: not since it was made). An API token expires, and
-- shows when it was last used (also written at most once a minute). Tokens made before this
-- migration expire 90 days after it.
ALTER TABLE sessions ADD COLUMN last_seen_at TEXT;
ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
ALTER TABLE api_tokens ADD COLUMN last_used_at TEXT;
UPDATE api_tokens
SET expires_at = to_char((now() AT TIME ZONE 'UTC') + INTERVAL '90 days', 'YYYY-MM-DD"T"HH24:MI:SS"Z"');
