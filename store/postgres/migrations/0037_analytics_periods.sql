-- Who was active each ISO week and calendar month (UTC), and the counters
-- read from it; see SQLite's migration 0037. Counters spread over 16 rows
-- by a hash of who, as in 0032.
CREATE TABLE analytics_periods (
    environment_id text NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    unit           text NOT NULL,
    period         timestamptz NOT NULL,
    who            text NOT NULL,
    days           integer NOT NULL,
    PRIMARY KEY (environment_id, unit, period, who)
);
CREATE INDEX analytics_periods_who ON analytics_periods(environment_id, unit, who, period);

CREATE FUNCTION analytics_period(u text, t timestamptz) RETURNS timestamptz LANGUAGE sql IMMUTABLE AS $$
    SELECT date_trunc(u, t AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
$$;
CREATE FUNCTION analytics_date(t timestamptz) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD')
$$;

-- What the day rows held before, grouped; the triggers come after.
INSERT INTO analytics_periods (environment_id, unit, period, who, days)
    SELECT environment_id, u.unit, analytics_period(u.unit, day), user_id, count(*)
    FROM analytics_user_days, (VALUES ('week'), ('month')) AS u(unit) GROUP BY 1, 2, 3, 4;
INSERT INTO analytics_periods (environment_id, unit, period, who, days)
    SELECT environment_id, 'visit_week', analytics_period('week', day), wallet_address, count(*)
    FROM analytics_visitor_days GROUP BY 1, 3, 4;
INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
    SELECT environment_id, 'active_' || unit, period, '', hashtext(who) & 15, count(*) FROM analytics_periods
    WHERE unit IN ('week', 'month') GROUP BY 1, 2, 3, 5;
INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
    SELECT environment_id, 'week_days', period, CAST(days AS text), hashtext(who) & 15, count(*) FROM analytics_periods
    WHERE unit = 'week' GROUP BY 1, 3, 4, 5;
INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
    SELECT environment_id, unit || '_since', period, prev, sh, count(*) FROM (
        SELECT environment_id, unit, period, hashtext(who) & 15 AS sh,
            COALESCE(analytics_date(lag(period) OVER (PARTITION BY environment_id, unit, who ORDER BY period)), '') AS prev
        FROM analytics_periods WHERE unit <> 'month') p GROUP BY 1, 2, 3, 4, 5;
INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
    SELECT a.environment_id, 'week_pairs', a.period, analytics_date(b.period), hashtext(a.who) & 15, count(*)
    FROM analytics_periods a JOIN analytics_periods b ON b.environment_id = a.environment_id AND b.unit = 'week'
        AND b.who = a.who AND b.period >= a.period
    WHERE a.unit = 'week' GROUP BY 1, 3, 4, 5;
INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
    SELECT p.environment_id, 'new_pairs', analytics_period('week', u.created_at), analytics_date(p.period), hashtext(p.who) & 15, count(*)
    FROM analytics_periods p JOIN users u ON u.id = p.who AND u.environment_id = p.environment_id
    WHERE p.unit = 'week' AND p.period >= analytics_period('week', u.created_at) GROUP BY 1, 3, 4, 5;

-- A user's (wallet's) first sign-in (visit) of a day.
CREATE FUNCTION analytics_days_periods() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'analytics_user_days' THEN
        INSERT INTO analytics_periods (environment_id, unit, period, who, days) VALUES
            (NEW.environment_id, 'week', analytics_period('week', NEW.day), NEW.user_id, 1),
            (NEW.environment_id, 'month', analytics_period('month', NEW.day), NEW.user_id, 1)
            ON CONFLICT (environment_id, unit, period, who) DO UPDATE SET days = analytics_periods.days + 1;
    ELSE
        INSERT INTO analytics_periods (environment_id, unit, period, who, days) VALUES
            (NEW.environment_id, 'visit_week', analytics_period('week', NEW.day), NEW.wallet_address, 1)
            ON CONFLICT (environment_id, unit, period, who) DO UPDATE SET days = analytics_periods.days + 1;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER analytics_user_days_periods AFTER INSERT ON analytics_user_days
    FOR EACH ROW EXECUTE FUNCTION analytics_days_periods();
