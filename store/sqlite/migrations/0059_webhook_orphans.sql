-- The webhook messages without a River job (generation -1, those of the
-- outbox before River) through a partial index: every start takes them
-- (EnqueueOrphans), and without one it read every message ever sent. The
-- index holds none but those, so the messages' writes hardly notice it.
CREATE INDEX webhook_messages_orphans ON webhook_messages(generation) WHERE generation < 0;
