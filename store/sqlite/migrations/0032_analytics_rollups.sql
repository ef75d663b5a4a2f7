-- Analytics rollups, kept by triggers in the transaction of the change, so
-- the Analytics group reads a few rows per UTC day instead of scanning a
-- year of sessions (queries read whole days here and only the range's
-- partial first and last days from the tables themselves).
--
-- analytics_days: per environment, metric, UTC day (midnight, in the
-- store's time layout) and dimension, a count:
--   sessions  sign-ins by the signing-in credential's format
--   agents    sign-ins by User-Agent
--   hours     sign-ins by UTC hour ('0'-'23')
--   active    distinct users with a sign-in that day
--   visits    visits; visitors: distinct wallet addresses that day
--   users     users created that day (less those deleted since)
--   wallets   wallet credentials created that day, dim 'chain:walletName'
--             (less those deleted since; a rename moves it)
-- Sign-ins and visits are history: deleting a user leaves its past
-- sign-ins counted. Users and wallets count what exists.
-- analytics_user_days / analytics_visitor_days: who was active each day,
-- for the distinct counts over weeks, months and ranges.
-- SQLite has one writer: shard 0 only.
CREATE TABLE analytics_days (
    environment_id TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    metric         TEXT NOT NULL,
    day            TEXT NOT NULL,
    dim            TEXT NOT NULL,
    shard          INTEGER NOT NULL,
    n              INTEGER NOT NULL,
    PRIMARY KEY (environment_id, metric, day, dim, shard)
) WITHOUT ROWID;
CREATE TABLE analytics_user_days (
    environment_id TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    day            TEXT NOT NULL,
    user_id        TEXT NOT NULL,
    n              INTEGER NOT NULL,
    PRIMARY KEY (environment_id, day, user_id)
) WITHOUT ROWID;
CREATE TABLE analytics_visitor_days (
    environment_id TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    day            TEXT NOT NULL,
    wallet_address TEXT NOT NULL,
    n              INTEGER NOT NULL,
    PRIMARY KEY (environment_id, day, wallet_address)
) WITHOUT ROWID;

-- What the tables held before: the same figures, grouped.
INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
    SELECT s.environment_id, 'sessions', substr(s.created_at, 1, 10) || 'T00:00:00.000Z', COALESCE(c.format, ''), 0, count(*)
    FROM sessions s LEFT JOIN verified_credentials c ON c.id = s.signin_credential_id GROUP BY 1, 3, 4;
INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
    SELECT environment_id, 'agents', substr(created_at, 1, 10) || 'T00:00:00.000Z', user_agent, 0, count(*)
    FROM sessions GROUP BY 1, 3, 4;
INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
    SELECT environment_id, 'hours', substr(created_at, 1, 10) || 'T00:00:00.000Z',
        CAST(CAST(substr(created_at, 12, 2) AS integer) AS text), 0, count(*)
    FROM sessions GROUP BY 1, 3, 4;
INSERT INTO analytics_user_days (environment_id, day, user_id, n)
    SELECT environment_id, substr(created_at, 1, 10) || 'T00:00:00.000Z', user_id, count(*) FROM sessions GROUP BY 1, 2, 3;
INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
    SELECT environment_id, 'active', day, '', 0, count(*) FROM analytics_user_days GROUP BY 1, 3;
INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
    SELECT environment_id, 'visits', substr(created_at, 1, 10) || 'T00:00:00.000Z', '', 0, count(*) FROM visits GROUP BY 1, 3;
INSERT INTO analytics_visitor_days (environment_id, day, wallet_address, n)
    SELECT environment_id, substr(created_at, 1, 10) || 'T00:00:00.000Z', wallet_address, count(*) FROM visits GROUP BY 1, 2, 3;
INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
    SELECT environment_id, 'visitors', day, '', 0, count(*) FROM analytics_visitor_days GROUP BY 1, 3;
INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
    SELECT environment_id, 'users', substr(created_at, 1, 10) || 'T00:00:00.000Z', '', 0, count(*) FROM users GROUP BY 1, 3;
INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
    SELECT environment_id, 'wallets', substr(created_at, 1, 10) || 'T00:00:00.000Z', chain || ':' || wallet_name, 0, count(*)
    FROM verified_credentials WHERE format = 'blockchain' GROUP BY 1, 3, 4;

CREATE TRIGGER analytics_sessions_insert AFTER INSERT ON sessions BEGIN
    INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n) VALUES
        (NEW.environment_id, 'sessions', substr(NEW.created_at, 1, 10) || 'T00:00:00.000Z',
            COALESCE((SELECT format FROM verified_credentials WHERE id = NEW.signin_credential_id), ''), 0, 1),
        (NEW.environment_id, 'agents', substr(NEW.created_at, 1, 10) || 'T00:00:00.000Z', NEW.user_agent, 0, 1),
        (NEW.environment_id, 'hours', substr(NEW.created_at, 1, 10) || 'T00:00:00.000Z',
            CAST(CAST(substr(NEW.created_at, 12, 2) AS integer) AS text), 0, 1)
        ON CONFLICT (environment_id, metric, day, dim, shard) DO UPDATE SET n = n + 1;
    INSERT INTO analytics_user_days (environment_id, day, user_id, n)
        VALUES (NEW.environment_id, substr(NEW.created_at, 1, 10) || 'T00:00:00.000Z', NEW.user_id, 1)
        ON CONFLICT (environment_id, day, user_id) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER analytics_user_days_insert AFTER INSERT ON analytics_user_days BEGIN
    INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n) VALUES (NEW.environment_id, 'active', NEW.day, '', 0, 1)
        ON CONFLICT (environment_id, metric, day, dim, shard) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER analytics_visits_insert AFTER INSERT ON visits BEGIN
    INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
        VALUES (NEW.environment_id, 'visits', substr(NEW.created_at, 1, 10) || 'T00:00:00.000Z', '', 0, 1)
        ON CONFLICT (environment_id, metric, day, dim, shard) DO UPDATE SET n = n + 1;
    INSERT INTO analytics_visitor_days (environment_id, day, wallet_address, n)
        VALUES (NEW.environment_id, substr(NEW.created_at, 1, 10) || 'T00:00:00.000Z', NEW.wallet_address, 1)
        ON CONFLICT (environment_id, day, wallet_address) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER analytics_visitor_days_insert AFTER INSERT ON analytics_visitor_days BEGIN
    INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n) VALUES (NEW.environment_id, 'visitors', NEW.day, '', 0, 1)
        ON CONFLICT (environment_id, metric, day, dim, shard) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER analytics_users_insert AFTER INSERT ON users BEGIN
    INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
        VALUES (NEW.environment_id, 'users', substr(NEW.created_at, 1, 10) || 'T00:00:00.000Z', '', 0, 1)
        ON CONFLICT (environment_id, metric, day, dim, shard) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER analytics_users_delete AFTER DELETE ON users BEGIN
    UPDATE analytics_days SET n = n - 1 WHERE environment_id = OLD.environment_id AND metric = 'users'
        AND day = substr(OLD.created_at, 1, 10) || 'T00:00:00.000Z' AND dim = '' AND shard = 0;
