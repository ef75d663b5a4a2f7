-- Access control: allowlists and their entries (match_key is the
-- normalised identifier a decision looks up), token gates (rules as JSON)
-- and per-environment sanctions screening.
CREATE TABLE allowlists (
    id             TEXT PRIMARY KEY,
    environment_id TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    scope          TEXT NOT NULL DEFAULT '',
    outcome        TEXT NOT NULL DEFAULT '',
    enabled_at     TEXT,
    created_at     TEXT NOT NULL
) WITHOUT ROWID;
CREATE UNIQUE INDEX allowlists_env_name ON allowlists(environment_id, name);

CREATE TABLE allowlist_entries (
    id                 TEXT PRIMARY KEY,
    allowlist_id       TEXT NOT NULL REFERENCES allowlists(id) ON DELETE CASCADE,
    environment_id     TEXT NOT NULL,
    match_key          TEXT NOT NULL,
    wallet_public_key  TEXT NOT NULL DEFAULT '',
    email              TEXT NOT NULL DEFAULT '',
    email_domain       TEXT NOT NULL DEFAULT '',
    phone_number       TEXT NOT NULL DEFAULT '',
    discord_username   TEXT NOT NULL DEFAULT '',
    twitter_username   TEXT NOT NULL DEFAULT '',
    farcaster_username TEXT NOT NULL DEFAULT '',
    farcaster_fid      INTEGER NOT NULL DEFAULT 0,
    alias              TEXT NOT NULL DEFAULT '',
    external_user_id   TEXT NOT NULL DEFAULT '',
    created_at         TEXT NOT NULL
) WITHOUT ROWID;
CREATE UNIQUE INDEX allowlist_entries_list_key ON allowlist_entries(allowlist_id, match_key);
CREATE INDEX allowlist_entries_env_key ON allowlist_entries(environment_id, match_key);
CREATE INDEX allowlist_entries_list_created ON allowlist_entries(allowlist_id, created_at, id);

CREATE TABLE gates (
    id             TEXT PRIMARY KEY,
    environment_id TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    outcome        TEXT NOT NULL,
    scope          TEXT NOT NULL DEFAULT '',
    rules          TEXT NOT NULL,
    enabled_at     TEXT,
    created_at     TEXT NOT NULL
) WITHOUT ROWID;
CREATE UNIQUE INDEX gates_env_name ON gates(environment_id, name);

CREATE TABLE access_settings (
    environment_id TEXT PRIMARY KEY REFERENCES environments(id) ON DELETE CASCADE,
    screening      INTEGER NOT NULL DEFAULT 0,
    updated_at     TEXT NOT NULL
) WITHOUT ROWID;
