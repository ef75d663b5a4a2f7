-- The events and the analytics tables no longer check their environment
-- by a foreign key. Each row written into a table with a key to
-- environments takes a KEY SHARE lock on that environment's one row, and
-- every sign-in of an environment wrote up to six such rows (three
-- events, a user day, a week and a month): concurrent sign-ins then share
-- that row lock through multixacts. Without the keys of these five
-- tables perf/signin's PostgreSQL CPU per sign-in fell by 4-6% (ES256:
-- -compare, both orders, 0.965; whole runs alternated twice, 0.94 and 4%
-- more sign-ins/s). Their rows are written only
-- by a change to the environment's users, sessions or settings, which
-- keep their keys; what the keys' ON DELETE CASCADE did, the trigger
-- below does: an environment's deletion (itself, or its project's or
-- organization's) removes its events and analytics in the same
-- transaction. The users, credentials and sessions keep their keys.
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT conrelid::regclass AS tbl, conname FROM pg_constraint
        WHERE contype = 'f' AND confrelid = 'environments'::regclass AND connamespace = current_schema()::regnamespace
            AND conrelid::regclass::text IN ('events', 'analytics_days', 'analytics_user_days', 'analytics_visitor_days',
                'analytics_periods')
    LOOP
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', r.tbl, r.conname);
    END LOOP;
END
$$;

CREATE FUNCTION environments_delete_logs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM events WHERE environment_id = OLD.id;
    DELETE FROM analytics_days WHERE environment_id = OLD.id;
    DELETE FROM analytics_user_days WHERE environment_id = OLD.id;
    DELETE FROM analytics_visitor_days WHERE environment_id = OLD.id;
    DELETE FROM analytics_periods WHERE environment_id = OLD.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER environments_delete_logs AFTER DELETE ON environments
    FOR EACH ROW EXECUTE FUNCTION environments_delete_logs();
