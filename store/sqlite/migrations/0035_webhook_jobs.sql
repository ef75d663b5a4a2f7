-- Webhook messages are delivered by River jobs (River's own tables come
-- from its migrations, applied after these). A job names its message and
-- the generation it was enqueued for; a redelivery bumps the generation, so
-- an older job of the message does nothing. The home-made outbox's lease
-- and due index go. Messages still pending get generation -1: the store
-- gives each a River job after migrating (EnqueueOrphans).
ALTER TABLE webhook_messages ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
UPDATE webhook_messages SET generation = -1 WHERE status = 'pending';
DROP INDEX webhook_messages_due;
ALTER TABLE webhook_messages DROP COLUMN lease_until;
