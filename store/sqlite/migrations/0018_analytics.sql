-- Analytics group sessions of an environment by time: an index on
-- (environment_id, created_at) that also holds user_id answers active
-- users, active days and retention without reading the sessions' rows.
CREATE INDEX sessions_env_created ON sessions(environment_id, created_at, user_id);
