-- The analytics triggers' counter upserts, planned once per connection.
-- analytics_bump was a SQL function, and PostgreSQL (before 18) parses
-- and plans a SQL function's body at every call: a sign-in called it three
-- times, a first sign-in five, and under the sign-in benchmark that was
-- 15% of PostgreSQL's CPU. PL/pgSQL keeps its statements' plans for the
-- connection's life. The sessions trigger bumps its three counters in one
-- INSERT of three rows (distinct metrics: never the same row twice).
CREATE OR REPLACE FUNCTION analytics_bump(env text, m text, d timestamptz, dm text, sh integer, by bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n) VALUES ($1, $2, $3, $4, $5, $6)
        ON CONFLICT (environment_id, metric, day, dim, shard) DO UPDATE SET n = analytics_days.n + excluded.n;
END
$$;

CREATE OR REPLACE FUNCTION analytics_sessions_insert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    d timestamptz := analytics_day(NEW.created_at);
    sh integer := hashtext(NEW.id) & 15;
BEGIN
    INSERT INTO analytics_days (environment_id, metric, day, dim, shard, n) VALUES
        (NEW.environment_id, 'sessions', d,
            COALESCE((SELECT format FROM verified_credentials WHERE id = NEW.signin_credential_id), ''), sh, 1),
        (NEW.environment_id, 'agents', d, NEW.user_agent, sh, 1),
        (NEW.environment_id, 'hours', d, CAST(CAST(extract(hour FROM NEW.created_at AT TIME ZONE 'UTC') AS integer) AS text), sh, 1)
        ON CONFLICT (environment_id, metric, day, dim, shard) DO UPDATE SET n = analytics_days.n + excluded.n;
    INSERT INTO analytics_user_days (environment_id, day, user_id, n) VALUES (NEW.environment_id, d, NEW.user_id, 1)
        ON CONFLICT (environment_id, day, user_id) DO UPDATE SET n = analytics_user_days.n + 1;
    RETURN NULL;
END
$$;
