package sqlstore

import (
	"context"

	"github.com/dynamicauth/dynamicauth/social"
	"github.com/dynamicauth/dynamicauth/tenant"
)

var _ social.ProviderStore = (*Store)(nil)

const providerColumns = `id, environment_id, provider, client_id, client_secret_sealed, masked_client_secret, scopes,
	apple_key_id, apple_team_id, domain, sendgrid_ip_pool_name, enabled_at, created_at, updated_at`

func scanProvider(row Row) (*social.Provider, error) {
	var p social.Provider
	if err := row.Scan(&p.ID, &p.EnvironmentID, &p.Type, &p.ClientID, &p.ClientSecretSealed, &p.MaskedClientSecret,
		&p.Scopes, &p.AppleKeyID, &p.AppleTeamID, &p.Domain, &p.SendGridIPPoolName, &p.EnabledAt, &p.CreatedAt, &p.UpdatedAt); err != nil {
		return nil, err
	}
	return &p, nil
}

// CreateProvider implements social.ProviderStore.
func (s *Store) CreateProvider(ctx context.Context, p *social.Provider) error {
	_, err := s.db.Exec(ctx, `INSERT INTO social_providers (`+providerColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		p.ID, p.EnvironmentID, p.Type, p.ClientID, p.ClientSecretSealed, p.MaskedClientSecret, p.Scopes,
		p.AppleKeyID, p.AppleTeamID, p.Domain, p.SendGridIPPoolName, p.EnabledAt, p.CreatedAt, p.UpdatedAt)
	return s.nameTaken("create provider", social.ErrProviderExists, tenant.ErrEnvironmentNotFound, err)
}

// GetProvider implements social.ProviderStore.
func (s *Store) GetProvider(ctx context.Context, id string) (*social.Provider, error) {
	p, err := scanProvider(s.db.Reader().QueryRow(ctx, `SELECT `+providerColumns+` FROM social_providers WHERE id = $1`, id))
	if err != nil {
		return nil, s.fail("get provider", social.ErrProviderNotFound, err)
	}
	return p, nil
}

// ListProviders implements social.ProviderStore.
func (s *Store) ListProviders(ctx context.Context, envID string) ([]social.Provider, error) {
	return list(ctx, s, s.db.Reader(), "list providers", value(scanProvider),
		`SELECT `+providerColumns+` FROM social_providers WHERE environment_id = $1 ORDER BY provider`+s.d.Binary, envID)
}

// UpdateProvider implements social.ProviderStore.
func (s *Store) UpdateProvider(ctx context.Context, p *social.Provider) error {
	n, err := s.db.Exec(ctx, `UPDATE social_providers SET client_id = $2, client_secret_sealed = $3,
		masked_client_secret = $4, scopes = $5, apple_key_id = $6, apple_team_id = $7, enabled_at = $8, updated_at = $9,
		domain = $10, sendgrid_ip_pool_name = $11 WHERE id = $1`, p.ID, p.ClientID, p.ClientSecretSealed,
		p.MaskedClientSecret, p.Scopes, p.AppleKeyID, p.AppleTeamID, p.EnabledAt, p.UpdatedAt, p.Domain, p.SendGridIPPoolName)
	return s.affected("update provider", social.ErrProviderNotFound, n, err)
}

// DeleteProvider implements social.ProviderStore.
func (s *Store) DeleteProvider(ctx context.Context, id string) error {
	n, err := s.db.Exec(ctx, `DELETE FROM social_providers WHERE id = $1`, id)
	return s.affected("delete provider", social.ErrProviderNotFound, n, err)
}
