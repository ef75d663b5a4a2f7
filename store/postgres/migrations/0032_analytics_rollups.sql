-- Analytics rollups, kept by triggers in the transaction of the change, so
-- the Analytics group reads a few rows per UTC day instead of scanning a
-- year of sessions (queries read whole days here and only the range's
-- partial first and last days from the tables themselves). The metrics
-- are those of SQLite's migration 0032. Concurrent sign-ins spread each
-- counter over 16 rows (by a hash of the counted row's id), so they do not
-- queue on one row lock; readers sum the shards.
CREATE TABLE analytics_days (
    environment_id text NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    metric         text NOT NULL,
    day            timestamptz NOT NULL,
    dim            text NOT NULL,
    shard          integer NOT NULL,
    n              bigint NOT NULL,
    PRIMARY KEY (environment_id, metric, day, dim, shard)
);
CREATE TABLE analytics_user_days (
    environment_id text NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    day            timestamptz NOT NULL,
    user_id        text NOT NULL,
    n              bigint NOT NULL,
    PRIMARY KEY (environment_id, day, user_id)
);
CREATE TABLE analytics_visitor_days (
    environment_id text NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    day            timestamptz NOT NULL,
    wallet_address text NOT NULL,
    n              bigint NOT NULL,
    PRIMARY KEY (environment_id, day, wallet_address)
);

CREATE FUNCTION analytics_day(t timestamptz) RETURNS timestamptz LANGUAGE sql IMMUTABLE AS $$
    SELECT date_trunc('day', t AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
$$;
CREATE FUNCTION analytics_bump(env text, m text, d timestamptz, dm text, sh integer, by bigint) RETURNS void LANGUAGE sql AS $$
    INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n) VALUES (env, m, d, dm, sh, by)
        ON CONFLICT (environment_id, metric, day, dim, shard) DO UPDATE SET n = analytics_days.n + excluded.n
$$;

-- What the tables held before: the same figures, grouped.
INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
    SELECT s.environment_id, 'sessions', analytics_day(s.created_at), COALESCE(c.format, ''), 0, count(*)
    FROM sessions s LEFT JOIN verified_credentials c ON c.id = s.signin_credential_id GROUP BY 1, 3, 4;
INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
    SELECT environment_id, 'agents', analytics_day(created_at), user_agent, 0, count(*) FROM sessions GROUP BY 1, 3, 4;
INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
    SELECT environment_id, 'hours', analytics_day(created_at), CAST(CAST(extract(hour FROM created_at AT TIME ZONE 'UTC') AS integer) AS text),
        0, count(*) FROM sessions GROUP BY 1, 3, 4;
INSERT INTO analytics_user_days (environment_id, day, user_id, n)
    SELECT environment_id, analytics_day(created_at), user_id, count(*) FROM sessions GROUP BY 1, 2, 3;
INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
    SELECT environment_id, 'active', day, '', 0, count(*) FROM analytics_user_days GROUP BY 1, 3;
INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
    SELECT environment_id, 'visits', analytics_day(created_at), '', 0, count(*) FROM visits GROUP BY 1, 3;
INSERT INTO analytics_visitor_days (environment_id, day, wallet_address, n)
    SELECT environment_id, analytics_day(created_at), wallet_address, count(*) FROM visits GROUP BY 1, 2, 3;
INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
    SELECT environment_id, 'visitors', day, '', 0, count(*) FROM analytics_visitor_days GROUP BY 1, 3;
INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
    SELECT environment_id, 'users', analytics_day(created_at), '', hashtext(id) & 15, count(*) FROM users GROUP BY 1, 3, 5;
INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
    SELECT environment_id, 'wallets', analytics_day(created_at), chain || ':' || wallet_name, hashtext(id) & 15, count(*)
    FROM verified_credentials WHERE format = 'blockchain' GROUP BY 1, 3, 4, 5;

CREATE FUNCTION analytics_sessions_insert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    d timestamptz := analytics_day(NEW.created_at);
    sh integer := hashtext(NEW.id) & 15;
BEGIN
    PERFORM analytics_bump(NEW.environment_id, 'sessions', d,
        COALESCE((SELECT format FROM verified_credentials WHERE id = NEW.signin_credential_id), ''), sh, 1);
    PERFORM analytics_bump(NEW.environment_id, 'agents', d, NEW.user_agent, sh, 1);
    PERFORM analytics_bump(NEW.environment_id, 'hours', d,
        CAST(CAST(extract(hour FROM NEW.created_at AT TIME ZONE 'UTC') AS integer) AS text), sh, 1);
    INSERT INTO analytics_user_days (environment_id, day, user_id, n) VALUES (NEW.environment_id, d, NEW.user_id, 1)
        ON CONFLICT (environment_id, day, user_id) DO UPDATE SET n = analytics_user_days.n + 1;
    RETURN NULL;
END
$$;
CREATE TRIGGER analytics_sessions AFTER INSERT ON sessions FOR EACH ROW EXECUTE FUNCTION analytics_sessions_insert();

CREATE FUNCTION analytics_first_of_day_user() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM analytics_bump(NEW.environment_id, 'active', NEW.day, '', hashtext(NEW.user_id) & 15, 1);
    RETURN NULL;
END
$$;
CREATE FUNCTION analytics_first_of_day_visitor() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM analytics_bump(NEW.environment_id, 'visitors', NEW.day, '', hashtext(NEW.wallet_address) & 15, 1);
    RETURN NULL;
END
$$;
CREATE TRIGGER analytics_user_days AFTER INSERT ON analytics_user_days FOR EACH ROW EXECUTE FUNCTION analytics_first_of_day_user();
CREATE TRIGGER analytics_visitor_days AFTER INSERT ON analytics_visitor_days FOR EACH ROW EXECUTE FUNCTION analytics_first_of_day_visitor();

CREATE FUNCTION analytics_visits_insert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    d timestamptz := analytics_day(NEW.created_at);
BEGIN
    PERFORM analytics_bump(NEW.environment_id, 'visits', d, '', hashtext(NEW.id) & 15, 1);
    INSERT INTO analytics_visitor_days (environment_id, day, wallet_address, n) VALUES (NEW.environment_id, d, NEW.wallet_address, 1)
        ON CONFLICT (environment_id, day, wallet_address) DO UPDATE SET n = analytics_visitor_days.n + 1;
    RETURN NULL;
END
$$;
CREATE TRIGGER analytics_visits AFTER INSERT ON visits FOR EACH ROW EXECUTE FUNCTION analytics_visits_insert();

CREATE FUNCTION analytics_users_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM analytics_bump(NEW.environment_id, 'users', analytics_day(NEW.created_at), '', hashtext(NEW.id) & 15, 1);
    ELSE
        UPDATE analytics_days SET n = n - 1 WHERE environment_id = OLD.environment_id AND metric = 'users'
            AND day = analytics_day(OLD.created_at) AND dim = '' AND shard = hashtext(OLD.id) & 15;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER analytics_users AFTER INSERT OR DELETE ON users FOR EACH ROW EXECUTE FUNCTION analytics_users_change();

CREATE FUNCTION analytics_wallets_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE analytics_days SET n = n - 1 WHERE environment_id = OLD.environment_id AND metric = 'wallets'
            AND day = analytics_day(OLD.created_at) AND dim = OLD.chain || ':' || OLD.wallet_name AND shard = hashtext(OLD.id) & 15;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM analytics_bump(NEW.environment_id, 'wallets', analytics_day(NEW.created_at), NEW.chain || ':' || NEW.wallet_name,
            hashtext(NEW.id) & 15, 1);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER analytics_wallets_insert AFTER INSERT ON verified_credentials
    FOR EACH ROW WHEN (NEW.format = 'blockchain') EXECUTE FUNCTION analytics_wallets_change();
CREATE TRIGGER analytics_wallets_delete AFTER DELETE ON verified_credentials
    FOR EACH ROW WHEN (OLD.format = 'blockchain') EXECUTE FUNCTION analytics_wallets_change();
CREATE TRIGGER analytics_wallets_rename AFTER UPDATE OF wallet_name ON verified_credentials
    FOR EACH ROW WHEN (NEW.format = 'blockchain' AND NEW.wallet_name IS DISTINCT FROM OLD.wallet_name)
    EXECUTE FUNCTION analytics_wallets_change();
