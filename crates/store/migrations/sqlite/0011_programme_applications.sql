-- Applications of programmes whose form and workflow come from their definition
-- (pulje_domain::programme). Such an application is a row of `applications` like an OK21
-- agreement (one id space, one region, one audit trail); its form's values are JSON in
-- `form_fields` (NULL for the agreement form), its status is a state of the definition's
-- workflow, and it keeps the definition version it was made under.
ALTER TABLE applications ADD COLUMN form_fields TEXT;
ALTER TABLE applications ADD COLUMN definition_version INTEGER;
ALTER TABLE applications ADD COLUMN state_entered_on TEXT
    CHECK (state_entered_on IS NULL OR date(state_entered_on) IS state_entered_on);

-- Who sits in the bodies a programme's definition names (users; OK21's named members of its
-- steering group and working group are body_members).
CREATE TABLE body_seats (
    programme_id TEXT NOT NULL REFERENCES programmes (id),
    body_id TEXT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (programme_id, body_id, user_id)
);

-- Each step taken on such an application, with what it required.
CREATE TABLE application_steps (
    id INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    action TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    user_id INTEGER REFERENCES users (id),
    taken_at TEXT NOT NULL,
    comment TEXT NOT NULL,
    amount_ore INTEGER CHECK (amount_ore IS NULL OR amount_ore > 0),
    meeting TEXT NOT NULL
);
CREATE INDEX application_steps_app ON application_steps (application_id, id);

-- A granted lump sum's instalments (the money model's), and what each funder bears of each.
CREATE TABLE instalments (
    id INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    position INTEGER NOT NULL,
    due_kind TEXT NOT NULL CHECK (due_kind IN ('approval', 'documentation', 'date')),
    due_on TEXT CHECK (due_on IS NULL OR date(due_on) IS due_on),
    amount_ore INTEGER NOT NULL CHECK (amount_ore >= 0),
    tranche_id INTEGER NOT NULL REFERENCES tranches (id),
    paid_on TEXT CHECK (paid_on IS NULL OR date(paid_on) IS paid_on),
    paid_by INTEGER REFERENCES users (id),
    UNIQUE (application_id, position)
);
CREATE TABLE instalment_shares (
    instalment_id INTEGER NOT NULL REFERENCES instalments (id),
    position INTEGER NOT NULL,
    funder TEXT NOT NULL,
    amount_ore INTEGER NOT NULL CHECK (amount_ore >= 0),
    PRIMARY KEY (instalment_id, position)
);
