-- The analytics triggers with the same effects in fewer statements: a
-- first sign-in ran about 25 statements in PL/pgSQL (each
-- `PERFORM analytics_bump(...)` two: the call and the INSERT inside it),
-- a third of PostgreSQL's CPU per sign-in in perf/signin. Now each
-- counter is bumped by its own INSERT, a new week or month of a user bumps
-- its counters in one multi-row INSERT, the two triggers on a new user day
-- (or visitor day) are one, and a period with no other period of its user
-- skips the statements that would find none.

CREATE OR REPLACE FUNCTION analytics_users_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
            VALUES (NEW.environment_id, 'users', analytics_day(NEW.created_at), '', hashtext(NEW.id) & 15, 1)
            ON CONFLICT (environment_id, metric, day, dim, shard) DO UPDATE SET n = analytics_days.n + 1;
    ELSE
        UPDATE analytics_days SET n = n - 1 WHERE environment_id = OLD.environment_id AND metric = 'users'
            AND day = analytics_day(OLD.created_at) AND dim = '' AND shard = hashtext(OLD.id) & 15;
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION analytics_wallets_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE analytics_days SET n = n - 1 WHERE environment_id = OLD.environment_id AND metric = 'wallets'
            AND day = analytics_day(OLD.created_at) AND dim = OLD.chain || ':' || OLD.wallet_name AND shard = hashtext(OLD.id) & 15;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
            VALUES (NEW.environment_id, 'wallets', analytics_day(NEW.created_at), NEW.chain || ':' || NEW.wallet_name,
                hashtext(NEW.id) & 15, 1)
            ON CONFLICT (environment_id, metric, day, dim, shard) DO UPDATE SET n = analytics_days.n + 1;
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION analytics_visits_insert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    d timestamptz := analytics_day(NEW.created_at);
BEGIN
    INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
        VALUES (NEW.environment_id, 'visits', d, '', hashtext(NEW.id) & 15, 1)
        ON CONFLICT (environment_id, metric, day, dim, shard) DO UPDATE SET n = analytics_days.n + 1;
    INSERT INTO analytics_visitor_days (environment_id, day, wallet_address, n) VALUES (NEW.environment_id, d, NEW.wallet_address, 1)
        ON CONFLICT (environment_id, day, wallet_address) DO UPDATE SET n = analytics_visitor_days.n + 1;
    RETURN NULL;
END
$$;

-- A new user day counts its user active that day and adds the day to the
-- user's week and month; a new visitor day, likewise for the visitor's
-- week. (analytics_first_of_day_user and _visitor did the first half in
-- triggers of their own, which fired first: same order here.)
CREATE OR REPLACE FUNCTION analytics_days_periods() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'analytics_user_days' THEN
        INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
            VALUES (NEW.environment_id, 'active', NEW.day, '', hashtext(NEW.user_id) & 15, 1)
            ON CONFLICT (environment_id, metric, day, dim, shard) DO UPDATE SET n = analytics_days.n + 1;
        INSERT INTO analytics_periods (environment_id, unit, period, who, days, mask) VALUES
            (NEW.environment_id, 'week', analytics_period('week', NEW.day), NEW.user_id, 1,
                1 << (CAST(extract(isodow FROM NEW.day AT TIME ZONE 'UTC') AS integer) - 1)),
            (NEW.environment_id, 'month', analytics_period('month', NEW.day), NEW.user_id, 1,
                1 << (CAST(extract(day FROM NEW.day AT TIME ZONE 'UTC') AS integer) - 1))
            ON CONFLICT (environment_id, unit, period, who)
            DO UPDATE SET days = analytics_periods.days + 1, mask = analytics_periods.mask | excluded.mask;
    ELSE
        INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
            VALUES (NEW.environment_id, 'visitors', NEW.day, '', hashtext(NEW.wallet_address) & 15, 1)
            ON CONFLICT (environment_id, metric, day, dim, shard) DO UPDATE SET n = analytics_days.n + 1;
        INSERT INTO analytics_periods (environment_id, unit, period, who, days, mask) VALUES
            (NEW.environment_id, 'visit_week', analytics_period('week', NEW.day), NEW.wallet_address, 1,
                1 << (CAST(extract(isodow FROM NEW.day AT TIME ZONE 'UTC') AS integer) - 1))
            ON CONFLICT (environment_id, unit, period, who)
            DO UPDATE SET days = analytics_periods.days + 1, mask = analytics_periods.mask | excluded.mask;
    END IF;
    RETURN NULL;
