-- Substring search of the users list's text filters (email, alias, names,
-- username, phone, job title): trigram indexes answer ILIKE '%…%' instead
-- of a scan of every user of the environment. pg_trgm ships with
-- PostgreSQL (contrib) and is a trusted extension: a database owner may
-- create it. An extension is per database, not per schema: it goes to
-- public unless it is installed already, and the indexes name its
-- operator class where it is.
CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
DO $$
DECLARE
    s text;
    col text;
BEGIN
    SELECT n.nspname INTO s FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm';
    FOREACH col IN ARRAY ARRAY['email', 'alias', 'first_name', 'last_name', 'username', 'phone_number', 'job_title'] LOOP
        EXECUTE format('CREATE INDEX %I ON users USING gin (%I %I.gin_trgm_ops)', 'users_' || col || '_trgm', col, s);
    END LOOP;
END
$$;
