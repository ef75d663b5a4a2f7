-- Nothing to change on SQLite: PostgreSQL's migration 0045 gives its
-- planner statistics of the lowered email, username and alias, which
-- SQLite plans without. The number keeps the two sequences one.
SELECT 1;
