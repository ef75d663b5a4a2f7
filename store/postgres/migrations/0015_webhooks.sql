-- Webhooks: endpoints, their subscriptions (one row per event name, so the
-- outbox insert written with every event is an index lookup), the messages
-- (one per event and webhook, the delivery outbox with its lease) and the
-- delivery log (one row per attempt).
CREATE TABLE webhooks (
    id              text PRIMARY KEY,
    environment_id  text NOT NULL REFERENCES environments(id) ON DELETE CASCADE,
    url             text NOT NULL,
    secret          text NOT NULL,
    events          text NOT NULL DEFAULT '[]',
    enabled         boolean NOT NULL,
    enabled_at      timestamptz,
    disabled_reason text NOT NULL DEFAULT '',
    failures        integer NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE INDEX webhooks_env ON webhooks(environment_id, created_at);

CREATE TABLE webhook_events (
    environment_id text NOT NULL,
    event_name     text NOT NULL,
    webhook_id     text NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    PRIMARY KEY (environment_id, event_name, webhook_id)
);
CREATE INDEX webhook_events_hook ON webhook_events(webhook_id);

CREATE TABLE webhook_messages (
    id              text PRIMARY KEY,
    environment_id  text NOT NULL,
    webhook_id      text NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    event_id        text NOT NULL REFERENCES events(id) ON DELETE CASCADE,
    status          text NOT NULL,
    attempts        integer NOT NULL DEFAULT 0,
    tries           integer NOT NULL DEFAULT 0,
    redelivery      boolean NOT NULL DEFAULT false,
    next_attempt_at timestamptz,
    lease_until     timestamptz,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE INDEX webhook_messages_due ON webhook_messages(next_attempt_at) WHERE next_attempt_at IS NOT NULL;
CREATE INDEX webhook_messages_hook ON webhook_messages(webhook_id);
CREATE INDEX webhook_messages_event ON webhook_messages(event_id);

CREATE TABLE webhook_deliveries (
    id           text PRIMARY KEY,
    message_id   text NOT NULL REFERENCES webhook_messages(id) ON DELETE CASCADE,
    webhook_id   text NOT NULL,
    attempt      integer NOT NULL,
    status       text NOT NULL,
    request      text NOT NULL,
    http_status  integer NOT NULL,
    response     text NOT NULL,
    error        text NOT NULL,
    duration_ms  integer NOT NULL,
    attempted_at timestamptz NOT NULL
);
CREATE INDEX webhook_deliveries_hook ON webhook_deliveries(webhook_id, attempted_at, id);
CREATE INDEX webhook_deliveries_msg ON webhook_deliveries(message_id, attempt);
