-- An approval that breaks the programme's time rules (a start before the decision, months in a
-- closed tranche or outside every tranche) or over-commits a tranche needs the deciding body's
-- reason: the over-commitment's reason becomes the reason for any such exception, and the
-- exceptions found are kept beside it (one Danish sentence a line).
ALTER TABLE applications RENAME COLUMN overcommit_reason TO exception_reason;
ALTER TABLE applications ADD COLUMN exceptions TEXT NOT NULL DEFAULT '';
-- The day (Danish civil date) the agreement became active: its last signature. Months before it
-- are paid only when the region has recorded why (back pay).
ALTER TABLE applications ADD COLUMN activated_on TEXT;
ALTER TABLE applications ADD COLUMN backpay_reason TEXT NOT NULL DEFAULT '';
UPDATE applications SET activated_on = (
    SELECT substr(MAX(s.signed_at), 1, 10) FROM signatures s WHERE s.application_id = applications.id
) WHERE status IN ('active', 'ended');
