-- Social sign-in providers of an environment (admin Settings API).
CREATE TABLE social_providers (
    id                   TEXT PRIMARY KEY,
    environment_id       TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    provider             TEXT NOT NULL,
    client_id            TEXT NOT NULL DEFAULT '',
    client_secret_sealed BLOB,
    masked_client_secret TEXT NOT NULL DEFAULT '',
    scopes               TEXT NOT NULL DEFAULT '',
    apple_key_id         TEXT NOT NULL DEFAULT '',
    apple_team_id        TEXT NOT NULL DEFAULT '',
    enabled_at           TEXT,
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL
) WITHOUT ROWID;
CREATE UNIQUE INDEX social_providers_env_type ON social_providers(environment_id, provider);
