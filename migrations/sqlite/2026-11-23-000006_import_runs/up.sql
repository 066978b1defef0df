-- CRM imports started from the admin page run in the background; each run is a row that the
-- worker updates after every batch, so the page can show progress and, once done, the report.
CREATE TABLE import_runs (
    id TEXT PRIMARY KEY NOT NULL,
    started_by TEXT NOT NULL REFERENCES users (id),
    file_name TEXT NOT NULL,
    dry_run BOOLEAN NOT NULL,
    -- 'running', 'done', 'failed' or 'interrupted'.
    state TEXT NOT NULL,
    rows_done BIGINT NOT NULL DEFAULT 0,
    -- 0 until the worker has counted the file's rows.
    rows_total BIGINT NOT NULL DEFAULT 0,
    -- The finished report as JSON (counts, changes, the row errors shown).
    report TEXT,
    -- What the admin is told when the run failed or was interrupted.
    error TEXT,
    -- After a dry run: the stored upload its "Import" button sends.
    upload_id TEXT,
    started_at TIMESTAMP NOT NULL,
    -- The worker's last write: a running row that stays silent too long is interrupted.
    updated_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP
);
CREATE INDEX import_runs_started_at ON import_runs (started_at);
