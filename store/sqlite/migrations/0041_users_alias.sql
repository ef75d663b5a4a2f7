-- A users list filtered by alias looks for the value whole first
-- (sqlstore exactColumns), as email, username and phone number do through
-- their indexes: a lookup of one alias among a million users is an index
-- probe, not a trigram search of its common trigrams.
CREATE INDEX users_env_alias ON users(environment_id, lower(alias)) WHERE alias <> '';
