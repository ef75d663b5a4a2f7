-- Admin users and wallets lists: the orderings they page by.
CREATE INDEX users_env_created ON users(environment_id, created_at);
CREATE INDEX verified_credentials_env_format ON verified_credentials(environment_id, format, created_at);
