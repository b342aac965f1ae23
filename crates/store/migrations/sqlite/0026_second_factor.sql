-- A second factor (TOTP, RFC 6238) with recovery codes, the roles that must use it, and what a
-- session knows about how and when its user last proved who they are.

-- A user's TOTP secret (base32). `enabled_at` NULL: being set up, not yet confirmed with a code.
-- `last_step` is the last time step whose code was accepted: a code is never taken twice.
CREATE TABLE totp_secrets (
    user_id INTEGER PRIMARY KEY REFERENCES users (id),
    secret TEXT NOT NULL,
    created_at TEXT NOT NULL,
    enabled_at TEXT,
    last_step INTEGER NOT NULL DEFAULT 0
);

-- Single-use recovery codes, kept as SHA-256 hashes only.
CREATE TABLE recovery_codes (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    code_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    used_at TEXT
);
CREATE INDEX recovery_codes_user ON recovery_codes (user_id);

-- The roles whose users must use a second factor with their password (an administrator's
-- setting; a region administrator and an administrator from the start).
CREATE TABLE second_factor_roles (
    role TEXT PRIMARY KEY
);
INSERT INTO second_factor_roles (role) VALUES ('admin'), ('region_admin');

-- A session's stage: 'full', or half logged in after the password: 'code' (the second factor
-- is asked) or 'setup' (the role requires one the user has not set up). A half session gives
-- no access to anything but that step.
ALTER TABLE sessions ADD COLUMN stage TEXT NOT NULL DEFAULT 'full'
    CHECK (stage IN ('full', 'code', 'setup'));
-- The second factor used with the password ('totp' or 'recovery'), if any.
ALTER TABLE sessions ADD COLUMN second_factor TEXT;
-- When the user last proved who they are in this session (login or re-authentication); NULL
-- means at the session's creation.
ALTER TABLE sessions ADD COLUMN authenticated_at TEXT;
-- A form waiting for a fresh single sign-on (re-authentication before a sensitive action): its
-- address and fields as JSON, given back once when the provider has answered.
ALTER TABLE sessions ADD COLUMN pending_form TEXT;
