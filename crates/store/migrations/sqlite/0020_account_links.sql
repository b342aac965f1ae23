-- One-time links that let a person set their password: an invitation (a user created without a
-- password) or a reset asked for on "Glemt adgangskode". Only the SHA-256 hash of the random
-- token is stored. A link is live until it expires, is used, or is revoked; a new link for a
-- user revokes the user's earlier ones.
CREATE TABLE account_links (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    purpose TEXT NOT NULL CHECK (purpose IN ('invite', 'reset')),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT,
    revoked_at TEXT
);
CREATE INDEX account_links_user ON account_links (user_id);
