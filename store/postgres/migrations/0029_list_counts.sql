-- The number of wallets and of visits of each environment, kept by
-- triggers like user_counts, so the wallets and visitors lists answer
-- their count without counting (a count(*) read every wallet or visit of
-- the environment on each request). list is 'wallets' (blockchain
-- credentials) or 'visits'; concurrent sign-ins spread over 16 rows (by a
-- hash of the row's id), so they do not queue on one row lock.
CREATE TABLE list_counts (
    environment_id TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    list           TEXT NOT NULL,
    shard          INTEGER NOT NULL,
    n              BIGINT NOT NULL,
    PRIMARY KEY (environment_id, list, shard)
);
INSERT INTO list_counts (environment_id, list, shard, n)
    SELECT environment_id, 'wallets', hashtext(id) & 15, count(*) FROM verified_credentials
    WHERE format = 'blockchain' GROUP BY 1, 3;
INSERT INTO list_counts (environment_id, list, shard, n)
    SELECT environment_id, 'visits', hashtext(id) & 15, count(*) FROM visits GROUP BY 1, 3;
CREATE FUNCTION list_counts_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- TG_ARGV[0] names the list
    IF TG_OP = 'INSERT' THEN
        INSERT INTO list_counts (environment_id, list, shard, n) VALUES (NEW.environment_id, TG_ARGV[0], hashtext(NEW.id) & 15, 1)
            ON CONFLICT (environment_id, list, shard) DO UPDATE SET n = list_counts.n + 1;
    ELSE
        UPDATE list_counts SET n = n - 1
            WHERE environment_id = OLD.environment_id AND list = TG_ARGV[0] AND shard = hashtext(OLD.id) & 15;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER wallets_count_insert AFTER INSERT ON verified_credentials
    FOR EACH ROW WHEN (NEW.format = 'blockchain') EXECUTE FUNCTION list_counts_bump('wallets');
CREATE TRIGGER wallets_count_delete AFTER DELETE ON verified_credentials
    FOR EACH ROW WHEN (OLD.format = 'blockchain') EXECUTE FUNCTION list_counts_bump('wallets');
CREATE TRIGGER visits_count AFTER INSERT OR DELETE ON visits FOR EACH ROW EXECUTE FUNCTION list_counts_bump('visits');
-- The visitors list in its order (created_at, then id: the page reads
-- the index without sorting; it replaces visits_env, a prefix of it) and
-- its filters by wallet address and by chain.
CREATE INDEX visits_env_created ON visits(environment_id, created_at, id COLLATE "C");
DROP INDEX visits_env;
CREATE INDEX visits_env_address ON visits(environment_id, wallet_address);
CREATE INDEX visits_env_chain ON visits(environment_id, chain, created_at, id COLLATE "C");
