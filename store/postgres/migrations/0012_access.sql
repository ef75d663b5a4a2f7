-- Access control: allowlists and their entries (match_key is the
-- normalised identifier a decision looks up), token gates (rules as JSON)
-- and per-environment sanctions screening.
CREATE TABLE allowlists (
    id             text PRIMARY KEY,
    environment_id text NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    name           text NOT NULL,
    scope          text NOT NULL DEFAULT '',
    outcome        text NOT NULL DEFAULT '',
    enabled_at     timestamptz,
    created_at     timestamptz NOT NULL
);
CREATE UNIQUE INDEX allowlists_env_name ON allowlists(environment_id, name);

CREATE TABLE allowlist_entries (
    id                 text PRIMARY KEY,
    allowlist_id       text NOT NULL REFERENCES allowlists(id) ON DELETE CASCADE,
    environment_id     text NOT NULL,
    match_key          text NOT NULL,
    wallet_public_key  text NOT NULL DEFAULT '',
    email              text NOT NULL DEFAULT '',
    email_domain       text NOT NULL DEFAULT '',
    phone_number       text NOT NULL DEFAULT '',
    discord_username   text NOT NULL DEFAULT '',
    twitter_username   text NOT NULL DEFAULT '',
    farcaster_username text NOT NULL DEFAULT '',
    farcaster_fid      bigint NOT NULL DEFAULT 0,
    alias              text NOT NULL DEFAULT '',
    external_user_id   text NOT NULL DEFAULT '',
    created_at         timestamptz NOT NULL
);
CREATE UNIQUE INDEX allowlist_entries_list_key ON allowlist_entries(allowlist_id, match_key);
CREATE INDEX allowlist_entries_env_key ON allowlist_entries(environment_id, match_key);
CREATE INDEX allowlist_entries_list_created ON allowlist_entries(allowlist_id, created_at, id);

CREATE TABLE gates (
    id             text PRIMARY KEY,
    environment_id text NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    name           text NOT NULL,
    outcome        text NOT NULL,
    scope          text NOT NULL DEFAULT '',
    rules          text NOT NULL,
    enabled_at     timestamptz,
    created_at     timestamptz NOT NULL
);
CREATE UNIQUE INDEX gates_env_name ON gates(environment_id, name);

CREATE TABLE access_settings (
    environment_id text PRIMARY KEY REFERENCES environments(id) ON DELETE CASCADE,
    screening      boolean NOT NULL DEFAULT false,
    updated_at     timestamptz NOT NULL
);