END;
CREATE TRIGGER analytics_wallets_insert AFTER INSERT ON verified_credentials WHEN NEW.format = 'blockchain' BEGIN
    INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
        VALUES (NEW.environment_id, 'wallets', substr(NEW.created_at, 1, 10) || 'T00:00:00.000Z', NEW.chain || ':' || NEW.wallet_name, 0, 1)
        ON CONFLICT (environment_id, metric, day, dim, shard) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER analytics_wallets_delete AFTER DELETE ON verified_credentials WHEN OLD.format = 'blockchain' BEGIN
    UPDATE analytics_days SET n = n - 1 WHERE environment_id = OLD.environment_id AND metric = 'wallets'
        AND day = substr(OLD.created_at, 1, 10) || 'T00:00:00.000Z' AND dim = OLD.chain || ':' || OLD.wallet_name AND shard = 0;
END;
CREATE TRIGGER analytics_wallets_rename AFTER UPDATE OF wallet_name ON verified_credentials
    WHEN NEW.format = 'blockchain' AND NEW.wallet_name IS NOT OLD.wallet_name BEGIN
    UPDATE analytics_days SET n = n - 1 WHERE environment_id = OLD.environment_id AND metric = 'wallets'
        AND day = substr(OLD.created_at, 1, 10) || 'T00:00:00.000Z' AND dim = OLD.chain || ':' || OLD.wallet_name AND shard = 0;
    INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
        VALUES (NEW.environment_id, 'wallets', substr(NEW.created_at, 1, 10) || 'T00:00:00.000Z', NEW.chain || ':' || NEW.wallet_name, 0, 1)
        ON CONFLICT (environment_id, metric, day, dim, shard) DO UPDATE SET n = n + 1;
END;
