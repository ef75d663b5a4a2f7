package sqlstore

import (
	"context"

	"github.com/dynamicauth/dynamicauth/social"
	"github.com/dynamicauth/dynamicauth/tenant"
)

var _ social.ProviderStore = (*Store)(nil)

const providerColumns = `id, environment_id, provider, client_id, client_secret_sealed, masked_client_secret, scopes,
	apple_key_id, apple_team_id, domain, sendgrid_ip_pool_name, enabled_at, created_at, updated_at`

func providerFields(p *social.Provider) []any {
	return []any{&p.ID, &p.EnvironmentID, &p.Type, &p.ClientID, &p.ClientSecretSealed, &p.MaskedClientSecret,
		&p.Scopes, &p.AppleKeyID, &p.AppleTeamID, &p.Domain, &p.SendGridIPPoolName, &p.EnabledAt, &p.CreatedAt, &p.UpdatedAt}
}

var scanProvider = scanner(providerFields)

// CreateProvider implements social.ProviderStore.
func (s *Store) CreateProvider(ctx context.Context, p *social.Provider) error {
	_, err := s.db.Exec(ctx, insertSQL("social_providers", providerColumns), values(providerFields(p))...)
	return s.nameTaken("create provider", social.ErrProviderExists, tenant.ErrEnvironmentNotFound, err)
}

// GetProvider implements social.ProviderStore.
func (s *Store) GetProvider(ctx context.Context, id string) (*social.Provider, error) {
	return get(ctx, s, "get provider", social.ErrProviderNotFound, scanProvider,
		`SELECT `+providerColumns+` FROM social_providers WHERE id = $1`, id)
}

// ListProviders implements social.ProviderStore.
func (s *Store) ListProviders(ctx context.Context, envID string) ([]social.Provider, error) {
	return list(ctx, s, s.db.Reader(), "list providers", scanProvider,
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
