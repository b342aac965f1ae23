-- What the regions bring in and what the trials taught (SQLite).
-- Keep in step with ../postgres/0003_learning.sql.

-- An imported agreement form: the text that fitted no field, and the recogniser's evidence per
-- field (JSON: value, source excerpt, confidence) for the review screen.
ALTER TABLE applications ADD COLUMN unmapped_text TEXT NOT NULL DEFAULT '';
ALTER TABLE applications ADD COLUMN import_json TEXT;

-- A region's trials from before pulje (or from outside it), imported from its overview lists.
CREATE TABLE historic_trials (
    id INTEGER PRIMARY KEY,
    programme_id TEXT NOT NULL REFERENCES programmes (id),
    region_code INTEGER NOT NULL REFERENCES regions (code),
    number INTEGER NOT NULL CHECK (number > 0),
    hospital TEXT NOT NULL,
    department TEXT NOT NULL,
    -- The priority area's name as the region calls it; empty when the list gave none.
    area TEXT NOT NULL,
    doctor_count INTEGER NOT NULL CHECK (doctor_count >= 0),
    title TEXT NOT NULL,
    evaluation_attached INTEGER NOT NULL CHECK (evaluation_attached IN (0, 1)),
    -- The file the row was imported from.
    source TEXT NOT NULL,
    created_by INTEGER REFERENCES users (id),
    created_at TEXT NOT NULL,
    UNIQUE (programme_id, region_code, number)
);

-- Files kept with an application or a historic trial: the original of an imported form, an
-- evaluation handed in as a file.
CREATE TABLE attachments (
    id INTEGER PRIMARY KEY,
    region_code INTEGER NOT NULL REFERENCES regions (code),
    application_id INTEGER REFERENCES applications (id) ON DELETE CASCADE,
    historic_trial_id INTEGER REFERENCES historic_trials (id) ON DELETE CASCADE,
    purpose TEXT NOT NULL CHECK (purpose IN ('import_source', 'evaluation')),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes INTEGER NOT NULL CHECK (size_bytes >= 0),
    sha256 TEXT NOT NULL,
    data BLOB NOT NULL,
    created_by INTEGER REFERENCES users (id),
    created_at TEXT NOT NULL,
    CHECK (application_id IS NOT NULL OR historic_trial_id IS NOT NULL)
);
CREATE INDEX attachments_application ON attachments (application_id);
CREATE INDEX attachments_historic_trial ON attachments (historic_trial_id);

-- The evaluation of one trial: an agreement of pulje's, or a historic trial.
CREATE TABLE evaluations (
    id INTEGER PRIMARY KEY,
    programme_id TEXT NOT NULL REFERENCES programmes (id),
    region_code INTEGER NOT NULL REFERENCES regions (code),
    application_id INTEGER UNIQUE REFERENCES applications (id) ON DELETE CASCADE,
    historic_trial_id INTEGER UNIQUE REFERENCES historic_trials (id) ON DELETE CASCADE,
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted')),
    purposes_met TEXT CHECK (purposes_met IS NULL OR purposes_met IN ('yes', 'partly', 'no')),
    purposes_text TEXT NOT NULL DEFAULT '',
    gained_text TEXT NOT NULL DEFAULT '',
    effect_text TEXT NOT NULL DEFAULT '',
    -- Share of the trial's time spent on development rather than operations, in per cent.
    development_percent INTEGER CHECK (development_percent IS NULL OR development_percent BETWEEN 0 AND 100),
    time_text TEXT NOT NULL DEFAULT '',
    recommendation TEXT CHECK (recommendation IS NULL OR recommendation IN ('continue', 'expand', 'change', 'stop')),
    recommendation_text TEXT NOT NULL DEFAULT '',
    career_track TEXT CHECK (career_track IS NULL OR career_track IN ('clinical_specialist', 'leadership', 'research', 'teaching')),
    trial_type TEXT CHECK (trial_type IS NULL OR trial_type IN ('individual', 'cross_cutting')),
    challenge_concept INTEGER NOT NULL DEFAULT 0 CHECK (challenge_concept IN (0, 1)),
    challenge_awareness INTEGER NOT NULL DEFAULT 0 CHECK (challenge_awareness IN (0, 1)),
    challenge_time INTEGER NOT NULL DEFAULT 0 CHECK (challenge_time IN (0, 1)),
    challenges_text TEXT NOT NULL DEFAULT '',
    advice_text TEXT NOT NULL DEFAULT '',
    attachment_id INTEGER REFERENCES attachments (id),
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    submitted_at TEXT,
    submitted_by INTEGER REFERENCES users (id),
    CHECK ((application_id IS NULL) <> (historic_trial_id IS NULL))
);
CREATE INDEX evaluations_region ON evaluations (programme_id, region_code, status);

-- The narrative sections of a region's report, written by its administrator.
CREATE TABLE report_texts (
    programme_id TEXT NOT NULL REFERENCES programmes (id),
    region_code INTEGER NOT NULL REFERENCES regions (code),
    section TEXT NOT NULL,
    body TEXT NOT NULL,
    version INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by INTEGER REFERENCES users (id),
    PRIMARY KEY (programme_id, region_code, section)
);

-- A region may keep its trials out of the other regions' idea catalogue.
ALTER TABLE programme_regions ADD COLUMN catalogue_opt_out INTEGER NOT NULL DEFAULT 0 CHECK (catalogue_opt_out IN (0, 1));

-- The idea catalogue's search index: the Danish stems of an entry's words.
CREATE TABLE search_terms (
    term TEXT NOT NULL,
    application_id INTEGER REFERENCES applications (id) ON DELETE CASCADE,
    historic_trial_id INTEGER REFERENCES historic_trials (id) ON DELETE CASCADE,
    CHECK ((application_id IS NULL) <> (historic_trial_id IS NULL))
);
CREATE INDEX search_terms_term ON search_terms (term);
CREATE INDEX search_terms_application ON search_terms (application_id);
CREATE INDEX search_terms_historic_trial ON search_terms (historic_trial_id);
