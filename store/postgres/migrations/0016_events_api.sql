-- The admin Events API: a resource_type column (the first segment of the
-- name) so ?resourceType= is an index range, indexes that serve the newest-
-- first cursor pages; the SDK's analytics events (POST /sdk/{env}/events),
-- kept apart from the outbox (they are never delivered to webhooks).
ALTER TABLE events ADD COLUMN resource_type text NOT NULL DEFAULT '';
UPDATE events SET resource_type = split_part(name, '.', 1);
DROP INDEX events_env;
CREATE INDEX events_env ON events(environment_id, created_at, id);
CREATE INDEX events_env_type ON events(environment_id, resource_type, created_at, id);

CREATE TABLE sdk_events (
    id             text PRIMARY KEY,
    environment_id text NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    anonymous_id   text NOT NULL,
    event          text NOT NULL,
    type           text NOT NULL,
    properties     jsonb NOT NULL DEFAULT '{}',
    created_at     timestamptz NOT NULL
);
CREATE INDEX sdk_events_env ON sdk_events(environment_id, created_at);
