-- An environment's SDK views, custom hostnames and deeplink URLs (package
-- envconfig).
CREATE TABLE sdk_views (
    environment_id text NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    type           text NOT NULL,
    sections       text NOT NULL,
    updated_at     timestamptz NOT NULL,
    PRIMARY KEY (environment_id, type)
);

CREATE TABLE custom_hostnames (
    id             text PRIMARY KEY,
    environment_id text NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    hostname       text NOT NULL,
    usage          text NOT NULL,
    status         text NOT NULL,
    created_at     timestamptz NOT NULL,
    updated_at     timestamptz NOT NULL
);
CREATE UNIQUE INDEX custom_hostnames_env_host ON custom_hostnames(environment_id, hostname);

CREATE TABLE deeplink_urls (
    id             text PRIMARY KEY,
    environment_id text NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    url            text NOT NULL,
    created_at     timestamptz NOT NULL
);
CREATE UNIQUE INDEX deeplink_urls_env_url ON deeplink_urls(environment_id, url);
