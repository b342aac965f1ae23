-- The evaluation of an application of a programme defined as data, on the evaluation form of
-- its definition (OK21's agreements keep theirs in `evaluations`). Its values are JSON in the
-- shape pulje_domain::programme::values::read takes; `version` guards a save against one made
-- since it was read; a submitted evaluation is final.
CREATE TABLE programme_evaluations (
    application_id INTEGER PRIMARY KEY REFERENCES applications (id),
    definition_version INTEGER NOT NULL,
    fields TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted')),
    version INTEGER NOT NULL CHECK (version >= 1),
    updated_by INTEGER REFERENCES users (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    submitted_at TEXT
);
