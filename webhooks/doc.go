// Package webhooks pushes the server's events to operators' endpoints the
// way Dynamic does (behaviour.md §6): a JSON envelope per (event, webhook)
// message, signed with the webhook's secret (HMAC-SHA256 over the exact
// bytes sent, header x-dynamic-signature-256: sha256=<hex>), delivered at
// least once with retries on a schedule plus jitter, every attempt logged,
// and an endpoint that keeps failing disabled.
//
// Delivery is durable because messages live in the store (an outbox written
// in the event's transaction): a Worker claims due messages with a lease,
// attempts them and records the outcome; a process that dies mid-attempt
// loses only its lease, and another worker (or the restarted one) claims
// the message again when the lease runs out. Duplicates are possible, as
// with any at-least-once delivery; receivers deduplicate on messageId.
//
// The outbox is not River (github.com/riverqueue/river), on purpose:
// River's SQLite driver wants a single-connection pool and runs its own
// maintenance writes, which would contend with the store's single writer
// and its group commit on every sign-in; and enqueueing in the event's
// transaction would need River to share that writer's transaction, which
// its drivers do not offer over the store's batches. The outbox is a few
// indexed statements written once in store/sqlstore for both backends, and
// it keeps what River would give here: durable jobs, leases instead of
// locks, retries with jitter, several replicas on one PostgreSQL.
//
// Every attempt is guarded against server-side request forgery: the
// Client refuses to connect to loopback, link-local, private and other
// non-public addresses after DNS resolution (in the dialer, so a name that
// re-resolves to 127.0.0.1 is caught on every attempt) and never follows
// redirects, unless AllowPrivate is set (tests, private deployments).
package webhooks
