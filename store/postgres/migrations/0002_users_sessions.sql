-- End users: nonces, users' profile, verified credentials, sessions and
-- the event outbox written in the same transaction as each change.
CREATE TABLE nonces (
    environment_id text NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    nonce          text NOT NULL,
    expires_at     timestamptz NOT NULL,
    PRIMARY KEY (environment_id, nonce)
);
CREATE INDEX nonces_expiry ON nonces(expires_at);

ALTER TABLE users
    ADD COLUMN updated_at timestamptz,
    ADD COLUMN last_verified_credential_id text NOT NULL DEFAULT '',
    ADD COLUMN email text NOT NULL DEFAULT '',
    ADD COLUMN alias text NOT NULL DEFAULT '',
    ADD COLUMN first_name text NOT NULL DEFAULT '',
    ADD COLUMN last_name text NOT NULL DEFAULT '',
    ADD COLUMN phone_number text NOT NULL DEFAULT '',
    ADD COLUMN job_title text NOT NULL DEFAULT '',
    ADD COLUMN username text NOT NULL DEFAULT '',
    ADD COLUMN country text NOT NULL DEFAULT '',
    ADD COLUMN t_shirt_size text NOT NULL DEFAULT '',
    ADD COLUMN team text NOT NULL DEFAULT '',
    ADD COLUMN metadata jsonb NOT NULL DEFAULT '{}';
UPDATE users SET updated_at = created_at;
ALTER TABLE users ALTER COLUMN updated_at SET NOT NULL;

CREATE TABLE verified_credentials (
    id                text PRIMARY KEY,
    environment_id    text NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    user_id           text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    format            text NOT NULL,
    chain             text NOT NULL DEFAULT '',
    address           text NOT NULL,
    public_identifier text NOT NULL,
    wallet_name       text NOT NULL DEFAULT '',
    wallet_provider   text NOT NULL DEFAULT '',
    sign_in_enabled   boolean NOT NULL DEFAULT true,
    verified_at       timestamptz NOT NULL,
    last_selected_at  timestamptz,
    created_at        timestamptz NOT NULL,
    UNIQUE (environment_id, format, chain, address)
);
CREATE INDEX verified_credentials_user ON verified_credentials(user_id, created_at);

CREATE TABLE sessions (
    id                   text PRIMARY KEY,
    environment_id       text NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    user_id              text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    signin_credential_id text NOT NULL DEFAULT '',
    session_public_key   text NOT NULL DEFAULT '',
    ip_address           text NOT NULL DEFAULT '',
    user_agent           text NOT NULL DEFAULT '',
    created_at           timestamptz NOT NULL,
    expires_at           timestamptz NOT NULL,
    refresh_expires_at   timestamptz NOT NULL,
    revoked_at           timestamptz
);
CREATE INDEX sessions_user ON sessions(user_id, created_at);

CREATE TABLE events (
    id             text PRIMARY KEY,
    environment_id text NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    name           text NOT NULL,
    user_id        text NOT NULL DEFAULT '',
    data           jsonb NOT NULL DEFAULT '{}',
    created_at     timestamptz NOT NULL
);
CREATE INDEX events_env ON events(environment_id, created_at);
