-- Exports: the jobs (a lease while a Runner writes the file) and their
-- files, in chunks, so any replica serves a download and memory stays one
-- chunk. The keyset reads the Runner streams from get (environment, id)
-- indexes.
CREATE TABLE exports (
    id             TEXT PRIMARY KEY,
    environment_id TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    format         TEXT NOT NULL,
    model          TEXT NOT NULL,
    filter         TEXT NOT NULL DEFAULT '{}',
    status         TEXT NOT NULL,
    error          TEXT NOT NULL DEFAULT '',
    rows_written   INTEGER NOT NULL DEFAULT 0,
    bytes_written  INTEGER NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL,
    started_at     TEXT,
    completed_at   TEXT,
    lease_until    TEXT
) WITHOUT ROWID;
CREATE INDEX exports_env ON exports(environment_id, created_at);
CREATE INDEX exports_pending ON exports(created_at) WHERE status = 'pending';
CREATE INDEX exports_env_pending ON exports(environment_id) WHERE status = 'pending';

CREATE TABLE export_chunks (
    export_id TEXT NOT NULL REFERENCES exports(id) ON DELETE CASCADE,
    seq       INTEGER NOT NULL,
    data      BLOB NOT NULL,
    PRIMARY KEY (export_id, seq)
) WITHOUT ROWID;

CREATE INDEX users_env_id ON users(environment_id, id);
CREATE INDEX visits_env_id ON visits(environment_id, id);
CREATE INDEX verified_credentials_env_format_id ON verified_credentials(environment_id, format, id);
