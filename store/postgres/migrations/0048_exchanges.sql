-- Exchanges an environment offers (admin Settings exchanges): each
-- exchange once per environment.
CREATE TABLE exchanges (
    id              text PRIMARY KEY,
    environment_id  text NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    exchange        text NOT NULL,
    social_provider text NOT NULL DEFAULT '',
    onramp_provider text NOT NULL DEFAULT '',
    enabled_at      timestamptz,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE UNIQUE INDEX exchanges_env_exchange ON exchanges(environment_id, exchange);
