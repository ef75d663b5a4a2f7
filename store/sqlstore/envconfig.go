package sqlstore

import (
	"context"
	"encoding/json"
	"time"

	"github.com/dynamicauth/dynamicauth/envconfig"
	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/tenant"
)

var _ envconfig.Store = (*Store)(nil)

// PutSdkView implements envconfig.Store.
func (s *Store) PutSdkView(ctx context.Context, envID string, v *envconfig.View, now time.Time) error {
	sections, err := json.Marshal(v.Sections)
	if err != nil {
		return errs.Internal("encode sdk view", err)
	}
	err = s.db.Write(ctx, func(tx Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO sdk_views (environment_id, type, sections, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (environment_id, type) DO UPDATE SET sections = excluded.sections, updated_at = excluded.updated_at`,
			envID, v.Type, string(sections), now); err != nil {
			return err
		}
		return s.insertEvent(ctx, tx, envID, events.SdkViewUpdated, "", map[string]any{"type": v.Type, "sections": v.Sections}, now)
	})
	return s.fail("put sdk view", tenant.ErrEnvironmentNotFound, err)
}

// SdkViews implements envconfig.Store.
func (s *Store) SdkViews(ctx context.Context, envID string) ([]envconfig.View, error) {
	return list(ctx, s, s.db.Reader(), "list sdk views", func(row Row) (envconfig.View, error) {
		var v envconfig.View
		var sections string
		if err := row.Scan(&v.Type, &sections); err != nil {
			return v, err
		}
		if err := json.Unmarshal([]byte(sections), &v.Sections); err != nil {
			return v, err
		}
		return v, nil
	}, `SELECT type, sections FROM sdk_views WHERE environment_id = $1 ORDER BY type`+s.d.Binary, envID)
}

const hostnameColumns = `id, environment_id, hostname, usage, status, created_at, updated_at`

func hostnameFields(h *envconfig.Hostname) []any {
	return []any{&h.ID, &h.EnvironmentID, &h.Hostname, &h.Usage, &h.Status, &h.CreatedAt, &h.UpdatedAt}
}

var scanHostname = scanner(hostnameFields)

func hostnameEvent(h *envconfig.Hostname) map[string]string {
	return map[string]string{"customHostnameId": h.ID, "hostname": h.Hostname, "usage": h.Usage, "status": h.Status}
}

// CreateHostname implements envconfig.Store.
func (s *Store) CreateHostname(ctx context.Context, h *envconfig.Hostname, max int) error {
	err := s.db.Write(ctx, func(tx Tx) error {
		if err := s.underLimit(ctx, tx, h.EnvironmentID, "custom_hostnames", max, envconfig.ErrHostnameLimit); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, insertSQL("custom_hostnames", hostnameColumns), values(hostnameFields(h))...); err != nil {
			return err
		}
		return s.insertEvent(ctx, tx, h.EnvironmentID, events.CustomHostnameCreated, "", hostnameEvent(h), h.CreatedAt)
	})
	return s.nameTaken("create custom hostname", envconfig.ErrHostnameExists, tenant.ErrEnvironmentNotFound, err)
}

// ListHostnames implements envconfig.Store.
func (s *Store) ListHostnames(ctx context.Context, envID string) ([]envconfig.Hostname, error) {
	return list(ctx, s, s.db.Reader(), "list custom hostnames", scanHostname,
		`SELECT `+hostnameColumns+` FROM custom_hostnames WHERE environment_id = $1 ORDER BY hostname`+s.d.Binary, envID)
}

// SetHostnameStatus implements envconfig.Store.
func (s *Store) SetHostnameStatus(ctx context.Context, envID, id, status string, now time.Time) (*envconfig.Hostname, error) {
	var h envconfig.Hostname
	err := s.db.Write(ctx, func(tx Tx) (err error) {
		h, err = scanHostname(tx.QueryRow(ctx, `UPDATE custom_hostnames SET status = $3, updated_at = $4
		WHERE environment_id = $1 AND id = $2 RETURNING `+hostnameColumns, envID, id, status, now))
		if err != nil {
			return err
		}
		return s.insertEvent(ctx, tx, envID, events.CustomHostnameUpdated, "", hostnameEvent(&h), now)
	})
	if err != nil {
		return nil, s.fail("set custom hostname status", envconfig.ErrHostnameNotFound, err)
	}
	return &h, nil
}

// DeleteHostname implements envconfig.Store.
func (s *Store) DeleteHostname(ctx context.Context, envID, id string, now time.Time) error {
	err := s.db.Write(ctx, func(tx Tx) error {
		h, err := scanHostname(tx.QueryRow(ctx, `DELETE FROM custom_hostnames WHERE environment_id = $1 AND id = $2
		RETURNING `+hostnameColumns, envID, id))
		if err != nil {
			return err
		}
		return s.insertEvent(ctx, tx, envID, events.CustomHostnameDeleted, "", hostnameEvent(&h), now)
	})
	return s.fail("delete custom hostname", envconfig.ErrHostnameNotFound, err)
}

// ActiveHostnames implements envconfig.Store.
func (s *Store) ActiveHostnames(ctx context.Context, envID string) ([]string, error) {
	return list(ctx, s, s.db.Reader(), "list active custom hostnames", column[string],
		`SELECT hostname FROM custom_hostnames WHERE environment_id = $1 AND status = $2`, envID, envconfig.HostnameActive)
}

const deeplinkColumns = `id, environment_id, url, created_at`

func deeplinkFields(d *envconfig.Deeplink) []any {
	return []any{&d.ID, &d.EnvironmentID, &d.URL, &d.CreatedAt}
}

var scanDeeplink = scanner(deeplinkFields)

// AddDeeplink implements envconfig.Store.
func (s *Store) AddDeeplink(ctx context.Context, d *envconfig.Deeplink, max int) error {
	err := s.db.Write(ctx, func(tx Tx) error {
		if err := s.underLimit(ctx, tx, d.EnvironmentID, "deeplink_urls", max, envconfig.ErrDeeplinkLimit); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, insertSQL("deeplink_urls", deeplinkColumns), values(deeplinkFields(d))...); err != nil {
			return err
		}
		return s.insertEvent(ctx, tx, d.EnvironmentID, events.DeeplinkURLCreated, "",
			map[string]string{"deeplinkUrlId": d.ID, "url": d.URL}, d.CreatedAt)
	})
	return s.nameTaken("add deeplink url", envconfig.ErrDeeplinkExists, tenant.ErrEnvironmentNotFound, err)
}

// GetDeeplink implements envconfig.Store.
func (s *Store) GetDeeplink(ctx context.Context, id string) (*envconfig.Deeplink, error) {
	return get(ctx, s, "get deeplink url", envconfig.ErrDeeplinkNotFound, scanDeeplink,
		`SELECT `+deeplinkColumns+` FROM deeplink_urls WHERE id = $1`, id)
}

// ListDeeplinks implements envconfig.Store.
func (s *Store) ListDeeplinks(ctx context.Context, envID string) ([]envconfig.Deeplink, error) {
	return list(ctx, s, s.db.Reader(), "list deeplink urls", scanDeeplink,
		`SELECT `+deeplinkColumns+` FROM deeplink_urls WHERE environment_id = $1 ORDER BY created_at, id`, envID)
}

// DeleteDeeplink implements envconfig.Store.
func (s *Store) DeleteDeeplink(ctx context.Context, id string, now time.Time) error {
	err := s.db.Write(ctx, func(tx Tx) error {
		d, err := scanDeeplink(tx.QueryRow(ctx, `DELETE FROM deeplink_urls WHERE id = $1 RETURNING `+deeplinkColumns, id))
		if err != nil {
			return err
		}
		return s.insertEvent(ctx, tx, d.EnvironmentID, events.DeeplinkURLDeleted, "",
			map[string]string{"deeplinkUrlId": d.ID, "url": d.URL}, now)
	})
	return s.fail("delete deeplink url", envconfig.ErrDeeplinkNotFound, err)
}
