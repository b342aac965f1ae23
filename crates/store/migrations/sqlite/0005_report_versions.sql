-- A second counter beside each region's data version, for the reports alone: it grows with
-- every change except those to applications that are not approved before or after the change
-- (drafts, review, decisions prepared), which the reports do not show.
ALTER TABLE data_versions ADD COLUMN report_version INTEGER NOT NULL DEFAULT 0;
