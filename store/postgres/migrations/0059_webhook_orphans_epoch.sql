-- The webhook messages without a River job (generation -1, those of the
-- outbox before River) through a partial index: every start takes them
-- (EnqueueOrphans), and without one it read every message ever sent. The
-- index holds none but those, so the messages' writes hardly notice it.
CREATE INDEX webhook_messages_orphans ON webhook_messages(generation) WHERE generation < 0;

-- A webhook's epoch grows each time it is enabled again: a failed attempt
-- counts against the webhook (and may disable it) only while the webhook
-- is enabled and of the epoch the attempt loaded, so the late failure of
-- an attempt in flight while an operator re-enabled it does not disable
-- it again at once (sqlstore.Record).
ALTER TABLE webhooks ADD COLUMN epoch INTEGER NOT NULL DEFAULT 0;
