-- The number of wallets and of visits of each environment, kept by
-- triggers like user_counts, so the wallets and visitors lists answer
-- their count without counting (a count(*) read every wallet or visit of
-- the environment on each request). list is 'wallets' (blockchain
-- credentials) or 'visits'. SQLite has one writer: one row per
-- environment and list (shard 0).
CREATE TABLE list_counts (
    environment_id TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    list           TEXT NOT NULL,
    shard          INTEGER NOT NULL,
    n              INTEGER NOT NULL,
    PRIMARY KEY (environment_id, list, shard)
) WITHOUT ROWID;
INSERT INTO list_counts (environment_id, list, shard, n)
    SELECT environment_id, 'wallets', 0, count(*) FROM verified_credentials WHERE format = 'blockchain' GROUP BY environment_id;
INSERT INTO list_counts (environment_id, list, shard, n)
    SELECT environment_id, 'visits', 0, count(*) FROM visits GROUP BY environment_id;
CREATE TRIGGER wallets_count_insert AFTER INSERT ON verified_credentials WHEN NEW.format = 'blockchain' BEGIN
    INSERT INTO list_counts (environment_id, list, shard, n) VALUES (NEW.environment_id, 'wallets', 0, 1)
        ON CONFLICT (environment_id, list, shard) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER wallets_count_delete AFTER DELETE ON verified_credentials WHEN OLD.format = 'blockchain' BEGIN
    UPDATE list_counts SET n = n - 1 WHERE environment_id = OLD.environment_id AND list = 'wallets' AND shard = 0;
END;
CREATE TRIGGER visits_count_insert AFTER INSERT ON visits BEGIN
    INSERT INTO list_counts (environment_id, list, shard, n) VALUES (NEW.environment_id, 'visits', 0, 1)
        ON CONFLICT (environment_id, list, shard) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER visits_count_delete AFTER DELETE ON visits BEGIN
    UPDATE list_counts SET n = n - 1 WHERE environment_id = OLD.environment_id AND list = 'visits' AND shard = 0;
END;
-- The visitors list in its order (created_at, then id: the page reads
-- the index without sorting; it replaces visits_env, a prefix of it) and
-- its filters by wallet address and by chain.
CREATE INDEX visits_env_created ON visits(environment_id, created_at, id);
DROP INDEX visits_env;
CREATE INDEX visits_env_address ON visits(environment_id, wallet_address);
CREATE INDEX visits_env_chain ON visits(environment_id, chain, created_at, id);
