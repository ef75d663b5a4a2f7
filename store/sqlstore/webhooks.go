package sqlstore

import (
	"context"
	"encoding/json"
	"time"

	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/dynamicauth/dynamicauth/webhooks"
	"github.com/riverqueue/river"
)

// webhooks.Store: endpoints and their subscriptions, the messages (written
// by insertEvent in every event's transaction, each with its River job in
// that transaction) and the delivery log.

var _ webhooks.Store = (*Store)(nil)

// fanOut enqueues event eventID to every enabled webhook of the
// environment subscribed to name, in the event's transaction. A message's
// id is its event's and webhook's, so the pair is delivered as one message.
func (s *Store) fanOut(ctx context.Context, tx Tx, envID, name, eventID string, at time.Time) error {
	return s.enqueueMessages(ctx, tx, `INSERT INTO webhook_messages (id, environment_id, webhook_id, event_id, status, next_attempt_at, created_at, updated_at)
		SELECT CAST($1 AS text) || '-' || we.webhook_id, we.environment_id, we.webhook_id, $1, $4, $5, $5, $5
		FROM webhook_events we JOIN webhooks w ON w.id = we.webhook_id
		WHERE we.environment_id = $2 AND we.event_name = $3 AND w.enabled
		RETURNING id`, eventID, envID, name, webhooks.StatusPending, at)
}

// enqueueMessages runs insert, an INSERT … RETURNING id of webhook
// messages, queued with the transaction's other writes, and inserts a
// River job for each message it returns. An event nobody subscribed to
// costs no round trip of its own: the insert travels in the
// transaction's batch and returns no rows.
func (s *Store) enqueueMessages(ctx context.Context, tx Tx, insert string, args ...any) error {
	var jobs []river.InsertManyParams
	err := tx.DeferQuery(ctx, func(r Rows) error {
		for r.Next() {
			var id string
			if err := r.Scan(&id); err != nil {
				return err
			}
			jobs = append(jobs, river.InsertManyParams{Args: webhooks.DeliveryArgs{MessageID: id}})
		}
		return r.Err()
	}, insert, args...)
	if err != nil {
		return err
	}
	return tx.AfterFlush(ctx, func(ctx context.Context) error {
		if len(jobs) == 0 {
			return nil
		}
		return tx.InsertJobs(ctx, jobs)
	})
}

// sqlOrphans takes the messages EnqueueOrphans gives a job. Every start
// runs it, on a table of every message ever sent, so it reads a partial
// index of the few (or none) it wants.
const sqlOrphans = `UPDATE webhook_messages SET generation = 0 WHERE generation < 0 RETURNING id`

// EnqueueOrphans gives a River job to the pending messages that have
// none: those of the outbox before River (a migration marks them with
// generation -1). Both backends run it after their migrations.
func (s *Store) EnqueueOrphans(ctx context.Context) error {
	err := s.db.Write(ctx, func(tx Tx) error {
		return s.enqueueMessages(ctx, tx, sqlOrphans)
	})
	return s.fail("enqueue webhook messages", nil, err)
}

const webhookCols = `id, environment_id, url, secret, events, enabled, enabled_at, disabled_reason, failures, epoch, created_at,
	updated_at`

func scanWebhook(r Row) (w webhooks.Webhook, err error) {
	var evs string
	if err = r.Scan(&w.ID, &w.EnvironmentID, &w.URL, &w.Secret, &evs, &w.Enabled, TimePtrDest(&w.EnabledAt),
		&w.DisabledReason, &w.Failures, &w.Epoch, TimeDest(&w.CreatedAt), TimeDest(&w.UpdatedAt)); err == nil {
		err = json.Unmarshal([]byte(evs), &w.Events)
	}
	return w, err
}

func (s *Store) subscribe(ctx context.Context, tx Tx, w *webhooks.Webhook) error {
	for _, name := range w.Events {
		if err := tx.Defer(ctx, `INSERT INTO webhook_events (environment_id, event_name, webhook_id) VALUES ($1, $2, $3)`,
			w.EnvironmentID, name, w.ID); err != nil {
			return err
		}
	}
	return nil
}

func eventNames(names []string) string {
	b, _ := json.Marshal(names)
	return string(b)
}

