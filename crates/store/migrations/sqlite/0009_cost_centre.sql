-- B6: the cost centre that pays the supplement (a field of the agreement form's table).
ALTER TABLE applications ADD COLUMN cost_centre TEXT NOT NULL DEFAULT '';
