-- The users and visitors lists' orders (sqlstore.orderBy: the field, then
-- id, text byte-wise), each read from an index in its order, a page
-- stopping at its end, instead of the environment sorted for every page.
-- createdAt and firstVisit read users_env_created_id, id users_env_id and
-- visits_env_id. (The users list's text and updatedAt orders have no
-- index: sqlstore.sortedUserOrders says why.)
--
-- users_env (lastVisit) and verified_credentials_env_format (the wallets
-- list) with the ties' id, replacing them: the same count of indexes a
-- sign-in writes, and the order read without sorting each time's ties.
-- (The wallets list sorts its ids in their own collation; sqlstore.orderBy
-- says why that is byte order.)
CREATE INDEX users_env_last_visit ON users(environment_id, last_visit_at, id COLLATE "C");
DROP INDEX users_env;
CREATE INDEX verified_credentials_env_format_created ON verified_credentials(environment_id, format, created_at, id);
DROP INDEX verified_credentials_env_format;
-- Visits are written by the connect call, not by a sign-in.
-- (visits_env_address and visits_env_wallet_name serve the filters in the
-- column's own collation)
CREATE INDEX visits_env_address_order ON visits(environment_id, wallet_address COLLATE "C", id COLLATE "C");
CREATE INDEX visits_env_wallet_name_order ON visits(environment_id, wallet_name COLLATE "C", id COLLATE "C");
CREATE INDEX visits_env_chain_order ON visits(environment_id, chain COLLATE "C", id COLLATE "C");
CREATE INDEX visits_env_provider ON visits(environment_id, provider COLLATE "C", id COLLATE "C");
