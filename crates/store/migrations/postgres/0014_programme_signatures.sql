-- The signatures of an application of a programme defined as data: one per signing party of
-- its definition (`signatures`), with who signed, under which name, and when.
CREATE TABLE programme_signatures (
    application_id BIGINT NOT NULL REFERENCES applications (id),
    party TEXT NOT NULL,
    user_id BIGINT REFERENCES users (id),
    signer_name TEXT NOT NULL,
    signed_at TEXT NOT NULL,
    PRIMARY KEY (application_id, party)
);
