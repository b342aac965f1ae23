-- The files in an attachment field of a programme's application form (a budget, a course
-- programme). The form's value lists their ids; the bytes are kept here, so a backup holds them.
CREATE TABLE programme_files (
    id INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    region_code INTEGER NOT NULL REFERENCES regions (code),
    field TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes INTEGER NOT NULL CHECK (size_bytes >= 0),
    sha256 TEXT NOT NULL,
    data BLOB NOT NULL,
    created_by INTEGER REFERENCES users (id),
    created_at TEXT NOT NULL
);
CREATE INDEX programme_files_application ON programme_files (application_id);
