package postgres

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/users"
)

const customFieldColumns = `id, environment_id, key, name, enabled, required, field_type, validation_rules, position,
	created_at, updated_at`

type rowScanner interface{ Scan(dest ...any) error }

func scanCustomField(sc rowScanner) (users.CustomField, error) {
	var f users.CustomField
	var rules string
	var c, u time.Time
	if err := sc.Scan(&f.ID, &f.EnvironmentID, &f.Key, &f.Name, &f.Enabled, &f.Required, &f.Type, &rules, &f.Position,
		&c, &u); err != nil {
		return f, err
	}
	if err := json.Unmarshal([]byte(rules), &f.Rules); err != nil {
		return f, errs.Internal("custom field rules", err)
	}
	f.CreatedAt, f.UpdatedAt = parseTime(c), parseTime(u)
	return f, nil
}

func listCustomFields(ctx context.Context, q querier, envID string) ([]users.CustomField, error) {
	rows, err := q.Query(ctx, `SELECT `+customFieldColumns+` FROM custom_fields WHERE environment_id = $1
		ORDER BY position, created_at, id`, envID)
	if err != nil {
		return nil, mapErr("list custom fields", "", err)
	}
	defer rows.Close()
	out := []users.CustomField{}
	for rows.Next() {
		f, err := scanCustomField(rows)
		if err != nil {
			return nil, mapErr("list custom fields", "", err)
		}
		out = append(out, f)
	}
	return out, mapErr("list custom fields", "", rows.Err())
}

// ListCustomFields implements users.FieldsStore.
func (s *Store) ListCustomFields(ctx context.Context, envID string) ([]users.CustomField, error) {
	return listCustomFields(ctx, s.db, envID)
}

// GetCustomField implements users.FieldsStore.
func (s *Store) GetCustomField(ctx context.Context, id string) (*users.CustomField, error) {
	f, err := scanCustomField(s.db.QueryRow(ctx, `SELECT `+customFieldColumns+` FROM custom_fields WHERE id = $1`, id))
	if err != nil {
		return nil, mapErr("get custom field", "custom_field_not_found", err)
	}
	return &f, nil
}

// ChangeCustomFields implements users.FieldsStore.
func (s *Store) ChangeCustomFields(ctx context.Context, envID string, change func([]users.CustomField) (*users.FieldsChange, error)) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		settings, err := environmentSettings(ctx, tx, envID)
		if err != nil {
			return err
		}
		cur, err := listCustomFields(ctx, tx, envID)
		if err != nil {
			return err
		}
		ch, err := change(cur)
		if err != nil {
			return err
		}
		if err := writeCustomFields(ctx, tx, ch); err != nil {
			return err
		}
		if err := changeFieldValues(ctx, tx, envID, ch); err != nil {
			return err
		}
		return syncSettingsFields(ctx, tx, envID, settings, ch.Fields, ch.At)
	})
}

