-- Weekly retention pairs keyed by the days that decide whether a range
-- that cuts a week counts them: retain_pairs and retain_new replace
-- week_pairs and new_pairs of 0037; see SQLite's migration 0043. Spread
-- over 16 rows by a hash of the user, as before.

-- The first and last weekday (0 = Monday) of a week's mask.
CREATE FUNCTION analytics_first_day(m integer) RETURNS integer LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN m & 1 <> 0 THEN 0 WHEN m & 2 <> 0 THEN 1 WHEN m & 4 <> 0 THEN 2 WHEN m & 8 <> 0 THEN 3
        WHEN m & 16 <> 0 THEN 4 WHEN m & 32 <> 0 THEN 5 ELSE 6 END
$$;
CREATE FUNCTION analytics_last_day(m integer) RETURNS integer LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN m & 64 <> 0 THEN 6 WHEN m & 32 <> 0 THEN 5 WHEN m & 16 <> 0 THEN 4 WHEN m & 8 <> 0 THEN 3
        WHEN m & 4 <> 0 THEN 2 WHEN m & 2 <> 0 THEN 1 ELSE 0 END
$$;

-- The weekday (0 = Monday) of a time, in UTC: retain_new's key holds the
-- day a user was created on.
CREATE FUNCTION analytics_weekday(t timestamptz) RETURNS integer LANGUAGE sql IMMUTABLE AS $$
    SELECT extract(isodow FROM t AT TIME ZONE 'UTC')::integer - 1
$$;

DELETE FROM analytics_days WHERE metric IN ('week_pairs', 'new_pairs');
-- backfill begin (read by the backfill test)
INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
    SELECT a.environment_id, 'retain_pairs', a.period,
        analytics_date(b.period) || ' ' || analytics_last_day(a.mask) || analytics_first_day(b.mask), hashtext(a.who) & 15, count(*)
    FROM analytics_periods a JOIN analytics_periods b ON b.environment_id = a.environment_id AND b.unit = 'week'
        AND b.who = a.who AND b.period > a.period
    WHERE a.unit = 'week' GROUP BY 1, 3, 4, 5;
INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
    SELECT p.environment_id, 'retain_new', analytics_period('week', u.created_at),
        analytics_date(p.period) || ' ' || analytics_first_day(p.mask) || analytics_weekday(u.created_at), hashtext(p.who) & 15, count(*)
    FROM analytics_periods p JOIN users u ON u.id = p.who AND u.environment_id = p.environment_id
    WHERE p.unit = 'week' AND p.period >= analytics_period('week', u.created_at) GROUP BY 1, 3, 4, 5;
-- backfill end

-- The trigger function of 0037 with the keyed pairs (and no pair of a
-- week with itself).
CREATE OR REPLACE FUNCTION analytics_periods_insert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    sh integer := hashtext(NEW.who) & 15;
    prev text;
    next timestamptz;
    created timestamptz;
    cwd integer;
    d integer;
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
    d := analytics_first_day(NEW.mask); -- a new row has one day: its first and last
    INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
        SELECT NEW.environment_id, 'retain_pairs', least(period, NEW.period), analytics_date(greatest(period, NEW.period)) || ' ' ||
            CASE WHEN period < NEW.period THEN analytics_last_day(mask) || '' || d ELSE d || '' || analytics_first_day(mask) END, sh, 1
        FROM analytics_periods WHERE environment_id = NEW.environment_id AND unit = 'week' AND who = NEW.who AND period <> NEW.period
        ON CONFLICT (environment_id, metric, day, dim, shard) DO UPDATE SET n = analytics_days.n + 1;
    SELECT analytics_period('week', created_at), analytics_weekday(created_at) INTO created, cwd FROM users
        WHERE id = NEW.who AND environment_id = NEW.environment_id;
    IF created IS NOT NULL AND created <= NEW.period THEN
        PERFORM analytics_bump(NEW.environment_id, 'retain_new', created, analytics_date(NEW.period) || ' ' || d || cwd, sh, 1);
    END IF;
    RETURN NULL;
