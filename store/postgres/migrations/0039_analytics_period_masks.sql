-- Which days of its week (month) each row of analytics_periods was active
-- on; see SQLite's migration 0039. Kept by the upsert that already counts
-- the days: no statement more per sign-in.
ALTER TABLE analytics_periods ADD COLUMN mask integer NOT NULL DEFAULT 0;

-- The bit of day d in its week (u 'week') or month (u 'month').
CREATE FUNCTION analytics_day_bit(u text, d timestamptz) RETURNS integer LANGUAGE sql IMMUTABLE AS $$
    SELECT 1 << (CAST(CASE WHEN u = 'month' THEN extract(day FROM d AT TIME ZONE 'UTC')
        ELSE extract(isodow FROM d AT TIME ZONE 'UTC') END AS integer) - 1)
$$;

UPDATE analytics_periods p SET mask = m.mask FROM (
    SELECT environment_id, u.unit, analytics_period(u.unit, day) AS period, user_id AS who,
        bit_or(analytics_day_bit(u.unit, day)) AS mask
    FROM analytics_user_days, (VALUES ('week'), ('month')) AS u(unit) GROUP BY 1, 2, 3, 4
    UNION ALL
    SELECT environment_id, 'visit_week', analytics_period('week', day), wallet_address, bit_or(analytics_day_bit('week', day))
    FROM analytics_visitor_days GROUP BY 1, 3, 4) m
WHERE p.environment_id = m.environment_id AND p.unit = m.unit AND p.period = m.period AND p.who = m.who;

-- The trigger function of 0037 with the mask; the bits are written out,
-- not called through analytics_day_bit, which a sign-in would plan anew.
CREATE OR REPLACE FUNCTION analytics_days_periods() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'analytics_user_days' THEN
        INSERT INTO analytics_periods (environment_id, unit, period, who, days, mask) VALUES
            (NEW.environment_id, 'week', analytics_period('week', NEW.day), NEW.user_id, 1,
                1 << (CAST(extract(isodow FROM NEW.day AT TIME ZONE 'UTC') AS integer) - 1)),
            (NEW.environment_id, 'month', analytics_period('month', NEW.day), NEW.user_id, 1,
                1 << (CAST(extract(day FROM NEW.day AT TIME ZONE 'UTC') AS integer) - 1))
            ON CONFLICT (environment_id, unit, period, who)
            DO UPDATE SET days = analytics_periods.days + 1, mask = analytics_periods.mask | excluded.mask;
    ELSE
        INSERT INTO analytics_periods (environment_id, unit, period, who, days, mask) VALUES
            (NEW.environment_id, 'visit_week', analytics_period('week', NEW.day), NEW.wallet_address, 1,
                1 << (CAST(extract(isodow FROM NEW.day AT TIME ZONE 'UTC') AS integer) - 1))
            ON CONFLICT (environment_id, unit, period, who)
            DO UPDATE SET days = analytics_periods.days + 1, mask = analytics_periods.mask | excluded.mask;
    END IF;
    RETURN NULL;
END
$$;
