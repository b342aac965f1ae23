-- The texts a region writes in its report on a programme defined as data: one per section of the
-- definition's report (`report`).
CREATE TABLE programme_report_texts (
    programme_id TEXT NOT NULL REFERENCES programmes (id),
    region_code BIGINT NOT NULL REFERENCES regions (code),
    section_id TEXT NOT NULL,
    body TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (programme_id, region_code, section_id)
);
