-- Nothing to do on SQLite: users is a WITHOUT ROWID table, so
-- users_env_created (environment_id, created_at) holds id as well and
-- answers WHERE (created_at, id) <= … in order (PostgreSQL's migration
-- 30 adds that index).
SELECT 1;
