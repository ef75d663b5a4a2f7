-- Nothing to change on SQLite: PostgreSQL's migration 0047 drops the
-- events' and analytics tables' foreign keys to environments, whose
-- checks lock the environment's row there (SQLite checks a key without
-- a row lock). The number keeps the two sequences one.
SELECT 1;