// CreateWebhook implements webhooks.Store, its cap counted under the
// environment's lock (underLimit).
func (s *Store) CreateWebhook(ctx context.Context, w webhooks.Webhook, ping webhooks.Event, max int) error {
	err := s.db.Write(ctx, func(tx Tx) error {
		if err := s.underLimit(ctx, tx, w.EnvironmentID, "webhooks", max, webhooks.ErrTooMany); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO webhooks (`+webhookCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			w.ID, w.EnvironmentID, w.URL, w.Secret, eventNames(w.Events), w.Enabled, w.EnabledAt, w.DisabledReason, w.Failures,
			w.Epoch, w.CreatedAt, w.UpdatedAt); err != nil {
			return err
		}
		if err := s.subscribe(ctx, tx, &w); err != nil {
			return err
		}
		if err := tx.Defer(ctx, `INSERT INTO events (id, environment_id, name, resource_type, user_id, data, created_at)
			VALUES ($1, $2, $3, $4, '', $5, $6)`, ping.ID, ping.EnvironmentID, ping.Name, events.ResourceType(ping.Name),
			jsonOr(ping.Data, "{}"), ping.CreatedAt); err != nil {
			return err
		}
		return s.enqueueMessages(ctx, tx, `INSERT INTO webhook_messages (id, environment_id, webhook_id, event_id, status, next_attempt_at, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $6, $6) RETURNING id`, ping.ID+"-"+w.ID, w.EnvironmentID, w.ID, ping.ID, webhooks.StatusPending, ping.CreatedAt)
	})
	return s.fail("create webhook", tenant.ErrEnvironmentNotFound, err)
}

// ListWebhooks implements webhooks.Store.
func (s *Store) ListWebhooks(ctx context.Context, envID string) ([]webhooks.Webhook, error) {
	return list(ctx, s, s.db.Reader(), "list webhooks", scanWebhook,
		`SELECT `+webhookCols+` FROM webhooks WHERE environment_id = $1 ORDER BY created_at, id`, envID)
}

// GetWebhook implements webhooks.Store.
func (s *Store) GetWebhook(ctx context.Context, envID, id string) (*webhooks.Webhook, error) {
	return get(ctx, s, "get webhook", webhooks.ErrNotFound, scanWebhook,
		`SELECT `+webhookCols+` FROM webhooks WHERE environment_id = $1 AND id = $2`, envID, id)
}

// UpdateWebhook implements webhooks.Store.
func (s *Store) UpdateWebhook(ctx context.Context, in webhooks.Webhook) (*webhooks.Webhook, error) {
	var w *webhooks.Webhook
	err := s.db.Write(ctx, func(tx Tx) error {
		cur, err := scanWebhook(tx.QueryRow(ctx, `SELECT `+webhookCols+` FROM webhooks WHERE environment_id = $1 AND id = $2`+s.d.ForUpdate,
			in.EnvironmentID, in.ID))
		if err != nil {
			return s.fail("get webhook", webhooks.ErrNotFound, err)
		}
		w = &cur
		if in.Enabled && !w.Enabled {
			// A fresh start: attempts loaded before fail against the old epoch.
			at := in.UpdatedAt
			w.EnabledAt, w.Failures, w.DisabledReason, w.Epoch = &at, 0, "", w.Epoch+1
		}
		if in.URL != w.URL {
			// Another endpoint: the old one's failures, and those of attempts
			// to it still in flight (their epoch), must not disable it.
			w.Failures, w.Epoch = 0, w.Epoch+1
		}
		if !in.Enabled {
			w.EnabledAt = nil
		}
		w.URL, w.Events, w.Enabled, w.UpdatedAt = in.URL, in.Events, in.Enabled, in.UpdatedAt
		if _, err := tx.Exec(ctx, `UPDATE webhooks SET url = $3, events = $4, enabled = $5, enabled_at = $6, disabled_reason = $7,
				failures = $8, epoch = $9, updated_at = $10 WHERE environment_id = $1 AND id = $2`,
			w.EnvironmentID, w.ID, w.URL, eventNames(w.Events), w.Enabled, w.EnabledAt, w.DisabledReason, w.Failures, w.Epoch,
			w.UpdatedAt); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM webhook_events WHERE webhook_id = $1`, w.ID); err != nil {
			return err
		}
		return s.subscribe(ctx, tx, w)
	})
	if err != nil {
		return nil, s.fail("update webhook", webhooks.ErrNotFound, err)
	}
	return w, nil
}

// DeleteWebhook implements webhooks.Store; its messages and log go with it.
func (s *Store) DeleteWebhook(ctx context.Context, envID, id string) error {
	n, err := s.db.Exec(ctx, `DELETE FROM webhooks WHERE environment_id = $1 AND id = $2`, envID, id)
	return s.affected("delete webhook", webhooks.ErrNotFound, n, err)
}

