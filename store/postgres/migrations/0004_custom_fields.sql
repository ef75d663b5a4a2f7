-- Custom profile fields, the index that keeps their unique values unique,
-- and one email and one username per user of an environment.
CREATE TABLE custom_fields (
    id               text PRIMARY KEY,
    environment_id   text NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    key              text NOT NULL,
    name             text NOT NULL,
    enabled          boolean NOT NULL,
    required         boolean NOT NULL,
    field_type       text NOT NULL,
    validation_rules jsonb NOT NULL DEFAULT '{}',
    position         integer NOT NULL,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    UNIQUE (environment_id, key)
);
CREATE UNIQUE INDEX custom_fields_env_name ON custom_fields(environment_id, lower(name));
CREATE INDEX custom_fields_env_position ON custom_fields(environment_id, position);

-- One row per user and unique field they filled in; value is trimmed and
-- lower-cased (users.UniqueForm). The primary key makes two users holding
-- one value impossible, whatever the order of concurrent writes.
CREATE TABLE custom_field_unique_values (
    field_id text NOT NULL REFERENCES custom_fields(id) ON DELETE CASCADE,
    value    text NOT NULL,
    user_id  text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (field_id, value)
);
CREATE INDEX custom_field_unique_values_user ON custom_field_unique_values(user_id);

CREATE UNIQUE INDEX users_env_email ON users(environment_id, lower(email)) WHERE email <> '';
CREATE UNIQUE INDEX users_env_username ON users(environment_id, lower(username)) WHERE username <> '';
