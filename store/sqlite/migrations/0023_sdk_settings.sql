-- The latest configuration report of an environment's SDKs
-- (POST /sdk/{env}/sdkSettings), one row per environment.
CREATE TABLE sdk_settings (
    environment_id text PRIMARY KEY REFERENCES environments(id) ON DELETE CASCADE,
    settings       text NOT NULL,
    origin         text NOT NULL DEFAULT '',
    user_agent     text NOT NULL DEFAULT '',
    reported_at    text NOT NULL
);
