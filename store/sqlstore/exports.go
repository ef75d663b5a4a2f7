package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/exports"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/dynamicauth/dynamicauth/users"
)

// exports.Store: export jobs, their files in chunks, and the keyset reads
// the Runner streams from.

var _ exports.Store = (*Store)(nil)

const exportCols = `id, environment_id, format, model, filter, status, error, rows_written, bytes_written,
	created_at, started_at, completed_at`

func scanExport(r Row) (e exports.Export, err error) {
	var filter string
	if err := r.Scan(&e.ID, &e.EnvironmentID, &e.Format, &e.Model, &filter, &e.Status, &e.Error, &e.Rows, &e.Bytes,
		&e.CreatedAt, &e.StartedAt, &e.CompletedAt); err != nil {
		return e, err
	}
	if err := json.Unmarshal([]byte(filter), &e.Filter); err != nil {
		return e, fmt.Errorf("export %s filter: %w", e.ID, err)
	}
	return e, nil
}

// CreateExport implements exports.Store.
func (s *Store) CreateExport(ctx context.Context, e *exports.Export, max int) error {
	filter, err := json.Marshal(e.Filter)
	if err != nil {
		return s.fail("create export", nil, err)
	}
	err = s.db.Write(ctx, func(tx Tx) error {
		if err := s.underCap(ctx, tx, capped{owner: "environments", ownerID: e.EnvironmentID,
			missing: tenant.ErrEnvironmentNotFound, max: max, full: exports.ErrTooManyPending,
			count: `SELECT count(*) FROM exports WHERE environment_id = $1 AND status = 'pending'`}); err != nil {
			return err
		}
		if err := tx.Defer(ctx, `INSERT INTO exports (id, environment_id, format, model, filter, status, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, e.ID, e.EnvironmentID, e.Format, e.Model, string(filter), e.Status,
			e.CreatedAt); err != nil {
			return err
		}
		return s.insertEvent(ctx, tx, e.EnvironmentID, exports.EventCreated, "", exports.EventData(e), e.CreatedAt)
	})
	return s.fail("create export", nil, err)
}

// ListExports implements exports.Store.
func (s *Store) ListExports(ctx context.Context, envID, model string, limit int) ([]exports.Export, error) {
	w := &where{}
	w.add(`environment_id = $1`, envID)
	if model != "" {
		w.add(`model = $1`, model)
	}
	return nonNil(list(ctx, s, s.db.Reader(), "list exports", scanExport, fmt.Sprintf(`SELECT `+exportCols+`
		FROM exports WHERE %s ORDER BY created_at DESC, id DESC LIMIT $%d`, w.sql(), len(w.args)+1), append(w.args, limit)...))
}

// GetExport implements exports.Store.
func (s *Store) GetExport(ctx context.Context, envID, id string) (*exports.Export, error) {
	return get(ctx, s, "get export", exports.ErrNotFound, scanExport,
		`SELECT `+exportCols+` FROM exports WHERE id = $1 AND environment_id = $2`, id, envID)
}

// ClaimExport implements exports.Store. A poll with nothing due reads
// from the pool, not SQLite's one writer.
func (s *Store) ClaimExport(ctx context.Context, now, until time.Time) (*exports.Export, error) {
	const due = `SELECT id FROM exports WHERE status = 'pending' AND (lease_until IS NULL OR lease_until <= $1)
		ORDER BY created_at LIMIT 1`
	var id string
	err := s.db.Reader().QueryRow(ctx, due, now).Scan(&id)
	if s.noRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, s.fail("due exports", nil, err)
	}
	var e *exports.Export
	err = s.db.Write(ctx, func(tx Tx) error {
		e = nil
		err := tx.QueryRow(ctx, due+s.d.ForUpdate, now).Scan(&id)
		if s.noRows(err) {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE exports SET lease_until = $1, started_at = COALESCE(started_at, $2) WHERE id = $3`,
			until, now, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM export_chunks WHERE export_id = $1`, id); err != nil {
			return err
		}
		claimed, err := scanExport(tx.QueryRow(ctx, `SELECT `+exportCols+` FROM exports WHERE id = $1`, id))
		e = &claimed
		return err
	})
	return e, s.fail("claim export", nil, err)
}

// WriteChunk implements exports.Store.
func (s *Store) WriteChunk(ctx context.Context, id string, seq int, data []byte, lease, next time.Time) error {
	err := s.db.Write(ctx, func(tx Tx) error {
		n, err := tx.Exec(ctx, `UPDATE exports SET lease_until = $1 WHERE id = $2 AND status = 'pending' AND lease_until = $3`,
			next, id, lease)
		if err != nil {
			return err
		}
		if n != 1 {
			return exports.ErrLeaseLost
		}
		_, err = tx.Exec(ctx, `INSERT INTO export_chunks (export_id, seq, data) VALUES ($1, $2, $3)`, id, seq, data)
		return err
	})
	return s.fail("write export chunk", nil, err)
}

// FinishExport implements exports.Store.
func (s *Store) FinishExport(ctx context.Context, e *exports.Export, lease time.Time) error {
	name := exports.EventCompleted
	if e.Status == exports.StatusFailed {
		name = exports.EventFailed
	}
	err := s.db.Write(ctx, func(tx Tx) error {
		n, err := tx.Exec(ctx, `UPDATE exports SET status = $1, error = $2, rows_written = $3, bytes_written = $4,
			completed_at = $5, lease_until = NULL WHERE id = $6 AND status = 'pending' AND lease_until = $7`,
			e.Status, e.Error, e.Rows, e.Bytes, e.CompletedAt, e.ID, lease)
		if err != nil {
			return err
		}
		if n != 1 {
			return exports.ErrLeaseLost
		}
		if e.Status == exports.StatusFailed {
			if _, err := tx.Exec(ctx, `DELETE FROM export_chunks WHERE export_id = $1`, e.ID); err != nil {
				return err
			}
		}
		return s.insertEvent(ctx, tx, e.EnvironmentID, name, "", exports.EventData(e), *e.CompletedAt)
	})
	return s.fail("finish export", nil, err)
}

// DeleteFinishedExports implements exports.Store; the chunks go with
// their export (ON DELETE CASCADE). The exports table holds a few jobs
// per environment and day, its file chunks are the weight.
func (s *Store) DeleteFinishedExports(ctx context.Context, before time.Time) (int, error) {
	var n int64
	err := s.db.Write(ctx, func(tx Tx) error {
		var err error
		n, err = tx.Exec(ctx, `DELETE FROM exports WHERE status <> 'pending' AND completed_at < $1`, before)
		return err
	})
	return int(n), s.fail("delete finished exports", nil, err)
}

// ReadChunk implements exports.Store.
func (s *Store) ReadChunk(ctx context.Context, id string, seq int) ([]byte, error) {
	var b []byte
	err := s.db.Reader().QueryRow(ctx, `SELECT data FROM export_chunks WHERE export_id = $1 AND seq = $2`, id, seq).Scan(&b)
	if s.noRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, s.fail("read export chunk", nil, err)
	}
	if b == nil {
		b = []byte{}
	}
	return b, nil
}

// ExportUsers implements exports.Source: a page of users after the id
// after, with their credentials, in two statements (users_env_id and
// verified_credentials_user).
func (s *Store) ExportUsers(ctx context.Context, envID string, f users.Filter, after string, limit int) ([]users.User, error) {
	w := s.userFilter(envID, f)
	w.add(`users.id > $1`, after)
	out, err := list(ctx, s, s.db.Reader(), "export users", func(r Row) (u users.User, err error) {
		var meta string
		err = r.Scan(&u.ID, &u.EnvironmentID, &u.Email, &u.Alias, &u.FirstName, &u.LastName, &u.PhoneNumber, &u.JobTitle,
			&u.Username, &u.Country, &u.TShirtSize, &u.Team, &meta, &u.LastVerifiedCredentialID, &u.CreatedAt, &u.UpdatedAt,
			&u.LastVisitAt, &u.MfaBackupCodeAcknowledgement)
		u.Metadata = json.RawMessage(meta)
		return u, err
	}, fmt.Sprintf(`SELECT `+userColumns+` FROM users WHERE %s ORDER BY users.id LIMIT $%d`, w.sql(), len(w.args)+1),
		append(w.args, limit)...)
	if err != nil || len(out) == 0 {
		return out, err
	}
	ids := make([]string, len(out))
	at := make(map[string]int, len(out))
	for i := range out {
		ids[i], at[out[i].ID] = out[i].ID, i
	}
	creds, err := list(ctx, s, s.db.Reader(), "export credentials", scanCredential, `SELECT `+credentialColumns+`
		FROM verified_credentials WHERE `+s.in("user_id", 1)+` ORDER BY user_id, created_at, id`, s.d.IDList(ids))
	if err != nil {
		return nil, err
	}
	for _, c := range creds {
		u := &out[at[c.UserID]]
		u.Credentials = append(u.Credentials, c)
	}
	return out, nil
}

// ExportVisits implements exports.Source (visits_env_id).
func (s *Store) ExportVisits(ctx context.Context, envID string, f users.Filter, after string, limit int) ([]users.Visitor, error) {
	w := s.visitorFilter(envID, f)
	w.add(`visits.id > $1`, after)
	return list(ctx, s, s.db.Reader(), "export visits", scanVisitor, fmt.Sprintf(`SELECT `+visitorColumns+`
		FROM visits WHERE %s ORDER BY visits.id LIMIT $%d`, w.sql(), len(w.args)+1), append(w.args, limit)...)
}

// ExportWallets implements exports.Source (verified_credentials_env_format_id).
func (s *Store) ExportWallets(ctx context.Context, envID, after string, limit int) ([]users.Credential, error) {
	return list(ctx, s, s.db.Reader(), "export wallets", scanCredential, `SELECT `+credentialColumns+`
		FROM verified_credentials WHERE environment_id = $1 AND format = $2 AND id > $3 ORDER BY id LIMIT $4`,
		envID, users.FormatBlockchain, after, limit)
}

// ExportEvents implements exports.Source: oldest first, on events_env,
// from the position of after itself, not from its row, which the
// retention may have deleted since.
func (s *Store) ExportEvents(ctx context.Context, envID string, after *events.Event, limit int) ([]events.Event, error) {
	w := &where{}
	w.add(`e.environment_id = $1`, envID)
	if after != nil {
		w.add(`(e.created_at, e.id) > ($1, $2)`, after.CreatedAt, after.ID)
	}
	return list(ctx, s, s.db.Reader(), "export events", scanEvent, fmt.Sprintf(`SELECT %s FROM events e
		JOIN environments env ON env.id = e.environment_id WHERE %s ORDER BY e.created_at, e.id LIMIT $%d`,
		eventCols, w.sql(), len(w.args)+1), append(w.args, limit)...)
}
