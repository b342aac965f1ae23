-- A region's own text of a mail event for one programme (subject and body with named
-- placeholders, checked when saved); without a row the built-in text of pulje_domain::mail is used.
CREATE TABLE mail_templates (
    region_code INTEGER NOT NULL REFERENCES regions (code),
    programme_id TEXT NOT NULL REFERENCES programmes (id),
    event TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (region_code, programme_id, event)
);

-- Whether a user gets each mail at once or one mail a day listing them.
ALTER TABLE users ADD COLUMN mail_digest INTEGER NOT NULL DEFAULT 0 CHECK (mail_digest IN (0, 1));

-- A message held for its recipient's daily digest (held = 1), and the digest message it went out in.
ALTER TABLE outbox ADD COLUMN held INTEGER NOT NULL DEFAULT 0 CHECK (held IN (0, 1));
ALTER TABLE outbox ADD COLUMN digest_id INTEGER REFERENCES outbox (id);
CREATE INDEX outbox_held ON outbox (held, digest_id, recipient);