CREATE TRIGGER analytics_visitor_days_periods AFTER INSERT ON analytics_visitor_days
    FOR EACH ROW EXECUTE FUNCTION analytics_days_periods();

-- A new (who, period): the period's distinct counts; for a week, the
-- counter by the week before (and the next week's, if this one came out
-- of order) and the retention pairs.
CREATE FUNCTION analytics_periods_insert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    sh integer := hashtext(NEW.who) & 15;
    prev text;
    next timestamptz;
    created timestamptz;
BEGIN
    IF NEW.unit IN ('week', 'month') THEN
        PERFORM analytics_bump(NEW.environment_id, 'active_' || NEW.unit, NEW.period, '', sh, 1);
    END IF;
    IF NEW.unit = 'month' THEN
        RETURN NULL;
    END IF;
    SELECT COALESCE(analytics_date(max(period)), '') INTO prev FROM analytics_periods
        WHERE environment_id = NEW.environment_id AND unit = NEW.unit AND who = NEW.who AND period < NEW.period;
    PERFORM analytics_bump(NEW.environment_id, NEW.unit || '_since', NEW.period, prev, sh, 1);
    SELECT min(period) INTO next FROM analytics_periods
        WHERE environment_id = NEW.environment_id AND unit = NEW.unit AND who = NEW.who AND period > NEW.period;
    IF next IS NOT NULL THEN
        UPDATE analytics_days SET n = n - 1 WHERE environment_id = NEW.environment_id AND metric = NEW.unit || '_since'
            AND day = next AND dim = prev AND shard = sh;
        PERFORM analytics_bump(NEW.environment_id, NEW.unit || '_since', next, analytics_date(NEW.period), sh, 1);
    END IF;
    IF NEW.unit <> 'week' THEN
        RETURN NULL;
    END IF;
    PERFORM analytics_bump(NEW.environment_id, 'week_days', NEW.period, '1', sh, 1);
    INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
        SELECT NEW.environment_id, 'week_pairs', least(period, NEW.period), analytics_date(greatest(period, NEW.period)), sh, 1
        FROM analytics_periods WHERE environment_id = NEW.environment_id AND unit = 'week' AND who = NEW.who
        ON CONFLICT (environment_id, metric, day, dim, shard) DO UPDATE SET n = analytics_days.n + 1;
    SELECT analytics_period('week', created_at) INTO created FROM users WHERE id = NEW.who AND environment_id = NEW.environment_id;
    IF created IS NOT NULL AND created <= NEW.period THEN
        PERFORM analytics_bump(NEW.environment_id, 'new_pairs', created, analytics_date(NEW.period), sh, 1);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER analytics_periods_insert AFTER INSERT ON analytics_periods
    FOR EACH ROW EXECUTE FUNCTION analytics_periods_insert();

-- Another day in the week: the user-week moves up the histogram.
CREATE FUNCTION analytics_periods_days() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    sh integer := hashtext(NEW.who) & 15;
BEGIN
    UPDATE analytics_days SET n = n - 1 WHERE environment_id = OLD.environment_id AND metric = 'week_days'
        AND day = OLD.period AND dim = CAST(OLD.days AS text) AND shard = sh;
    PERFORM analytics_bump(NEW.environment_id, 'week_days', NEW.period, CAST(NEW.days AS text), sh, 1);
    RETURN NULL;
END
$$;
CREATE TRIGGER analytics_periods_days AFTER UPDATE OF days ON analytics_periods
    FOR EACH ROW WHEN (NEW.unit = 'week' AND NEW.days <> OLD.days) EXECUTE FUNCTION analytics_periods_days();

-- A deleted user leaves the cohort of the week it was created in.
CREATE FUNCTION analytics_users_delete_pairs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE analytics_days SET n = n - 1 WHERE environment_id = OLD.environment_id AND metric = 'new_pairs'
        AND shard = hashtext(OLD.id) & 15 AND day = analytics_period('week', OLD.created_at)
        AND dim IN (SELECT analytics_date(period) FROM analytics_periods WHERE environment_id = OLD.environment_id AND unit = 'week'
            AND who = OLD.id AND period >= analytics_period('week', OLD.created_at));
    RETURN NULL;
END
$$;
CREATE TRIGGER analytics_users_delete_pairs AFTER DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION analytics_users_delete_pairs();
