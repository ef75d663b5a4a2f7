-- Text filters with a value under 3 characters, which a trigram index
-- cannot answer, match a column's whole value in any letter case
-- (sqlstore.MinSearchRunes). Few users have so short a value: each
-- column's partial index holds only those, so it costs a write almost
-- never. The visitors list's "all" filter matches a wallet name whole
-- through visits_env_wallet_name (an address through visits_env_address).
CREATE INDEX users_email_short ON users(environment_id, lower(email)) WHERE email <> '' AND length(email) < 3;
CREATE INDEX users_alias_short ON users(environment_id, lower(alias)) WHERE alias <> '' AND length(alias) < 3;
CREATE INDEX users_first_name_short ON users(environment_id, lower(first_name)) WHERE first_name <> '' AND length(first_name) < 3;
CREATE INDEX users_last_name_short ON users(environment_id, lower(last_name)) WHERE last_name <> '' AND length(last_name) < 3;
CREATE INDEX users_username_short ON users(environment_id, lower(username)) WHERE username <> '' AND length(username) < 3;
CREATE INDEX users_phone_number_short ON users(environment_id, lower(phone_number)) WHERE phone_number <> '' AND length(phone_number) < 3;
CREATE INDEX users_job_title_short ON users(environment_id, lower(job_title)) WHERE job_title <> '' AND length(job_title) < 3;
CREATE INDEX visits_env_wallet_name ON visits(environment_id, lower(wallet_name));
