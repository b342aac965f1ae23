-- Need to know: a comment can be internal to the working and steering groups (and the
-- administrators), never shown to the applicant; a doctor consents to showing their e-mail in
-- the idea catalogue to other regions' users.
ALTER TABLE comments ADD COLUMN internal BIGINT NOT NULL DEFAULT 0 CHECK (internal IN (0, 1));
ALTER TABLE users ADD COLUMN catalogue_email_consent BIGINT NOT NULL DEFAULT 0 CHECK (catalogue_email_consent IN (0, 1));
