-- Single sign-on through an OpenID Connect provider.
--
-- A user logged in through the provider is known by the issuer and the subject of its ID
-- tokens (stable, unlike an e-mail address); both NULL for a user who has never used it.
ALTER TABLE users ADD COLUMN oidc_issuer TEXT;
ALTER TABLE users ADD COLUMN oidc_subject TEXT;
CREATE UNIQUE INDEX users_oidc_subject ON users (oidc_issuer, oidc_subject);

-- How a session was authenticated ('password' or 'oidc'), and the provider's `amr` claim
-- (the methods it used, e.g. "pwd mfa"), for steps that later ask how the user signed in.
ALTER TABLE sessions ADD COLUMN auth_method TEXT NOT NULL DEFAULT 'password'
    CHECK (auth_method IN ('password', 'oidc'));
ALTER TABLE sessions ADD COLUMN amr TEXT;

-- A region whose staff log in through single sign-on only: 0 refuses its users' passwords.
ALTER TABLE regions ADD COLUMN password_login INTEGER NOT NULL DEFAULT 1 CHECK (password_login IN (0, 1));

-- An administrator's rule: a person whose ID token carries this value in its groups claim is
-- given this role (and region) when first seen. The lowest id wins when several match.
CREATE TABLE oidc_role_mappings (
    id INTEGER PRIMARY KEY,
    claim_value TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    region_code INTEGER REFERENCES regions (code),
    created_at TEXT NOT NULL
);

-- People who logged in through the provider but are not users yet and no rule gave them a
-- role: listed for the administrator, who creates the user (the next login links it by the
-- verified e-mail address).
CREATE TABLE oidc_pending (
    id INTEGER PRIMARY KEY,
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    groups TEXT NOT NULL,
    first_seen_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    UNIQUE (issuer, subject)
);
