package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/dynamicauth/dynamicauth/cursor"
	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// events.Store: the admin Events API's reads over the outbox, and the
// SDK's analytics events.

var _ events.Store = (*Store)(nil)

const eventCols = `e.id, e.environment_id, env.name, e.name, e.user_id, CAST(e.data AS text), e.created_at`

func scanEvent(r Row) (e events.Event, err error) {
	var data string
	err = r.Scan(&e.ID, &e.EnvironmentID, &e.EnvironmentName, &e.Name, &e.UserID, &data, TimeDest(&e.CreatedAt))
	e.Data = []byte(data)
	return e, err
}

// ListEvents implements events.Store. The page starts below the previous
// page's last position (created_at, id), not from that event's row, which
// the retention may have deleted meanwhile; the environment's index on
// (environment_id[, resource_type], created_at, id) serves the range and
// the order.
func (s *Store) ListEvents(ctx context.Context, envID string, q events.Query, after cursor.Position) ([]events.Event, error) {
	sql, args := listEventsSQL(envID, q, after)
	return list(ctx, s, s.db.Reader(), "list events", scanEvent, sql, args...)
}

// listEventsSQL is ListEvents' statement and arguments.
func listEventsSQL(envID string, q events.Query, after cursor.Position) (string, []any) {
	w := &where{}
	w.add(`e.environment_id = $1`, envID)
	if q.ResourceType != "" {
		w.add(`e.resource_type = $1`, q.ResourceType)
	}
	if q.Start != nil {
		w.add(`e.created_at >= $1`, *q.Start)
	}
	if q.End != nil {
		w.add(`e.created_at < $1`, *q.End)
	}
	if after.ID != "" {
		w.add(`(e.created_at, e.id) < ($1, $2)`, after.At, after.ID)
	}
	sql := fmt.Sprintf(`SELECT %s FROM events e JOIN environments env ON env.id = e.environment_id WHERE %s
		ORDER BY e.created_at DESC, e.id DESC LIMIT $%d`, eventCols, w.sql(), len(w.args)+1)
	return sql, append(w.args, q.Limit)
}

// GetEvent implements events.Store.
func (s *Store) GetEvent(ctx context.Context, envID, id string) (*events.Event, error) {
	return get(ctx, s, "get event", events.ErrNotFound, scanEvent, `SELECT `+eventCols+`
		FROM events e JOIN environments env ON env.id = e.environment_id WHERE e.id = $1 AND e.environment_id = $2`, id, envID)
}

// oldEventsSQL selects up to $2 events created before $1 of the
// environments listed in $3, each environment's through events_env (a
// range of environment_id and created_at, not a walk of the index),
// without those a webhook message still waits to deliver
// (webhook_messages_event answers that).
func (s *Store) oldEventsSQL() string {
	return `SELECT e.id FROM events e WHERE ` + s.in("e.environment_id", 3) + ` AND e.created_at < $1
		AND NOT EXISTS (SELECT 1 FROM webhook_messages m WHERE m.event_id = e.id AND m.next_attempt_at IS NOT NULL)
		LIMIT $2`
}

// oldTracksSQL selects up to $2 SDK analytics events created before $1
// of the environments listed in $3, through sdk_events_env.
func (s *Store) oldTracksSQL() string {
	return `SELECT id FROM sdk_events WHERE ` + s.in("environment_id", 3) + ` AND created_at < $1 LIMIT $2`
}

// DeleteEventsBefore implements events.Store; the messages and their
// deliveries go by the foreign keys' cascade.
func (s *Store) DeleteEventsBefore(ctx context.Context, before time.Time, limit int) (int64, error) {
	return s.deleteOld(ctx, "events", s.oldEventsSQL(), before, limit)
}

// DeleteTracksBefore implements events.Store.
func (s *Store) DeleteTracksBefore(ctx context.Context, before time.Time, limit int) (int64, error) {
	return s.deleteOld(ctx, "sdk_events", s.oldTracksSQL(), before, limit)
}

// deleteOld deletes the rows of table whose ids selectIDs selects, given
// before, limit, the list of every environment and more.
func (s *Store) deleteOld(ctx context.Context, table, selectIDs string, before time.Time, limit int, more ...any) (int64, error) {
	var n int64
	err := s.db.Write(ctx, func(tx Tx) error {
		envs, err := s.queryIDs(ctx, tx, `SELECT id FROM environments`)
		if err != nil {
			return err
		}
		n, err = tx.Exec(ctx, `DELETE FROM `+table+` WHERE id IN (`+selectIDs+`)`, append([]any{before, limit, s.d.IDList(envs)}, more...)...)
		return err
	})
	return n, s.fail("delete old "+table, nil, err)
}

// InsertTracks implements events.Store.
func (s *Store) InsertTracks(ctx context.Context, envID string, ts []events.Track) error {
	err := s.db.Write(ctx, func(tx Tx) error {
		for _, t := range ts {
			if err := tx.Defer(ctx, `INSERT INTO sdk_events (id, environment_id, anonymous_id, event, type, properties, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7)`, t.ID, envID, t.AnonymousID, t.Event, t.Type, string(t.Properties), t.CreatedAt); err != nil {
				return err
			}
		}
		return nil
	})
	return s.fail("record sdk events", tenant.ErrEnvironmentNotFound, err)
}
