-- The users' trigram indexes (0027) hold only values a substring search
-- can match: at least 3 characters (sqlstore.MinSearchRunes; shorter
-- values have the users_*_short indexes of 0034). A wallet sign-in's user
-- has no email, names, username, phone or job title, yet each of the
-- seven GIN indexes took an entry for its empty value at the user's
-- INSERT and again at every sign-in's UPDATE (it sets last_visit_at,
-- which users_env indexes, so the UPDATE is never HOT and every index of
-- the row gets a new entry). The search's condition repeats the predicate
-- (Dialect.Contains) for the planner to use these indexes; it is not
-- email <> '', which would let the planner walk users_env_email instead.
DO $$
DECLARE
    s text;
    col text;
BEGIN
    SELECT n.nspname INTO s FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm';
    FOREACH col IN ARRAY ARRAY['email', 'alias', 'first_name', 'last_name', 'username', 'phone_number', 'job_title'] LOOP
        EXECUTE format('DROP INDEX %I', 'users_' || col || '_trgm');
        EXECUTE format('CREATE INDEX %I ON users USING gin (%I %I.gin_trgm_ops) WHERE length(%I) >= 3',
            'users_' || col || '_trgm', col, s, col);
    END LOOP;
END
$$;
