package sqlstore

import (
	"context"

	"github.com/dynamicauth/dynamicauth/sdksettings"
	"github.com/dynamicauth/dynamicauth/tenant"
)

var _ sdksettings.Store = (*Store)(nil)

// PutSDKSettings implements sdksettings.Store: one row per environment.
func (s *Store) PutSDKSettings(ctx context.Context, r *sdksettings.Report) error {
	_, err := s.db.Exec(ctx, `INSERT INTO sdk_settings (environment_id, settings, origin, user_agent, reported_at)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (environment_id) DO UPDATE SET settings = excluded.settings, origin = excluded.origin,
			user_agent = excluded.user_agent, reported_at = excluded.reported_at`,
		r.EnvironmentID, string(r.Settings), r.Origin, r.UserAgent, r.ReportedAt)
	return s.fail("put sdk settings", tenant.ErrEnvironmentNotFound, err)
}

// GetSDKSettings implements sdksettings.Store.
func (s *Store) GetSDKSettings(ctx context.Context, envID string) (*sdksettings.Report, error) {
	var r sdksettings.Report
	var settings string
	err := s.db.Reader().QueryRow(ctx, `SELECT environment_id, CAST(settings AS text), origin, user_agent, reported_at
		FROM sdk_settings WHERE environment_id = $1`, envID).
		Scan(&r.EnvironmentID, &settings, &r.Origin, &r.UserAgent, TimeDest(&r.ReportedAt))
	if err != nil {
		return nil, s.fail("get sdk settings", sdksettings.ErrNotReported, err)
	}
	r.Settings = []byte(settings)
	return &r, nil
}