END
$$;

-- A new day of a week already counted, out of date order: a new last day
-- moves the pairs with the user's later weeks, a new first day those with
-- its earlier weeks and its creation week. In date order the new day is
-- the week's last and there is no later week: one index probe, no write.
CREATE FUNCTION analytics_periods_pair_days() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    sh integer := hashtext(NEW.who) & 15;
    ol integer := analytics_last_day(OLD.mask);
    nl integer := analytics_last_day(NEW.mask);
    ofd integer := analytics_first_day(OLD.mask);
    nf integer := analytics_first_day(NEW.mask);
    created timestamptz;
    cwd integer;
BEGIN
    IF ol <> nl THEN
        UPDATE analytics_days SET n = n - 1 WHERE environment_id = NEW.environment_id AND metric = 'retain_pairs' AND shard = sh
            AND day = NEW.period AND dim IN (SELECT analytics_date(period) || ' ' || ol || analytics_first_day(mask)
                FROM analytics_periods WHERE environment_id = NEW.environment_id AND unit = 'week' AND who = NEW.who
                    AND period > NEW.period);
        INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
            SELECT NEW.environment_id, 'retain_pairs', NEW.period, analytics_date(period) || ' ' || nl || analytics_first_day(mask), sh, 1
            FROM analytics_periods WHERE environment_id = NEW.environment_id AND unit = 'week' AND who = NEW.who AND period > NEW.period
            ON CONFLICT (environment_id, metric, day, dim, shard) DO UPDATE SET n = analytics_days.n + 1;
    END IF;
    IF ofd <> nf THEN
        UPDATE analytics_days SET n = n - 1 WHERE environment_id = NEW.environment_id AND metric = 'retain_pairs' AND shard = sh
            AND (day, dim) IN (SELECT period, analytics_date(NEW.period) || ' ' || analytics_last_day(mask) || ofd
                FROM analytics_periods WHERE environment_id = NEW.environment_id AND unit = 'week' AND who = NEW.who
                    AND period < NEW.period);
        INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
            SELECT NEW.environment_id, 'retain_pairs', period, analytics_date(NEW.period) || ' ' || analytics_last_day(mask) || nf, sh, 1
            FROM analytics_periods WHERE environment_id = NEW.environment_id AND unit = 'week' AND who = NEW.who AND period < NEW.period
            ON CONFLICT (environment_id, metric, day, dim, shard) DO UPDATE SET n = analytics_days.n + 1;
        SELECT analytics_period('week', created_at), analytics_weekday(created_at) INTO created, cwd FROM users
        WHERE id = NEW.who AND environment_id = NEW.environment_id;
        IF created IS NOT NULL AND created <= NEW.period THEN
            UPDATE analytics_days SET n = n - 1 WHERE environment_id = NEW.environment_id AND metric = 'retain_new' AND shard = sh
                AND day = created AND dim = analytics_date(NEW.period) || ' ' || ofd || cwd;
            PERFORM analytics_bump(NEW.environment_id, 'retain_new', created, analytics_date(NEW.period) || ' ' || nf || cwd, sh, 1);
        END IF;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER analytics_periods_pair_days AFTER UPDATE OF mask ON analytics_periods
    FOR EACH ROW WHEN (NEW.unit = 'week' AND NEW.mask <> OLD.mask) EXECUTE FUNCTION analytics_periods_pair_days();

-- A deleted user leaves the cohort of the week it was created in.
CREATE OR REPLACE FUNCTION analytics_users_delete_pairs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE analytics_days SET n = n - 1 WHERE environment_id = OLD.environment_id AND metric = 'retain_new'
        AND shard = hashtext(OLD.id) & 15 AND day = analytics_period('week', OLD.created_at)
        AND dim IN (SELECT analytics_date(period) || ' ' || analytics_first_day(mask) || analytics_weekday(OLD.created_at) FROM analytics_periods
            WHERE environment_id = OLD.environment_id AND unit = 'week' AND who = OLD.id
                AND period >= analytics_period('week', OLD.created_at));
    RETURN NULL;
END
$$;
