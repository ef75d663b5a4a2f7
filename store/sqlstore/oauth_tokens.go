package sqlstore

import (
	"context"
	"time"

	"github.com/dynamicauth/dynamicauth/social"
	"github.com/dynamicauth/dynamicauth/users"
)

var _ social.TokenStore = (*Store)(nil)

// upsertOAuthTokensSQL replaces a credential's tokens; a new login that
// brings no refresh token keeps the one stored (providers such as Google
// send it only at the first consent).
const upsertOAuthTokensSQL = `INSERT INTO oauth_tokens (credential_id, environment_id, access_token, refresh_token,
	expires_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
	ON CONFLICT (credential_id) DO UPDATE SET access_token = excluded.access_token,
	refresh_token = coalesce(excluded.refresh_token, oauth_tokens.refresh_token), expires_at = excluded.expires_at,
	updated_at = excluded.updated_at`

func oauthTokenArgs(envID, credID string, t *social.SealedTokens, now time.Time) []any {
	var refresh any // NULL, not an empty blob, when there is none
	if len(t.Refresh) > 0 {
		refresh = t.Refresh
	}
	return []any{credID, envID, t.Access, refresh, t.ExpiresAt, now}
}

// GetOAuthAccount implements social.TokenStore.
func (s *Store) GetOAuthAccount(ctx context.Context, credentialID string) (*social.AccountTokens, error) {
	var a social.AccountTokens
	var access, refresh []byte
	var expires *time.Time
	var has bool
	err := s.db.Reader().QueryRow(ctx, `SELECT c.id, c.environment_id, c.user_id, c.chain, c.address,
		t.credential_id IS NOT NULL, t.access_token, t.refresh_token, t.expires_at
		FROM verified_credentials c LEFT JOIN oauth_tokens t ON t.credential_id = c.id
		WHERE c.id = $1 AND c.format = $2`, credentialID, users.FormatOAuth).
		Scan(&a.CredentialID, &a.EnvironmentID, &a.UserID, &a.Provider, &a.AccountID, &has, &access, &refresh, &expires)
	if err != nil {
		return nil, s.fail("get oauth account", social.ErrAccountNotFound, err)
	}
	if has {
		a.Sealed = &social.SealedTokens{Access: access, Refresh: refresh, ExpiresAt: expires}
	}
	return &a, nil
}

// SaveOAuthTokens implements social.TokenStore.
func (s *Store) SaveOAuthTokens(ctx context.Context, envID, credentialID string, t *social.SealedTokens, now time.Time) error {
	_, err := s.db.Exec(ctx, upsertOAuthTokensSQL, oauthTokenArgs(envID, credentialID, t, now)...)
	return s.fail("save oauth tokens", social.ErrAccountNotFound, err)
}
