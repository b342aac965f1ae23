-- Login throttling (docs/ARCHITECTURE.md, "Logging in"): one counter per account, per source
-- address and per known device, raised in a committed transaction of its own before the password
-- is checked; and the devices a user has logged in from, known by a long-lived cookie whose hash
-- is kept here.
CREATE TABLE login_throttle (
    key TEXT PRIMARY KEY,
    -- Attempts counted since the last success (or since a quiet spell), including those whose
    -- password check is still running.
    failures BIGINT NOT NULL,
    -- Unix time in milliseconds of the last counted attempt or failed check.
    last_at BIGINT NOT NULL,
    -- Unix time in milliseconds before which an attempt is refused without a password check.
    not_before BIGINT NOT NULL
);

CREATE TABLE known_devices (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    last_login_at TEXT NOT NULL
);
CREATE INDEX known_devices_user ON known_devices (user_id);

-- Whether the attempt's password was checked (0: refused by the throttle, unchecked), and the
-- source address it came from.
ALTER TABLE login_attempts ADD COLUMN checked BIGINT NOT NULL DEFAULT 1 CHECK (checked IN (0, 1));
ALTER TABLE login_attempts ADD COLUMN address TEXT NOT NULL DEFAULT '';
