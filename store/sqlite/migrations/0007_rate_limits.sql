-- Rate-limit token buckets, as PostgreSQL keeps them for its replicas. A
-- single SQLite process limits in memory and leaves this table empty; it
-- exists so both backends share one schema history.
CREATE TABLE rate_limits (
    key        TEXT PRIMARY KEY,
    tokens     REAL NOT NULL,
    allowed    INTEGER NOT NULL,
    updated_at TEXT NOT NULL
) WITHOUT ROWID;