END
$$;
DROP TRIGGER analytics_user_days ON analytics_user_days;
DROP TRIGGER analytics_visitor_days ON analytics_visitor_days;
DROP FUNCTION analytics_first_of_day_user();
DROP FUNCTION analytics_first_of_day_visitor();

-- A new period (a user's week or month, a visitor's week): the counters of
-- 0043's version, each bumped by one row of one INSERT.
CREATE OR REPLACE FUNCTION analytics_periods_insert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    sh integer := hashtext(NEW.who) & 15;
    week boolean := NEW.unit = 'week';
    prev text;
    next timestamptz;
    created timestamptz;
    cwd integer;
    d integer := analytics_first_day(NEW.mask); -- a new row has one day: its first and last
BEGIN
    IF NEW.unit = 'month' THEN
        INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
            VALUES (NEW.environment_id, 'active_month', NEW.period, '', sh, 1)
            ON CONFLICT (environment_id, metric, day, dim, shard) DO UPDATE SET n = analytics_days.n + 1;
        RETURN NULL;
    END IF;
    SELECT COALESCE(analytics_date(max(period) FILTER (WHERE period < NEW.period)), ''),
            min(period) FILTER (WHERE period > NEW.period)
        INTO prev, next FROM analytics_periods
        WHERE environment_id = NEW.environment_id AND unit = NEW.unit AND who = NEW.who;
    IF week THEN
        SELECT analytics_period('week', created_at), analytics_weekday(created_at) INTO created, cwd FROM users
            WHERE id = NEW.who AND environment_id = NEW.environment_id;
    END IF;
    INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
        SELECT NEW.environment_id, v.metric, v.day, v.dim, sh, 1 FROM (VALUES
            ('active_week', NEW.period, '', week),
            (NEW.unit || '_since', NEW.period, prev, true),
            ('week_days', NEW.period, '1', week),
            ('retain_new', created, analytics_date(NEW.period) || ' ' || d || cwd, week AND created <= NEW.period)
        ) AS v(metric, day, dim, keep) WHERE v.keep
        ON CONFLICT (environment_id, metric, day, dim, shard) DO UPDATE SET n = analytics_days.n + 1;
    IF next IS NOT NULL THEN
        UPDATE analytics_days SET n = n - 1 WHERE environment_id = NEW.environment_id AND metric = NEW.unit || '_since'
            AND day = next AND dim = prev AND shard = sh;
        INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
            VALUES (NEW.environment_id, NEW.unit || '_since', next, analytics_date(NEW.period), sh, 1)
            ON CONFLICT (environment_id, metric, day, dim, shard) DO UPDATE SET n = analytics_days.n + 1;
    END IF;
    IF week AND (prev <> '' OR next IS NOT NULL) THEN
        INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
            SELECT NEW.environment_id, 'retain_pairs', least(period, NEW.period), analytics_date(greatest(period, NEW.period)) || ' ' ||
                CASE WHEN period < NEW.period THEN analytics_last_day(mask) || '' || d ELSE d || '' || analytics_first_day(mask) END, sh, 1
            FROM analytics_periods WHERE environment_id = NEW.environment_id AND unit = 'week' AND who = NEW.who AND period <> NEW.period
            ON CONFLICT (environment_id, metric, day, dim, shard) DO UPDATE SET n = analytics_days.n + 1;
    END IF;
    RETURN NULL;
END
$$;
