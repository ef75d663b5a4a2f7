-- Which days of its week (month) each row of analytics_periods was active
-- on: a bit per day, bit 0 the week's Monday (the month's first day). A
-- range that cuts a week or month then reads one row per user (wallet)
-- and period, its days inside the range a mask away, instead of a row per
-- user and active day. Kept by the upsert that already counts the days:
-- no statement more per sign-in.
ALTER TABLE analytics_periods ADD COLUMN mask INTEGER NOT NULL DEFAULT 0;

-- The days seen so far, from the day rows (distinct days: the sum of
-- their bits is their OR).
UPDATE analytics_periods SET mask = m.mask FROM (
    SELECT environment_id, 'week' AS unit, date(substr(day, 1, 10), 'weekday 0', '-6 days') || 'T00:00:00.000Z' AS period,
        user_id AS who, sum(1 << ((CAST(strftime('%w', substr(day, 1, 10)) AS integer) + 6) % 7)) AS mask
    FROM analytics_user_days GROUP BY 1, 3, 4
    UNION ALL
    SELECT environment_id, 'month', substr(day, 1, 7) || '-01T00:00:00.000Z', user_id,
        sum(1 << (CAST(substr(day, 9, 2) AS integer) - 1))
    FROM analytics_user_days GROUP BY 1, 3, 4
    UNION ALL
    SELECT environment_id, 'visit_week', date(substr(day, 1, 10), 'weekday 0', '-6 days') || 'T00:00:00.000Z', wallet_address,
        sum(1 << ((CAST(strftime('%w', substr(day, 1, 10)) AS integer) + 6) % 7))
    FROM analytics_visitor_days GROUP BY 1, 3, 4) m
WHERE analytics_periods.environment_id = m.environment_id AND analytics_periods.unit = m.unit
    AND analytics_periods.period = m.period AND analytics_periods.who = m.who;

DROP TRIGGER analytics_user_days_periods;
DROP TRIGGER analytics_visitor_days_periods;
CREATE TRIGGER analytics_user_days_periods AFTER INSERT ON analytics_user_days BEGIN
    INSERT INTO analytics_periods (environment_id, unit, period, who, days, mask) VALUES
        (NEW.environment_id, 'week', date(substr(NEW.day, 1, 10), 'weekday 0', '-6 days') || 'T00:00:00.000Z', NEW.user_id, 1,
            1 << ((CAST(strftime('%w', substr(NEW.day, 1, 10)) AS integer) + 6) % 7)),
        (NEW.environment_id, 'month', substr(NEW.day, 1, 7) || '-01T00:00:00.000Z', NEW.user_id, 1,
            1 << (CAST(substr(NEW.day, 9, 2) AS integer) - 1))
        ON CONFLICT (environment_id, unit, period, who) DO UPDATE SET days = days + 1, mask = mask | excluded.mask;
END;
CREATE TRIGGER analytics_visitor_days_periods AFTER INSERT ON analytics_visitor_days BEGIN
    INSERT INTO analytics_periods (environment_id, unit, period, who, days, mask) VALUES
        (NEW.environment_id, 'visit_week', date(substr(NEW.day, 1, 10), 'weekday 0', '-6 days') || 'T00:00:00.000Z', NEW.wallet_address, 1,
            1 << ((CAST(strftime('%w', substr(NEW.day, 1, 10)) AS integer) + 6) % 7))
        ON CONFLICT (environment_id, unit, period, who) DO UPDATE SET days = days + 1, mask = mask | excluded.mask;
END;
