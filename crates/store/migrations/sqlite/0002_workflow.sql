-- The path from application to signed agreement, and the pool's money (SQLite).
-- Keep in step with ../postgres/0002_workflow.sql.

ALTER TABLE applications ADD COLUMN submitted_at TEXT;
ALTER TABLE applications ADD COLUMN late INTEGER NOT NULL DEFAULT 0 CHECK (late IN (0, 1));
-- The annual supplement the steering group granted (may differ from the one requested).
ALTER TABLE applications ADD COLUMN granted_ore INTEGER CHECK (granted_ore IS NULL OR granted_ore > 0);
ALTER TABLE applications ADD COLUMN overcommit_reason TEXT NOT NULL DEFAULT '';
-- The responsible afdelingslæge's account, who signs as the doctor (the author when an
-- applicant wrote it; chosen when a leader or administrator did).
ALTER TABLE applications ADD COLUMN doctor_user_id INTEGER REFERENCES users (id);
ALTER TABLE applications ADD COLUMN terminated_on TEXT CHECK (terminated_on IS NULL OR date(terminated_on) IS terminated_on);

-- The quality-assurance checklist of a programme, and each application's ticks.
CREATE TABLE checklist_items (
    id INTEGER PRIMARY KEY,
    programme_id TEXT NOT NULL REFERENCES programmes (id),
    position INTEGER NOT NULL,
    text TEXT NOT NULL
);

CREATE TABLE review_checks (
    application_id INTEGER NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    item_id INTEGER NOT NULL REFERENCES checklist_items (id),
    checked INTEGER NOT NULL CHECK (checked IN (0, 1)),
    comment TEXT NOT NULL,
    user_id INTEGER REFERENCES users (id),
    at TEXT NOT NULL,
    PRIMARY KEY (application_id, item_id)
);

-- The comment thread of an application, visible to the applicant.
CREATE TABLE comments (
    id INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    user_id INTEGER REFERENCES users (id),
    author TEXT NOT NULL,
    kind TEXT NOT NULL,
    body TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX comments_application ON comments (application_id, id);

-- The working group and steering group of a region's programme.
CREATE TABLE body_members (
    id INTEGER PRIMARY KEY,
    programme_id TEXT NOT NULL REFERENCES programmes (id),
    region_code INTEGER NOT NULL REFERENCES regions (code),
    body TEXT NOT NULL CHECK (body IN ('working_group', 'steering_group')),
    name TEXT NOT NULL,
    title TEXT NOT NULL,
    user_id INTEGER REFERENCES users (id)
);

CREATE TABLE meetings (
    id INTEGER PRIMARY KEY,
    programme_id TEXT NOT NULL REFERENCES programmes (id),
    region_code INTEGER NOT NULL REFERENCES regions (code),
    held_on TEXT NOT NULL CHECK (date(held_on) IS held_on),
    place TEXT NOT NULL
);

CREATE TABLE agenda_items (
    meeting_id INTEGER NOT NULL REFERENCES meetings (id),
    application_id INTEGER NOT NULL REFERENCES applications (id),
    PRIMARY KEY (meeting_id, application_id)
);

CREATE TABLE decisions (
    id INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    meeting_id INTEGER REFERENCES meetings (id),
    kind TEXT NOT NULL CHECK (kind IN ('approve', 'reject')),
    tier_ore INTEGER,
    reason TEXT NOT NULL,
    user_id INTEGER REFERENCES users (id),
    at TEXT NOT NULL
);
CREATE INDEX decisions_application ON decisions (application_id);

CREATE TABLE signatures (
    application_id INTEGER NOT NULL REFERENCES applications (id),
    party TEXT NOT NULL CHECK (party IN ('leader', 'doctor', 'union', 'region')),
    user_id INTEGER REFERENCES users (id),
    signer_name TEXT NOT NULL,
    signed_at TEXT NOT NULL,
    PRIMARY KEY (application_id, party)
);

-- The monthly amounts of an approved agreement: what it commits, month by month.
CREATE TABLE agreement_months (
    application_id INTEGER NOT NULL REFERENCES applications (id),
    -- Copied from the application, so a pool's sums read one index range.
    programme_id TEXT NOT NULL REFERENCES programmes (id),
    region_code INTEGER NOT NULL REFERENCES regions (code),
    month TEXT NOT NULL CHECK (date(month) IS month),
    amount_ore INTEGER NOT NULL CHECK (amount_ore >= 0),
    PRIMARY KEY (application_id, month)
);
CREATE INDEX agreement_months_pool ON agreement_months (programme_id, region_code, month, amount_ore);

-- What payroll has been told to pay.
CREATE TABLE postings (
    id INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    programme_id TEXT NOT NULL REFERENCES programmes (id),
    region_code INTEGER NOT NULL REFERENCES regions (code),
    month TEXT NOT NULL CHECK (date(month) IS month),
    amount_ore INTEGER NOT NULL,
    posted_at TEXT NOT NULL,
    UNIQUE (application_id, month)
);
CREATE INDEX postings_pool ON postings (programme_id, region_code, month, amount_ore);

-- Earlier versions of an amended agreement. `resolution` is empty while the steering group has
-- not decided on the amendment, then 'approved' or 'rejected' (the earlier version restored).
CREATE TABLE application_versions (
    id INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    version INTEGER NOT NULL,
    snapshot_json TEXT NOT NULL,
    at TEXT NOT NULL,
    resolution TEXT NOT NULL DEFAULT ''
);

-- Messages to send; a failing mail server leaves them here to be retried.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    region_code INTEGER REFERENCES regions (code),
    application_id INTEGER REFERENCES applications (id),
    event TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    sent_at TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    next_attempt_at TEXT NOT NULL
);
CREATE INDEX outbox_pending ON outbox (sent_at, next_attempt_at);

-- Work done once, whichever instance gets there first (e.g. a round's deadline reminder).
CREATE TABLE job_runs (
    key TEXT PRIMARY KEY,
    at TEXT NOT NULL
);

CREATE INDEX applications_programme_region ON applications (programme_id, region_code, status);
CREATE INDEX applications_programme_hospital ON applications (programme_id, region_code, hospital_id);
CREATE INDEX application_versions_application ON application_versions (application_id);

-- Per month, what a region's pool has committed and paid: kept in step by every write to
-- agreement_months and postings, so a dashboard reads a few rows instead of every month.
CREATE TABLE pool_months (
    programme_id TEXT NOT NULL REFERENCES programmes (id),
    region_code INTEGER NOT NULL REFERENCES regions (code),
    month TEXT NOT NULL,
    committed_ore INTEGER NOT NULL DEFAULT 0,
    paid_ore INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (programme_id, region_code, month)
);
