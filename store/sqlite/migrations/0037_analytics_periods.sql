-- Who was active each ISO week and calendar month (UTC), kept by triggers
-- on the day rows of migration 0032, so that distinct users over weeks,
-- months and ranges, and weekly retention, are counter reads instead of a
-- scan of a row per user and active day.
--
-- analytics_periods: per environment, unit and period (its first day), who
-- was active and on how many days: unit 'week' and 'month' for users
-- (who: the user id), 'visit_week' for visiting wallets (who: the address).
-- Each new (who, period) bumps in analytics_days (day = the period):
--   active_week, active_month   distinct users in the period
--   week_days                   user-weeks by days active (dim '1'-'7')
--   week_since, visit_week_since
--                               who were active in the week, by the last
--                               earlier week they were active in (dim
--                               'YYYY-MM-DD', '' if none): distinct users
--                               over weeks [a, b) are those with dim < a
--   week_pairs                  users active in both week day and week dim
--                               (dim >= day): weekly retention of all users
--   new_pairs                   users created in week day active in week
--                               dim (less users deleted since)
CREATE TABLE analytics_periods (
    environment_id TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    unit           TEXT NOT NULL,
    period         TEXT NOT NULL,
    who            TEXT NOT NULL,
    days           INTEGER NOT NULL,
    PRIMARY KEY (environment_id, unit, period, who)
) WITHOUT ROWID;
CREATE INDEX analytics_periods_who ON analytics_periods(environment_id, unit, who, period);

-- What the day rows held before, grouped; the triggers come after.
INSERT INTO analytics_periods (environment_id, unit, period, who, days)
    SELECT environment_id, 'week', date(substr(day, 1, 10), 'weekday 0', '-6 days') || 'T00:00:00.000Z', user_id, count(*)
    FROM analytics_user_days GROUP BY 1, 3, 4;
INSERT INTO analytics_periods (environment_id, unit, period, who, days)
    SELECT environment_id, 'month', substr(day, 1, 7) || '-01T00:00:00.000Z', user_id, count(*)
    FROM analytics_user_days GROUP BY 1, 3, 4;
INSERT INTO analytics_periods (environment_id, unit, period, who, days)
    SELECT environment_id, 'visit_week', date(substr(day, 1, 10), 'weekday 0', '-6 days') || 'T00:00:00.000Z', wallet_address, count(*)
    FROM analytics_visitor_days GROUP BY 1, 3, 4;
INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
    SELECT environment_id, 'active_' || unit, period, '', 0, count(*) FROM analytics_periods
    WHERE unit IN ('week', 'month') GROUP BY 1, 2, 3;
INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
    SELECT environment_id, 'week_days', period, CAST(days AS text), 0, count(*) FROM analytics_periods
    WHERE unit = 'week' GROUP BY 1, 3, 4;
INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
    SELECT environment_id, unit || '_since', period, prev, 0, count(*) FROM (
        SELECT environment_id, unit, period,
            COALESCE(substr(lag(period) OVER (PARTITION BY environment_id, unit, who ORDER BY period), 1, 10), '') AS prev
        FROM analytics_periods WHERE unit <> 'month') p GROUP BY 1, 2, 3, 4;
INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
    SELECT a.environment_id, 'week_pairs', a.period, substr(b.period, 1, 10), 0, count(*)
    FROM analytics_periods a JOIN analytics_periods b ON b.environment_id = a.environment_id AND b.unit = 'week'
        AND b.who = a.who AND b.period >= a.period
    WHERE a.unit = 'week' GROUP BY 1, 3, 4;
INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
    SELECT p.environment_id, 'new_pairs', date(substr(u.created_at, 1, 10), 'weekday 0', '-6 days') || 'T00:00:00.000Z',
        substr(p.period, 1, 10), 0, count(*)
    FROM analytics_periods p JOIN users u ON u.id = p.who AND u.environment_id = p.environment_id
    WHERE p.unit = 'week' AND p.period >= date(substr(u.created_at, 1, 10), 'weekday 0', '-6 days') || 'T00:00:00.000Z'
    GROUP BY 1, 3, 4;

-- A user's (wallet's) first sign-in (visit) of a day.
CREATE TRIGGER analytics_user_days_periods AFTER INSERT ON analytics_user_days BEGIN
    INSERT INTO analytics_periods (environment_id, unit, period, who, days) VALUES
        (NEW.environment_id, 'week', date(substr(NEW.day, 1, 10), 'weekday 0', '-6 days') || 'T00:00:00.000Z', NEW.user_id, 1),
        (NEW.environment_id, 'month', substr(NEW.day, 1, 7) || '-01T00:00:00.000Z', NEW.user_id, 1)
        ON CONFLICT (environment_id, unit, period, who) DO UPDATE SET days = days + 1;
END;
CREATE TRIGGER analytics_visitor_days_periods AFTER INSERT ON analytics_visitor_days BEGIN
    INSERT INTO analytics_periods (environment_id, unit, period, who, days) VALUES
        (NEW.environment_id, 'visit_week', date(substr(NEW.day, 1, 10), 'weekday 0', '-6 days') || 'T00:00:00.000Z', NEW.wallet_address, 1)
        ON CONFLICT (environment_id, unit, period, who) DO UPDATE SET days = days + 1;
