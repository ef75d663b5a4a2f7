-- Nothing to change on SQLite: PostgreSQL's migration 0036 turns its
-- analytics counter function from SQL into PL/pgSQL, which SQLite's
-- triggers (compiled once per statement) do not need. The number keeps
-- the two sequences one.
SELECT 1;
