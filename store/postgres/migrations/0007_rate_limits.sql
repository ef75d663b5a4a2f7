-- Rate-limit token buckets shared by every replica (one row per caller
-- and class), refilled and taken from in one statement.
CREATE TABLE rate_limits (
    key        text PRIMARY KEY,
    tokens     double precision NOT NULL,
    allowed    boolean NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX rate_limits_updated ON rate_limits(updated_at);
