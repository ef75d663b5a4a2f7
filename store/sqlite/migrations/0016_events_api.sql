-- The admin Events API: a resource_type column (the first segment of the
-- name) so ?resourceType= is an index range, indexes that serve the newest-
-- first cursor pages; the SDK's analytics events (POST /sdk/{env}/events),
-- kept apart from the outbox (they are never delivered to webhooks).
ALTER TABLE events ADD COLUMN resource_type TEXT NOT NULL DEFAULT '';
UPDATE events SET resource_type = substr(name, 1, instr(name || '.', '.') - 1);
DROP INDEX events_env;
CREATE INDEX events_env ON events(environment_id, created_at, id);
CREATE INDEX events_env_type ON events(environment_id, resource_type, created_at, id);

CREATE TABLE sdk_events (
    id             TEXT PRIMARY KEY,
    environment_id TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    anonymous_id   TEXT NOT NULL,
    event          TEXT NOT NULL,
    type           TEXT NOT NULL,
    properties     TEXT NOT NULL DEFAULT '{}',
    created_at     TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX sdk_events_env ON sdk_events(environment_id, created_at);