// writeCustomFields deletes the deleted field and upserts every other.
func writeCustomFields(ctx context.Context, tx pgx.Tx, ch *users.FieldsChange) error {
	if ch.DeletedID != "" {
		res, err := tx.Exec(ctx, `DELETE FROM custom_fields WHERE id = $1`, ch.DeletedID)
		if err := mustAffect("delete custom field", "custom_field_not_found", res, err); err != nil {
			return err
		}
	}
	for _, f := range ch.Fields {
		rules, err := json.Marshal(f.Rules)
		if err != nil {
			return errs.Internal("custom field rules", err)
		}
		_, err = tx.Exec(ctx, `INSERT INTO custom_fields (`+customFieldColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
			ON CONFLICT (id) DO UPDATE SET key = excluded.key, name = excluded.name, enabled = excluded.enabled,
			required = excluded.required, field_type = excluded.field_type, validation_rules = excluded.validation_rules,
			position = excluded.position, updated_at = excluded.updated_at`,
			f.ID, f.EnvironmentID, f.Key, f.Name, f.Enabled, f.Required, string(f.Type), rules, f.Position,
			ts(f.CreatedAt), ts(f.UpdatedAt))
		if err != nil {
			if errs.Is(mapErr("", "", err), errs.KindConflict) {
				return errs.Unprocessable("duplicate_exists", "name: a custom field with this name exists already", nil)
			}
			return mapErr("write custom field", "environment_not_found", err)
		}
	}
	return nil
}

// changeFieldValues moves users' values of a renamed field to its new
// name and keeps the unique index of the changed field in step.
func changeFieldValues(ctx context.Context, tx pgx.Tx, envID string, ch *users.FieldsChange) error {
	f := ch.Changed
	if f == nil {
		return nil
	}
	if ch.RenamedFrom != "" {
		if _, err := tx.Exec(ctx, `UPDATE users SET metadata = (metadata - $1::text) || jsonb_build_object($2::text, metadata -> $1::text)
			WHERE environment_id = $3 AND jsonb_typeof(metadata) = 'object' AND metadata -> $1::text IS NOT NULL`,
			ch.RenamedFrom, f.Name, envID); err != nil {
			return mapErr("rename custom field values", "", err)
		}
	}
	if !f.Rules.Unique {
		_, err := tx.Exec(ctx, `DELETE FROM custom_field_unique_values WHERE field_id = $1`, f.ID)
		return mapErr("drop unique values", "", err)
	}
	if ch.MadeUnique || ch.RenamedFrom != "" {
		return reindexUniqueField(ctx, tx, envID, f)
	}
	return nil
}

// reindexUniqueField rebuilds a unique field's index from the users'
// metadata, refusing values two users share.
func reindexUniqueField(ctx context.Context, tx pgx.Tx, envID string, f *users.CustomField) error {
	if _, err := tx.Exec(ctx, `DELETE FROM custom_field_unique_values WHERE field_id = $1`, f.ID); err != nil {
		return mapErr("reindex unique values", "", err)
	}
	rows, err := tx.Query(ctx, `SELECT id, metadata ->> $1::text FROM users
		WHERE environment_id = $2 AND jsonb_typeof(metadata -> $1::text) = 'string'`, f.Name, envID)
	if err != nil {
		return mapErr("reindex unique values", "", err)
	}
	owner := map[string]string{}
	for rows.Next() {
		var id, v string
		if err := rows.Scan(&id, &v); err != nil {
			rows.Close()
			return mapErr("reindex unique values", "", err)
		}
		if v = users.UniqueForm(v); v == "" {
			continue
		}
		if _, dup := owner[v]; dup {
			rows.Close()
			return users.ErrCannotSwitchToUnique(f.Name)
		}
		owner[v] = id
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return mapErr("reindex unique values", "", err)
	}
	for v, id := range owner {
		if _, err := tx.Exec(ctx, `INSERT INTO custom_field_unique_values (field_id, value, user_id) VALUES ($1, $2, $3)`,
			f.ID, v, id); err != nil {
			return mapErr("reindex unique values", "", err)
		}
	}
	return nil
}

func environmentSettings(ctx context.Context, tx pgx.Tx, envID string) (string, error) {
	var settings string
	// FOR UPDATE: field changes of one environment take turns.
	err := tx.QueryRow(ctx, `SELECT settings FROM environments WHERE id = $1 FOR UPDATE`, envID).Scan(&settings)
	return settings, mapErr("get environment", "environment_not_found", err)
}

// syncSettingsFields rewrites the customFields array of the environment's
// settings (what GET /sdk/{env}/settings serves) from the fields.
func syncSettingsFields(ctx context.Context, tx pgx.Tx, envID, settings string, fields []users.CustomField, at time.Time) error {
	m := map[string]json.RawMessage{}
	if err := json.Unmarshal([]byte(settings), &m); err != nil || m == nil {
		m = map[string]json.RawMessage{}
	}
	entries, err := json.Marshal(users.SettingsEntries(fields))
	if err != nil {
		return errs.Internal("custom fields settings", err)
	}
	m["customFields"] = entries
	b, err := json.Marshal(m)
	if err != nil {
		return errs.Internal("custom fields settings", err)
	}
	_, err = tx.Exec(ctx, `UPDATE environments SET settings = $1, updated_at = $2 WHERE id = $3`, b, ts(at), envID)
	return mapErr("update settings", "environment_not_found", err)
}
