-- Rules of engagement: one versioned document with a short comprehension check. Partners and
-- sales reps acknowledge the version in force; one question is asked again at spaced
-- intervals; admins see who acknowledged and how well the check goes.
CREATE TABLE roe_versions (
    version BIGINT PRIMARY KEY NOT NULL,
    -- Markdown, rendered safely on every page that shows it.
    body TEXT NOT NULL,
    -- The admin's "what changed", sent to everyone by email.
    summary TEXT NOT NULL,
    -- The check's questions as JSON: [{prompt, options, correct, explanation}].
    questions TEXT NOT NULL,
    published_by TEXT NOT NULL REFERENCES users (id),
    published_at TIMESTAMP NOT NULL
);

CREATE TABLE roe_acknowledgements (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    version BIGINT NOT NULL REFERENCES roe_versions (version),
    acknowledged_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, version)
);
CREATE INDEX roe_acknowledgements_version ON roe_acknowledgements (version);

-- Each user's re-check schedule for the version they last acknowledged.
CREATE TABLE roe_rechecks (
    user_id TEXT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    version BIGINT NOT NULL REFERENCES roe_versions (version),
    -- Index into the intervals (7, 30, 90 days) that led to due_at.
    step INTEGER NOT NULL,
    next_question INTEGER NOT NULL,
    due_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Every answered question, for the admins' accuracy figures.
CREATE TABLE roe_answers (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    version BIGINT NOT NULL REFERENCES roe_versions (version),
    question INTEGER NOT NULL,
    correct BOOLEAN NOT NULL,
    -- 'acknowledgement' or 'recheck'.
    kind TEXT NOT NULL,
    answered_at TIMESTAMP NOT NULL
);
CREATE INDEX roe_answers_user_answered ON roe_answers (user_id, answered_at);

-- Audit trail of program-level actions (registrations keep their own events).
CREATE TABLE audit_events (
    id TEXT PRIMARY KEY NOT NULL,
    at TIMESTAMP NOT NULL,
    actor_id TEXT,
    -- 'roe_published', 'roe_acknowledged', ...
    action TEXT NOT NULL,
    -- What it was done to, e.g. 'roe:2'.
    subject TEXT NOT NULL,
    detail TEXT
);
CREATE INDEX audit_events_at ON audit_events (at);
CREATE INDEX audit_events_subject ON audit_events (subject);
