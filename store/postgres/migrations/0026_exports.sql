-- Exports: the jobs (a lease while a Runner writes the file) and their
-- files, in chunks, so any replica serves a download and memory stays one
-- chunk. The keyset reads the Runner streams from get (environment, id)
-- indexes.
CREATE TABLE exports (
    id             text PRIMARY KEY,
    environment_id text NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    format         text NOT NULL,
    model          text NOT NULL,
    filter         text NOT NULL DEFAULT '{}',
    status         text NOT NULL,
    error          text NOT NULL DEFAULT '',
    rows_written   bigint NOT NULL DEFAULT 0,
    bytes_written  bigint NOT NULL DEFAULT 0,
    created_at     timestamptz NOT NULL,
    started_at     timestamptz,
    completed_at   timestamptz,
    lease_until    timestamptz
);
CREATE INDEX exports_env ON exports(environment_id, created_at);
CREATE INDEX exports_pending ON exports(created_at) WHERE status = 'pending';
CREATE INDEX exports_env_pending ON exports(environment_id) WHERE status = 'pending';

CREATE TABLE export_chunks (
    export_id text NOT NULL REFERENCES exports(id) ON DELETE CASCADE,
    seq       integer NOT NULL,
    data      bytea NOT NULL,
    PRIMARY KEY (export_id, seq)
);

CREATE INDEX users_env_id ON users(environment_id, id);
CREATE INDEX visits_env_id ON visits(environment_id, id);
CREATE INDEX verified_credentials_env_format_id ON verified_credentials(environment_id, format, id);
