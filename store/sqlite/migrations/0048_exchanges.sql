-- Exchanges an environment offers (admin Settings exchanges): each
-- exchange once per environment.
CREATE TABLE exchanges (
    id              TEXT PRIMARY KEY,
    environment_id  TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    exchange        TEXT NOT NULL,
    social_provider TEXT NOT NULL DEFAULT '',
    onramp_provider TEXT NOT NULL DEFAULT '',
    enabled_at      TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
) WITHOUT ROWID;
CREATE UNIQUE INDEX exchanges_env_exchange ON exchanges(environment_id, exchange);
