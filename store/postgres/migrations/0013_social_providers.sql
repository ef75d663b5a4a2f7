-- Social sign-in providers of an environment (admin Settings API).
CREATE TABLE social_providers (
    id                   text PRIMARY KEY,
    environment_id       text NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    provider             text NOT NULL,
    client_id            text NOT NULL DEFAULT '',
    client_secret_sealed bytea,
    masked_client_secret text NOT NULL DEFAULT '',
    scopes               text NOT NULL DEFAULT '',
    apple_key_id         text NOT NULL DEFAULT '',
    apple_team_id        text NOT NULL DEFAULT '',
    enabled_at           timestamptz,
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL
);
CREATE UNIQUE INDEX social_providers_env_type ON social_providers(environment_id, provider);
