-- An environment's SDK views, custom hostnames and deeplink URLs (package
-- envconfig).
CREATE TABLE sdk_views (
    environment_id TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    type           TEXT NOT NULL,
    sections       TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    PRIMARY KEY (environment_id, type)
) WITHOUT ROWID;

CREATE TABLE custom_hostnames (
    id             TEXT PRIMARY KEY,
    environment_id TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    hostname       TEXT NOT NULL,
    usage          TEXT NOT NULL,
    status         TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
) WITHOUT ROWID;
CREATE UNIQUE INDEX custom_hostnames_env_host ON custom_hostnames(environment_id, hostname);

CREATE TABLE deeplink_urls (
    id             TEXT PRIMARY KEY,
    environment_id TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    url            TEXT NOT NULL,
    created_at     TEXT NOT NULL
) WITHOUT ROWID;
CREATE UNIQUE INDEX deeplink_urls_env_url ON deeplink_urls(environment_id, url);
