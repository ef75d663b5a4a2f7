-- End users: nonces, users' profile, verified credentials, sessions and
-- the event outbox written in the same transaction as each change.
CREATE TABLE nonces (
    environment_id TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    nonce          TEXT NOT NULL,
    expires_at     TEXT NOT NULL,
    PRIMARY KEY (environment_id, nonce)
) WITHOUT ROWID;
CREATE INDEX nonces_expiry ON nonces(expires_at);

ALTER TABLE users ADD COLUMN updated_at TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN last_verified_credential_id TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN email TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN alias TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN first_name TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN last_name TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN phone_number TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN job_title TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN username TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN country TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN t_shirt_size TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN team TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN metadata TEXT NOT NULL DEFAULT '{}';

CREATE TABLE verified_credentials (
    id                TEXT PRIMARY KEY,
    environment_id    TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    user_id           TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    format            TEXT NOT NULL,
    chain             TEXT NOT NULL DEFAULT '',
    address           TEXT NOT NULL,
    public_identifier TEXT NOT NULL,
    wallet_name       TEXT NOT NULL DEFAULT '',
    wallet_provider   TEXT NOT NULL DEFAULT '',
    sign_in_enabled   INTEGER NOT NULL DEFAULT 1,
    verified_at       TEXT NOT NULL,
    last_selected_at  TEXT,
    created_at        TEXT NOT NULL,
    UNIQUE (environment_id, format, chain, address)
) WITHOUT ROWID;
CREATE INDEX verified_credentials_user ON verified_credentials(user_id, created_at);

CREATE TABLE sessions (
    id                   TEXT PRIMARY KEY,
    environment_id       TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    user_id              TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    signin_credential_id TEXT NOT NULL DEFAULT '',
    session_public_key   TEXT NOT NULL DEFAULT '',
    ip_address           TEXT NOT NULL DEFAULT '',
    user_agent           TEXT NOT NULL DEFAULT '',
    created_at           TEXT NOT NULL,
    expires_at           TEXT NOT NULL,
    refresh_expires_at   TEXT NOT NULL,
    revoked_at           TEXT
) WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions(user_id, created_at);

CREATE TABLE events (
    id             TEXT PRIMARY KEY,
    environment_id TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    user_id        TEXT NOT NULL DEFAULT '',
    data           TEXT NOT NULL DEFAULT '{}',
    created_at     TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX events_env ON events(environment_id, created_at);
