-- The foundation schema (SQLite). Keep in step with ../postgres/0001_foundation.sql:
-- a test checks that both trees produce the same tables and columns.
-- Dates are ISO-8601 text (YYYY-MM-DD), timestamps RFC 3339 text in UTC, money integer øre,
-- flags integer 0/1 (the same representation on both backends).

CREATE TABLE regions (
    code INTEGER PRIMARY KEY CHECK (code BETWEEN 1081 AND 1085),
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE hospitals (
    id INTEGER PRIMARY KEY,
    region_code INTEGER NOT NULL REFERENCES regions (code),
    name TEXT NOT NULL,
    UNIQUE (region_code, name)
);

CREATE TABLE departments (
    id INTEGER PRIMARY KEY,
    hospital_id INTEGER NOT NULL REFERENCES hospitals (id),
    name TEXT NOT NULL,
    UNIQUE (hospital_id, name)
);

CREATE TABLE programmes (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    window_start TEXT NOT NULL CHECK (date(window_start) IS window_start),
    window_end TEXT NOT NULL CHECK (date(window_end) IS window_end),
    CHECK (window_end > window_start)
);

CREATE TABLE tranches (
    id INTEGER PRIMARY KEY,
    programme_id TEXT NOT NULL REFERENCES programmes (id),
    number INTEGER NOT NULL,
    name TEXT NOT NULL,
    period_start TEXT NOT NULL CHECK (date(period_start) IS period_start),
    period_end TEXT NOT NULL CHECK (date(period_end) IS period_end),
    national_amount_ore INTEGER NOT NULL CHECK (national_amount_ore >= 0),
    UNIQUE (programme_id, number),
    CHECK (period_end > period_start)
);

CREATE TABLE pools (
    id INTEGER PRIMARY KEY,
    tranche_id INTEGER NOT NULL REFERENCES tranches (id),
    region_code INTEGER NOT NULL REFERENCES regions (code),
    amount_ore INTEGER NOT NULL CHECK (amount_ore >= 0),
    UNIQUE (tranche_id, region_code)
);

CREATE TABLE programme_regions (
    programme_id TEXT NOT NULL REFERENCES programmes (id),
    region_code INTEGER NOT NULL REFERENCES regions (code),
    latest_end TEXT CHECK (latest_end IS NULL OR date(latest_end) IS latest_end),
    oncost_basis_points INTEGER NOT NULL DEFAULT 0 CHECK (oncost_basis_points >= 0),
    PRIMARY KEY (programme_id, region_code)
);

CREATE TABLE rounds (
    id INTEGER PRIMARY KEY,
    programme_id TEXT NOT NULL REFERENCES programmes (id),
    region_code INTEGER NOT NULL REFERENCES regions (code),
    name TEXT NOT NULL,
    opens_on TEXT NOT NULL CHECK (date(opens_on) IS opens_on),
    deadline TEXT NOT NULL CHECK (date(deadline) IS deadline),
    CHECK (deadline >= opens_on)
);

CREATE TABLE areas (
    id INTEGER PRIMARY KEY,
    programme_id TEXT NOT NULL REFERENCES programmes (id),
    region_code INTEGER NOT NULL REFERENCES regions (code),
    name TEXT NOT NULL,
    short_name TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0,
    UNIQUE (programme_id, region_code, name)
);

CREATE TABLE tiers (
    id INTEGER PRIMARY KEY,
    programme_id TEXT NOT NULL REFERENCES programmes (id),
    region_code INTEGER NOT NULL REFERENCES regions (code),
    name TEXT NOT NULL,
    amount_ore INTEGER NOT NULL CHECK (amount_ore > 0),
    UNIQUE (programme_id, region_code, amount_ore)
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    region_code INTEGER REFERENCES regions (code),
    password_hash TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at TEXT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    token_hash TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);

CREATE TABLE login_attempts (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL,
    at TEXT NOT NULL,
    success INTEGER NOT NULL CHECK (success IN (0, 1))
);
CREATE INDEX login_attempts_email_at ON login_attempts (email, at);

CREATE TABLE applications (
    id INTEGER PRIMARY KEY,
    programme_id TEXT NOT NULL REFERENCES programmes (id),
    region_code INTEGER NOT NULL REFERENCES regions (code),
    round_id INTEGER REFERENCES rounds (id),
    hospital_id INTEGER REFERENCES hospitals (id),
    status TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_by INTEGER REFERENCES users (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    imported INTEGER NOT NULL DEFAULT 0 CHECK (imported IN (0, 1)),
    hospital_department TEXT NOT NULL,
    title TEXT NOT NULL,
    responsible_leader TEXT NOT NULL,
    responsible_doctor TEXT NOT NULL,
    purpose TEXT NOT NULL,
    description TEXT NOT NULL,
    content TEXT NOT NULL,
    working_time_deviations TEXT NOT NULL,
    period_text TEXT NOT NULL,
    organisation TEXT NOT NULL,
    supplement_ore INTEGER CHECK (supplement_ore IS NULL OR supplement_ore > 0),
    remarks TEXT NOT NULL,
    area_argument TEXT NOT NULL,
    start_date TEXT CHECK (start_date IS NULL OR date(start_date) IS start_date),
    end_date TEXT CHECK (end_date IS NULL OR date(end_date) IS end_date),
    party_leader TEXT NOT NULL,
    party_doctor TEXT NOT NULL,
    party_union TEXT NOT NULL,
    party_region TEXT NOT NULL,
    agreement_date TEXT CHECK (agreement_date IS NULL OR date(agreement_date) IS agreement_date)
);
CREATE INDEX applications_region_status ON applications (region_code, status, id);
CREATE INDEX applications_created_by ON applications (created_by);

CREATE TABLE application_participants (
    id INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    receives_supplement INTEGER NOT NULL CHECK (receives_supplement IN (0, 1))
);
CREATE INDEX application_participants_app ON application_participants (application_id);

CREATE TABLE application_areas (
    application_id INTEGER NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    area_id INTEGER NOT NULL REFERENCES areas (id),
    PRIMARY KEY (application_id, area_id)
);
CREATE INDEX application_areas_area ON application_areas (area_id);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    user_id INTEGER REFERENCES users (id),
    actor TEXT NOT NULL,
    region_code INTEGER REFERENCES regions (code),
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    action TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT
);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);
CREATE INDEX audit_log_region ON audit_log (region_code, id);
