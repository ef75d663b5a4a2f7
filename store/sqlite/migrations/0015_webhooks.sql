-- Webhooks: endpoints, their subscriptions (one row per event name, so the
-- outbox insert written with every event is an index lookup), the messages
-- (one per event and webhook, the delivery outbox with its lease) and the
-- delivery log (one row per attempt).
CREATE TABLE webhooks (
    id              TEXT PRIMARY KEY,
    environment_id  TEXT NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    url             TEXT NOT NULL,
    secret          TEXT NOT NULL,
    events          TEXT NOT NULL DEFAULT '[]',
    enabled         INTEGER NOT NULL,
    enabled_at      TEXT,
    disabled_reason TEXT NOT NULL DEFAULT '',
    failures        INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX webhooks_env ON webhooks(environment_id, created_at);

CREATE TABLE webhook_events (
    environment_id TEXT NOT NULL,
    event_name     TEXT NOT NULL,
    webhook_id     TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    PRIMARY KEY (environment_id, event_name, webhook_id)
) WITHOUT ROWID;
CREATE INDEX webhook_events_hook ON webhook_events(webhook_id);

CREATE TABLE webhook_messages (
    id              TEXT PRIMARY KEY,
    environment_id  TEXT NOT NULL,
    webhook_id      TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    event_id        TEXT NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    tries           INTEGER NOT NULL DEFAULT 0,
    redelivery      INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    lease_until     TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX webhook_messages_due ON webhook_messages(next_attempt_at) WHERE next_attempt_at IS NOT NULL;
CREATE INDEX webhook_messages_hook ON webhook_messages(webhook_id);
CREATE INDEX webhook_messages_event ON webhook_messages(event_id);

CREATE TABLE webhook_deliveries (
    id           TEXT PRIMARY KEY,
    message_id   TEXT NOT NULL REFERENCES webhook_messages(id) ON DELETE CASCADE,
    webhook_id   TEXT NOT NULL,
    attempt      INTEGER NOT NULL,
    status       TEXT NOT NULL,
    request      TEXT NOT NULL,
    http_status  INTEGER NOT NULL,
    response     TEXT NOT NULL,
    error        TEXT NOT NULL,
    duration_ms  INTEGER NOT NULL,
    attempted_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX webhook_deliveries_hook ON webhook_deliveries(webhook_id, attempted_at, id);
CREATE INDEX webhook_deliveries_msg ON webhook_deliveries(message_id, attempt);
