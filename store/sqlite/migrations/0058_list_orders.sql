-- The visitors list's orders (sqlstore.orderBy: the field, then id), each
-- read from an index in its order, a page stopping at its end, instead of
-- the environment's visits sorted for every page. visits keeps a rowid,
-- so its indexes name id (users is WITHOUT ROWID: its indexes end with
-- id). createdAt reads visits_env_created, id visits_env_id. Visits are
-- written by the connect call, not by a sign-in. (The users list's text
-- and updatedAt orders have no index: sqlstore.sortedUserOrders says why.)
-- visits_env_address, with id: the address filter reads its prefix.
DROP INDEX visits_env_address;
CREATE INDEX visits_env_address ON visits(environment_id, wallet_address, id);
-- (visits_env_wallet_name holds lower(wallet_name), for the search; the
-- list sorts the names byte-wise)
CREATE INDEX visits_env_wallet_name_order ON visits(environment_id, wallet_name, id);
CREATE INDEX visits_env_chain_order ON visits(environment_id, chain, id);
CREATE INDEX visits_env_provider ON visits(environment_id, provider, id);