const deliveryCols = `d.id, d.message_id, d.webhook_id, d.attempt, d.status, d.request, d.http_status, d.response, d.error,
	d.duration_ms, d.attempted_at, m.event_id, m.environment_id, m.created_at, e.created_at`

func scanDelivery(r Row) (m webhooks.Message, err error) {
	var req string
	err = r.Scan(&m.ID, &m.MessageID, &m.WebhookID, &m.Attempt, &m.Status, &req, &m.HTTPStatus, &m.Response, &m.Error,
		&m.DurationMS, TimeDest(&m.AttemptedAt), &m.EventID, &m.EnvironmentID, TimeDest(&m.MessageCreatedAt),
		TimeDest(&m.EventCreatedAt))
	m.Request = []byte(req)
	return m, err
}

// The deliveries of a webhook ($1) of environment $2, newest first,
// after the position ($3, $4) of the previous page's last one (from the
// newest when $4 is empty; the position, not its row, which the event
// retention may have deleted), $5 of them; and those of its message $3,
// in attempt order.
const (
	deliveriesFrom = ` FROM webhook_deliveries d JOIN webhook_messages m ON m.id = d.message_id JOIN events e ON e.id = m.event_id
		WHERE d.webhook_id = $1 AND m.environment_id = $2`
	sqlDeliveries = `SELECT ` + deliveryCols + deliveriesFrom + ` AND (CAST($4 AS text) = ''
			OR (d.attempted_at, d.id) < ($3, $4))
		ORDER BY d.attempted_at DESC, d.id DESC LIMIT $5`
	sqlMessageDeliveries = `SELECT ` + deliveryCols + deliveriesFrom + ` AND d.message_id = $3 ORDER BY d.attempt LIMIT $4`
)

// ListDeliveries implements webhooks.Store.
func (s *Store) ListDeliveries(ctx context.Context, envID, webhookID, messageID string, page webhooks.Page) ([]webhooks.Message, error) {
	if messageID == "" {
		return list(ctx, s, s.db.Reader(), "list webhook deliveries", scanDelivery, sqlDeliveries,
			webhookID, envID, page.AfterAt, page.AfterID, page.Limit)
	}
	var out []webhooks.Message
	err := s.db.Snapshot(ctx, func(q Querier) error {
		var id string
		if err := q.QueryRow(ctx, `SELECT id FROM webhook_messages WHERE id = $1 AND webhook_id = $2 AND environment_id = $3`,
			messageID, webhookID, envID).Scan(&id); err != nil {
			return s.fail("get webhook message", webhooks.ErrMessageNotFound, err)
		}
		var err error
		out, err = list(ctx, s, q, "list message deliveries", scanDelivery, sqlMessageDeliveries,
			webhookID, envID, messageID, page.Limit)
		return err
	})
	return out, s.fail("list message deliveries", webhooks.ErrMessageNotFound, err)
}

// Redeliver implements webhooks.Store: the message is pending again under
// a new generation, with a River job of that generation, in one
// transaction; a job of the older generation still waiting does nothing.
// An attempt running meanwhile finishes, but records nothing.
func (s *Store) Redeliver(ctx context.Context, envID, webhookID, messageID string, now time.Time) error {
	err := s.db.Write(ctx, func(tx Tx) error {
		var gen int
		if err := tx.QueryRow(ctx, `UPDATE webhook_messages SET status = $4, next_attempt_at = $5, tries = 0, redelivery = $6,
				generation = generation + 1, updated_at = $5
			WHERE id = $1 AND webhook_id = $2 AND environment_id = $3 RETURNING generation`,
			messageID, webhookID, envID, webhooks.StatusPending, now, true).Scan(&gen); err != nil {
			return err
		}
		return tx.InsertJobs(ctx, []river.InsertManyParams{{Args: webhooks.DeliveryArgs{MessageID: messageID, Generation: gen}}})
	})
	return s.fail("redeliver webhook message", webhooks.ErrMessageNotFound, err)
}

