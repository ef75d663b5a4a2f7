// Package webhooks pushes the server's events to operators' endpoints the
// way Dynamic does (behaviour.md §6): a JSON envelope per (event, webhook)
// message, signed with the webhook's secret (HMAC-SHA256 over the exact
// bytes sent, header x-dynamic-signature-256: sha256=<hex>), delivered at
// least once with retries on a schedule plus jitter, every attempt logged,
// and an endpoint that keeps failing disabled.
//
// Delivery is durable because each message is a River job
// (github.com/riverqueue/river) in the store's own database, inserted in
// the event's transaction (outbox): on SQLite on the single writer's
// transaction, inside the sign-in's savepoint of a group commit; on
// PostgreSQL on the pgx transaction, or on the connection of a pipelined
// sign-in. An event nobody subscribed to costs no extra statement: the
// message insert returns no rows and no job is inserted. The River client
// runs on the store's connections (SQLite: the writer's one connection,
// polling, so River's own writes queue behind the group commit; PostgreSQL:
// the pool, woken by LISTEN/NOTIFY, one runner per job across replicas).
// The retry schedule is the webhook's (a job snoozes until its next
// attempt); River's rescuer runs again a job whose process died mid-attempt.
// A redelivery bumps the message's generation and inserts a job of the new
// generation; an older job finds itself stale and does nothing. Duplicates
// are possible, as with any at-least-once delivery; receivers deduplicate
// on messageId.
//
// Every attempt is guarded against server-side request forgery: the
// Client refuses to connect to loopback, link-local, private and other
// non-public addresses after DNS resolution (in the dialer, so a name that
// re-resolves to 127.0.0.1 is caught on every attempt) and never follows
// redirects, unless AllowPrivate is set (tests, private deployments).
package webhooks
