-- Signatures that hold up. Each of an agreement's four signing parties is bound to one account
-- (proposed from the application's people, confirmed by the region's administrator); only that
-- account signs for the party. A signature records what was signed (the agreement's version and
-- the SHA-256 fingerprint of its content) and how the signer authenticated. The agreement signed
-- by all four has a verification code, and the signed PDF as issued is kept with its SHA-256 so
-- `/verify` can tell a true copy from an altered one.
CREATE TABLE signing_parties (
    application_id BIGINT NOT NULL REFERENCES applications (id),
    party TEXT NOT NULL CHECK (party IN ('leader', 'doctor', 'union', 'region')),
    user_id BIGINT NOT NULL REFERENCES users (id),
    bound_by BIGINT NOT NULL REFERENCES users (id),
    bound_at TEXT NOT NULL,
    PRIMARY KEY (application_id, party)
);

ALTER TABLE signatures ADD COLUMN agreement_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE signatures ADD COLUMN fingerprint TEXT NOT NULL DEFAULT '';
ALTER TABLE signatures ADD COLUMN authenticated_by TEXT NOT NULL DEFAULT '';

CREATE TABLE signed_agreements (
    code TEXT PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES applications (id),
    agreement_version BIGINT NOT NULL,
    fingerprint TEXT NOT NULL,
    signed_at TEXT NOT NULL,
    pdf BYTEA,
    pdf_sha256 TEXT NOT NULL DEFAULT ''
);
CREATE INDEX signed_agreements_application ON signed_agreements (application_id);
CREATE INDEX signed_agreements_pdf ON signed_agreements (pdf_sha256);
