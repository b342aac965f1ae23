-- Payroll batches: the region administrator gathers the due postings up to a date into a batch,
-- reviews it, downloads it for the payroll system and marks it as sent. A sent batch is frozen:
-- its lines are kept as they were sent (`payroll_lines`) and its postings never go into another
-- batch. A correction is a reversal posting (`reverses_id`, the negative amount) that goes into a
-- later batch; so postings are unique per agreement and month only among the originals.
CREATE TABLE payroll_batches (
    id INTEGER PRIMARY KEY,
    programme_id TEXT NOT NULL REFERENCES programmes (id),
    region_code INTEGER NOT NULL REFERENCES regions (code),
    up_to TEXT NOT NULL CHECK (date(up_to) IS up_to),
    created_at TEXT NOT NULL,
    created_by INTEGER REFERENCES users (id),
    sent_at TEXT,
    sent_by INTEGER REFERENCES users (id),
    -- The column keys the batch was sent with, comma-separated (empty until sent).
    sent_columns TEXT NOT NULL DEFAULT ''
);
-- At most one batch of a pool is open (not yet sent) at a time.
CREATE UNIQUE INDEX payroll_batches_one_open ON payroll_batches (programme_id, region_code) WHERE sent_at IS NULL;

CREATE TABLE postings_new (
    id INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    programme_id TEXT NOT NULL REFERENCES programmes (id),
    region_code INTEGER NOT NULL REFERENCES regions (code),
    month TEXT NOT NULL CHECK (date(month) IS month),
    amount_ore INTEGER NOT NULL,
    posted_at TEXT NOT NULL,
    batch_id INTEGER REFERENCES payroll_batches (id),
    reverses_id INTEGER REFERENCES postings_new (id)
);
INSERT INTO postings_new (id, application_id, programme_id, region_code, month, amount_ore, posted_at)
    SELECT id, application_id, programme_id, region_code, month, amount_ore, posted_at FROM postings;
DROP TABLE postings;
ALTER TABLE postings_new RENAME TO postings;
CREATE INDEX postings_pool ON postings (programme_id, region_code, month, amount_ore);
CREATE UNIQUE INDEX postings_once ON postings (application_id, month) WHERE reverses_id IS NULL;
CREATE UNIQUE INDEX postings_reversed_once ON postings (reverses_id) WHERE reverses_id IS NOT NULL;
CREATE INDEX postings_batch ON postings (batch_id);

-- The lines of a sent batch, as they were sent.
CREATE TABLE payroll_lines (
    batch_id INTEGER NOT NULL REFERENCES payroll_batches (id),
    posting_id INTEGER NOT NULL REFERENCES postings (id),
    employee_number TEXT NOT NULL,
    name TEXT NOT NULL,
    wage_type TEXT NOT NULL,
    cost_centre TEXT NOT NULL,
    period TEXT NOT NULL,
    amount_ore INTEGER NOT NULL,
    reference TEXT NOT NULL,
    PRIMARY KEY (batch_id, posting_id)
);

-- What payroll needs to know: the employee number of an agreement's payee (typed by the region
-- administrator) and, when it differs from its department's, the agreement's cost centre.
CREATE TABLE agreement_payroll (
    application_id INTEGER PRIMARY KEY REFERENCES applications (id),
    employee_number TEXT NOT NULL DEFAULT '',
    cost_centre TEXT NOT NULL DEFAULT ''
);
ALTER TABLE departments ADD COLUMN cost_centre TEXT NOT NULL DEFAULT '';
-- The wage type (lønart) of a region's pool in a programme.
ALTER TABLE programme_regions ADD COLUMN wage_type TEXT NOT NULL DEFAULT '';
-- The columns of a region's payroll file, comma-separated keys in order.
CREATE TABLE payroll_formats (
    region_code INTEGER PRIMARY KEY REFERENCES regions (code),
    columns TEXT NOT NULL
);
