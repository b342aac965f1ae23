-- The review of applications of programmes defined as data (the definition's `review`).

-- Each reviewer's declaration of a conflict of interest (or none), made once per application
-- before they see it; a declared conflict hides the application from them.
CREATE TABLE review_declarations (
    application_id BIGINT NOT NULL REFERENCES applications (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    conflict BIGINT NOT NULL CHECK (conflict IN (0, 1)),
    reason TEXT NOT NULL,
    declared_at TEXT NOT NULL,
    PRIMARY KEY (application_id, user_id)
);
-- The conflicts a user has declared, for leaving those applications out of their lists.
CREATE INDEX review_declarations_conflicts ON review_declarations (user_id, application_id)
    WHERE conflict = 1;

-- Each reviewer's score on each criterion of the rubric (by its place in the definition);
-- NULL is "ikke relevant".
CREATE TABLE review_scores (
    application_id BIGINT NOT NULL REFERENCES applications (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    criterion BIGINT NOT NULL CHECK (criterion >= 0),
    score BIGINT CHECK (score IS NULL OR score >= 0),
    scored_at TEXT NOT NULL,
    PRIMARY KEY (application_id, user_id, criterion)
);

-- The points of the definition's checklist (by their place) ticked on an application, and by
-- whom; a point not ticked has no row.
CREATE TABLE review_ticks (
    application_id BIGINT NOT NULL REFERENCES applications (id),
    item BIGINT NOT NULL CHECK (item >= 0),
    ticked_by BIGINT NOT NULL REFERENCES users (id),
    ticked_at TEXT NOT NULL,
    PRIMARY KEY (application_id, item)
);
