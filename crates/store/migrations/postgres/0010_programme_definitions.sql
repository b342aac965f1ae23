-- A programme's definition (pulje_domain::programme) as JSON, one row per version; the newest
-- version applies to new applications.
CREATE TABLE programme_definitions (
    programme_id TEXT NOT NULL REFERENCES programmes (id),
    version BIGINT NOT NULL CHECK (version > 0),
    definition TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    PRIMARY KEY (programme_id, version)
);