END;

-- A new (who, period): the distinct counts of the period.
CREATE TRIGGER analytics_periods_active AFTER INSERT ON analytics_periods WHEN NEW.unit IN ('week', 'month') BEGIN
    INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n) VALUES
        (NEW.environment_id, 'active_' || NEW.unit, NEW.period, '', 0, 1)
        ON CONFLICT (environment_id, metric, day, dim, shard) DO UPDATE SET n = n + 1;
    INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
        SELECT NEW.environment_id, 'week_days', NEW.period, '1', 0, 1 WHERE NEW.unit = 'week'
        ON CONFLICT (environment_id, metric, day, dim, shard) DO UPDATE SET n = n + 1;
END;
-- Another day in the week: the user-week moves up the histogram.
CREATE TRIGGER analytics_periods_days AFTER UPDATE OF days ON analytics_periods WHEN NEW.unit = 'week' BEGIN
    UPDATE analytics_days SET n = n - 1 WHERE environment_id = OLD.environment_id AND metric = 'week_days'
        AND day = OLD.period AND dim = CAST(OLD.days AS text) AND shard = 0;
    INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
        VALUES (NEW.environment_id, 'week_days', NEW.period, CAST(NEW.days AS text), 0, 1)
        ON CONFLICT (environment_id, metric, day, dim, shard) DO UPDATE SET n = n + 1;
END;
-- A new week of who: counted by the week before it; the next week of who,
-- if this one was inserted out of order, is now counted by this one.
CREATE TRIGGER analytics_periods_since AFTER INSERT ON analytics_periods WHEN NEW.unit IN ('week', 'visit_week') BEGIN
    INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
        SELECT NEW.environment_id, NEW.unit || '_since', NEW.period, COALESCE((SELECT substr(max(period), 1, 10) FROM analytics_periods
            WHERE environment_id = NEW.environment_id AND unit = NEW.unit AND who = NEW.who AND period < NEW.period), ''), 0, 1 WHERE true
        ON CONFLICT (environment_id, metric, day, dim, shard) DO UPDATE SET n = n + 1;
    UPDATE analytics_days SET n = n - 1 WHERE environment_id = NEW.environment_id AND metric = NEW.unit || '_since' AND shard = 0
        AND day = (SELECT min(period) FROM analytics_periods WHERE environment_id = NEW.environment_id AND unit = NEW.unit
            AND who = NEW.who AND period > NEW.period)
        AND dim = COALESCE((SELECT substr(max(period), 1, 10) FROM analytics_periods WHERE environment_id = NEW.environment_id
            AND unit = NEW.unit AND who = NEW.who AND period < NEW.period), '');
    INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
        SELECT NEW.environment_id, NEW.unit || '_since', min(period), substr(NEW.period, 1, 10), 0, 1 FROM analytics_periods
        WHERE environment_id = NEW.environment_id AND unit = NEW.unit AND who = NEW.who AND period > NEW.period HAVING count(*) > 0
        ON CONFLICT (environment_id, metric, day, dim, shard) DO UPDATE SET n = n + 1;
END;
-- A new week of a user: a retention pair with each of its weeks (itself
-- included), and one with the week it was created in.
CREATE TRIGGER analytics_periods_pairs AFTER INSERT ON analytics_periods WHEN NEW.unit = 'week' BEGIN
    INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
        SELECT NEW.environment_id, 'week_pairs', min(period, NEW.period), substr(max(period, NEW.period), 1, 10), 0, 1
        FROM analytics_periods WHERE environment_id = NEW.environment_id AND unit = 'week' AND who = NEW.who
        ON CONFLICT (environment_id, metric, day, dim, shard) DO UPDATE SET n = n + 1;
    INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n)
        SELECT NEW.environment_id, 'new_pairs', c.wk, substr(NEW.period, 1, 10), 0, 1
        FROM (SELECT date(substr(created_at, 1, 10), 'weekday 0', '-6 days') || 'T00:00:00.000Z' AS wk FROM users
            WHERE id = NEW.who AND environment_id = NEW.environment_id) c WHERE c.wk <= NEW.period
        ON CONFLICT (environment_id, metric, day, dim, shard) DO UPDATE SET n = n + 1;
END;
-- A deleted user leaves the cohort of the week it was created in.
CREATE TRIGGER analytics_users_delete_pairs AFTER DELETE ON users BEGIN
    UPDATE analytics_days SET n = n - 1 WHERE environment_id = OLD.environment_id AND metric = 'new_pairs' AND shard = 0
        AND day = date(substr(OLD.created_at, 1, 10), 'weekday 0', '-6 days') || 'T00:00:00.000Z'
        AND dim IN (SELECT substr(period, 1, 10) FROM analytics_periods WHERE environment_id = OLD.environment_id AND unit = 'week'
            AND who = OLD.id AND period >= date(substr(OLD.created_at, 1, 10), 'weekday 0', '-6 days') || 'T00:00:00.000Z');
END;