// Load implements webhooks.Queue.
func (s *Store) Load(ctx context.Context, messageID string) (*webhooks.Job, error) {
	var j webhooks.Job
	var data string
	err := s.db.Reader().QueryRow(ctx, `SELECT m.id, m.status, m.generation, m.attempts, m.tries, m.redelivery, e.id, e.name,
			e.environment_id, env.name, e.user_id, CAST(e.data AS text), e.created_at, w.id, w.environment_id, w.url, w.secret,
			w.enabled, w.failures, w.epoch
		FROM webhook_messages m JOIN events e ON e.id = m.event_id JOIN webhooks w ON w.id = m.webhook_id
			JOIN environments env ON env.id = m.environment_id
		WHERE m.id = $1`, messageID).Scan(&j.MessageID, &j.Status, &j.Generation, &j.Attempts, &j.Tries, &j.Redelivery,
		&j.Event.ID, &j.Event.Name, &j.Event.EnvironmentID, &j.Event.EnvironmentName, &j.Event.UserID, &data,
		TimeDest(&j.Event.CreatedAt), &j.Webhook.ID, &j.Webhook.EnvironmentID, &j.Webhook.URL, &j.Webhook.Secret,
		&j.Webhook.Enabled, &j.Webhook.Failures, &j.Webhook.Epoch)
	if s.db.Classify(err).Kind == FaultNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, s.fail("load webhook message", nil, err)
	}
	j.Event.Data = json.RawMessage(data)
	return &j, nil
}

// sqlCountFailure counts a failed attempt against webhook $1 while it is
// enabled and of epoch $2, and disables it ($4, the reason $5, at $6) when
// the count reaches $3 (0: never): one statement, so the count it decides
// on is the row as committed (PostgreSQL's READ COMMITTED re-reads a row
// another transaction updated meanwhile; SQLite has one writer), and
// concurrent failures cross the threshold once. It returns the webhook's
// enabled flag, false when this failure disabled it, and no row when the
// failure does not count (disabled, or enabled again since the attempt
// was loaded).
const sqlCountFailure = `UPDATE webhooks SET failures = failures + 1,
		enabled = CASE WHEN $3 > 0 AND failures + 1 >= $3 THEN $4 ELSE enabled END,
		enabled_at = CASE WHEN $3 > 0 AND failures + 1 >= $3 THEN NULL ELSE enabled_at END,
		disabled_reason = CASE WHEN $3 > 0 AND failures + 1 >= $3 THEN $5 ELSE disabled_reason END,
		updated_at = CASE WHEN $3 > 0 AND failures + 1 >= $3 THEN $6 ELSE updated_at END
	WHERE id = $1 AND epoch = $2 AND enabled
	RETURNING enabled`

// Record implements webhooks.Queue, in one transaction, and only while
// the message is of the job's generation.
func (s *Store) Record(ctx context.Context, o webhooks.Outcome) (bool, error) {
	disabled := false
	err := s.db.Write(ctx, func(tx Tx) error {
		disabled = false
		var next *time.Time
		if o.Status == webhooks.StatusPending {
			next = &o.NextAt
		}
		tried := 0
		if o.Delivery != nil {
			tried = 1
		}
		n, err := tx.Exec(ctx, `UPDATE webhook_messages SET status = $2, next_attempt_at = $3,
				attempts = attempts + $4, tries = tries + $4, updated_at = $5 WHERE id = $1 AND generation = $6`,
			o.Job.MessageID, o.Status, next, tried, o.At, o.Job.Generation)
		if err != nil || n == 0 {
			return err // n == 0: redelivered meanwhile, or deleted
		}
		if d := o.Delivery; d != nil {
			if err := tx.Defer(ctx, `INSERT INTO webhook_deliveries (id, message_id, webhook_id, attempt, status, request, http_status,
					response, error, duration_ms, attempted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
				d.ID, d.MessageID, d.WebhookID, d.Attempt, d.Status, string(d.Request), d.HTTPStatus, d.Response, d.Error,
				d.DurationMS, d.AttemptedAt); err != nil {
				return err
			}
		}
		switch {
		case o.Failed:
			return tx.DeferQuery(ctx, func(r Rows) error {
				for r.Next() {
					var enabled bool
					if err := r.Scan(&enabled); err != nil {
						return err
					}
					disabled = !enabled
				}
				return r.Err()
			}, sqlCountFailure, o.Job.Webhook.ID, o.Job.Webhook.Epoch, o.DisableAfter, false, o.DisableReason, o.At)
		case o.Delivery != nil:
			return tx.Defer(ctx, `UPDATE webhooks SET failures = 0 WHERE id = $1 AND failures <> 0`, o.Job.Webhook.ID)
		}
		return nil
	})
	return disabled, s.fail("record webhook delivery", nil, err)
}
