-- Nothing to change on SQLite: PostgreSQL's migration 0046 runs its
-- analytics triggers' PL/pgSQL in fewer statements; SQLite's triggers
-- run in the server's process, without a statement's planning and
-- executor start-up per counter. The number keeps the two sequences one.
SELECT 1;
