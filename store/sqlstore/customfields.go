package sqlstore

import (
	"context"
	"encoding/json"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/dynamicauth/dynamicauth/users"
)

const customFieldColumns = `id, environment_id, key, name, enabled, required, field_type, validation_rules, position,
	created_at, updated_at`

func scanCustomField(sc Row) (users.CustomField, error) {
	var f users.CustomField
	var rules string
	if err := sc.Scan(&f.ID, &f.EnvironmentID, &f.Key, &f.Name, &f.Enabled, &f.Required, &f.Type, &rules, &f.Position,
		&f.CreatedAt, &f.UpdatedAt); err != nil {
		return f, err
	}
	if err := json.Unmarshal([]byte(rules), &f.Rules); err != nil {
		return f, errs.Internal("custom field rules", err)
	}
	return f, nil
}

func (s *Store) listCustomFields(ctx context.Context, q Querier, envID string) ([]users.CustomField, error) {
	return nonNil(list(ctx, s, q, "list custom fields", scanCustomField, `SELECT `+customFieldColumns+` FROM custom_fields
		WHERE environment_id = $1 ORDER BY position, created_at, id`, envID))
}

// ListCustomFields implements users.FieldsStore.
func (s *Store) ListCustomFields(ctx context.Context, envID string) ([]users.CustomField, error) {
	return s.listCustomFields(ctx, s.db.Reader(), envID)
}

// GetCustomField implements users.FieldsStore.
func (s *Store) GetCustomField(ctx context.Context, id string) (*users.CustomField, error) {
	return get(ctx, s, "get custom field", users.ErrCustomFieldNotFound, scanCustomField,
		`SELECT `+customFieldColumns+` FROM custom_fields WHERE id = $1`, id)
}

// ChangeCustomFields implements users.FieldsStore.
func (s *Store) ChangeCustomFields(ctx context.Context, envID string, change func([]users.CustomField) (*users.FieldsChange, error)) error {
	return s.write(ctx, func(tx Tx) error {
		settings, err := s.environmentSettings(ctx, tx, envID)
		if err != nil {
			return err
		}
		cur, err := s.listCustomFields(ctx, tx, envID)
		if err != nil {
			return err
		}
		ch, err := change(cur)
		if err != nil {
			return err
		}
		if err := s.writeCustomFields(ctx, tx, ch); err != nil {
			return err
		}
		if err := s.changeFieldValues(ctx, tx, envID, ch); err != nil {
			return err
		}
		return s.syncSettingsFields(ctx, tx, envID, settings, ch.Fields, ch.At)
	})
}

// writeCustomFields deletes the deleted field and upserts every other.
func (s *Store) writeCustomFields(ctx context.Context, tx Tx, ch *users.FieldsChange) error {
	if ch.DeletedID != "" {
		if err := s.change(ctx, tx, "delete custom field", users.ErrCustomFieldNotFound,
			`DELETE FROM custom_fields WHERE id = $1`, ch.DeletedID); err != nil {
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
			f.ID, f.EnvironmentID, f.Key, f.Name, f.Enabled, f.Required, string(f.Type), string(rules), f.Position,
			(f.CreatedAt), f.UpdatedAt)
		if err != nil {
			if s.unique(err, "") {
				return users.ErrCustomFieldNameTaken
			}
			return s.fail("write custom field", tenant.ErrEnvironmentNotFound, err)
		}
	}
	return nil
}

// changeFieldValues moves users' values of a renamed field to its new
// name and keeps the unique index of the changed field in step.
func (s *Store) changeFieldValues(ctx context.Context, tx Tx, envID string, ch *users.FieldsChange) error {
	f := ch.Changed
	if f == nil {
		return nil
	}
	if ch.RenamedFrom != "" {
		if _, err := tx.Exec(ctx, s.d.RenameMetadataKey, s.d.JSONKey(ch.RenamedFrom), s.d.JSONKey(f.Name), envID); err != nil {
			return s.fail("rename custom field values", nil, err)
		}
	}
	if !f.Rules.Unique {
		_, err := tx.Exec(ctx, `DELETE FROM custom_field_unique_values WHERE field_id = $1`, f.ID)
		return s.fail("drop unique values", nil, err)
	}
	if ch.MadeUnique || ch.RenamedFrom != "" {
		return s.reindexUniqueField(ctx, tx, envID, f)
	}
	return nil
}

// reindexUniqueField rebuilds a unique field's index from the users'
// metadata, refusing values two users share.
func (s *Store) reindexUniqueField(ctx context.Context, tx Tx, envID string, f *users.CustomField) error {
	if _, err := tx.Exec(ctx, `DELETE FROM custom_field_unique_values WHERE field_id = $1`, f.ID); err != nil {
		return s.fail("reindex unique values", nil, err)
	}
	vals, err := list(ctx, s, tx, "reindex unique values", pair[string, string], s.d.MetadataStrings, s.d.JSONKey(f.Name), envID)
	if err != nil {
		return err
	}
	owner := map[string]string{}
	for _, idv := range vals {
		v := users.UniqueForm(idv.b)
		if v == "" {
			continue
		}
		if _, dup := owner[v]; dup {
			return users.ErrCannotSwitchToUnique(f.Name)
		}
		owner[v] = idv.a
	}
	for v, id := range owner {
		if _, err := tx.Exec(ctx, `INSERT INTO custom_field_unique_values (field_id, value, user_id) VALUES ($1, $2, $3)`,
			f.ID, v, id); err != nil {
			return s.fail("reindex unique values", nil, err)
		}
	}
	return nil
}

func (s *Store) environmentSettings(ctx context.Context, tx Tx, envID string) (string, error) {
	var settings string
	// Locked: field changes of one environment take turns.
	err := tx.QueryRow(ctx, `SELECT settings FROM environments WHERE id = $1`+s.d.ForNoKeyUpdate, envID).Scan(&settings)
	return settings, s.fail("get environment", tenant.ErrEnvironmentNotFound, err)
}

// syncSettingsFields rewrites the customFields array of the environment's
// settings from the fields.
func (s *Store) syncSettingsFields(ctx context.Context, tx Tx, envID, settings string, fields []users.CustomField, at time.Time) error {
	b, err := users.SettingsWithFields([]byte(settings), fields)
	if err != nil {
		return errs.Internal("custom fields settings", err)
	}
	_, err = tx.Exec(ctx, `UPDATE environments SET settings = $1, updated_at = $2 WHERE id = $3`, string(b), at, envID)
	return s.fail("update settings", tenant.ErrEnvironmentNotFound, err)
}
