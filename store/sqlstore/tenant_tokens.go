package sqlstore

import (
	"context"

	"github.com/dynamicauth/dynamicauth/tenant"
)

func (s *Store) insertToken(ctx context.Context, tx Tx, t *tenant.Token) error {
	_, err := tx.Exec(ctx, `INSERT INTO api_tokens (id, environment_id, hash, checksum, note, scopes, org_wide,
		created_by_member_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		t.ID, t.EnvironmentID, t.Hash, t.Checksum, t.Note, tenant.JoinScopes(t.Scopes), t.OrgWide,
		t.CreatedBy.ID, t.CreatedAt)
	return s.fail("create token", tenant.ErrEnvironmentNotFound, err)
}

// tokensOfOrganization counts an organization's API tokens, over its
// environments.
const tokensOfOrganization = `SELECT count(*) FROM api_tokens t JOIN environments e ON e.id = t.environment_id
	JOIN projects p ON p.id = e.project_id WHERE p.organization_id = $1`

// CreateToken implements tenant.Store. The cap is the organization's that
// owns t's environment (read here, not taken from t).
func (s *Store) CreateToken(ctx context.Context, t *tenant.Token, max int) error {
	return s.write(ctx, func(tx Tx) error {
		var orgID string
		err := tx.QueryRow(ctx, `SELECT p.organization_id FROM environments e JOIN projects p ON p.id = e.project_id
			WHERE e.id = $1`, t.EnvironmentID).Scan(&orgID)
		if err != nil {
			return s.fail("token's organization", tenant.ErrEnvironmentNotFound, err)
		}
		if err := s.underCap(ctx, tx, capped{owner: "organizations", ownerID: orgID, missing: tenant.ErrOrganizationNotFound,
			count: tokensOfOrganization, max: max, full: tenant.ErrTooManyTokens}); err != nil {
			return err
		}
		return s.insertToken(ctx, tx, t)
	})
}

const tokenColumns = `t.id, t.environment_id, e.project_id, p.organization_id, t.hash, t.checksum, t.note, t.scopes,
	t.org_wide, t.created_at, m.id, m.organization_id, m.role, m.created_at,
	u.id, u.alias, u.email, u.first_name, u.last_name, u.wallet_public_key
	FROM api_tokens t
	JOIN environments e ON e.id = t.environment_id
	JOIN projects p ON p.id = e.project_id
	JOIN members m ON m.id = t.created_by_member_id
	JOIN dashboard_users u ON u.id = m.user_id`

func scanToken(row Row) (t tenant.Token, err error) {
	var scopes string
	err = row.Scan(&t.ID, &t.EnvironmentID, &t.ProjectID, &t.OrganizationID, &t.Hash, &t.Checksum, &t.Note, &scopes,
		&t.OrgWide, &t.CreatedAt, &t.CreatedBy.ID, &t.CreatedBy.OrganizationID, &t.CreatedBy.Role, &t.CreatedBy.CreatedAt,
		&t.CreatedBy.User.ID, &t.CreatedBy.User.Alias, &t.CreatedBy.User.Email, &t.CreatedBy.User.FirstName,
		&t.CreatedBy.User.LastName, &t.CreatedBy.User.WalletPublicKey)
	t.Scopes = tenant.SplitScopes(scopes)
	return t, err
}

// TokenByHash implements tenant.Store.
func (s *Store) TokenByHash(ctx context.Context, hash []byte) (*tenant.Token, map[string]tenant.Role, error) {
	t, err := get(ctx, s, "token by hash", tenant.ErrTokenNotFound, scanToken, `SELECT `+tokenColumns+` WHERE t.hash = $1`, hash)
	if err != nil {
		return nil, nil, err
	}
	roles, err := list(ctx, s, s.db.Reader(), "token memberships", pair[string, tenant.Role],
		`SELECT organization_id, role FROM members WHERE user_id = $1`, t.CreatedBy.User.ID)
	if err != nil {
		return nil, nil, err
	}
	memberships := make(map[string]tenant.Role, len(roles))
	for _, r := range roles {
		memberships[r.a] = r.b
	}
	return t, memberships, nil
}

// RehashToken implements tenant.Store.
func (s *Store) RehashToken(ctx context.Context, id string, old, hash []byte) error {
	_, err := s.db.Exec(ctx, `UPDATE api_tokens SET hash = $1 WHERE id = $2 AND hash = $3`, hash, id, old)
	return s.fail("rehash token", nil, err)
}

// ListTokens implements tenant.Store.
func (s *Store) ListTokens(ctx context.Context, envID string) ([]tenant.Token, error) {
	return list(ctx, s, s.db.Reader(), "list tokens", scanToken, `SELECT `+tokenColumns+` WHERE t.environment_id = $1 ORDER BY t.created_at, t.id`, envID)
}

// DeleteToken implements tenant.Store.
func (s *Store) DeleteToken(ctx context.Context, envID, tokenID string) error {
	return s.change(ctx, s.db, "delete token", tenant.ErrTokenNotFound,
		`DELETE FROM api_tokens WHERE id = $1 AND environment_id = $2`, tokenID, envID)
}

const originColumns = `id, environment_id, origin, created_at`

func originFields(o *tenant.Origin) []any {
	return []any{&o.ID, &o.EnvironmentID, &o.Origin, &o.CreatedAt}
}

var scanOrigin = scanner(originFields)

// ListOrigins implements tenant.Store.
func (s *Store) ListOrigins(ctx context.Context, envID string) ([]tenant.Origin, error) {
	return list(ctx, s, s.db.Reader(), "list origins", scanOrigin, `SELECT `+originColumns+` FROM origins
		WHERE environment_id = $1 ORDER BY created_at, id`, envID)
}

// AddOrigin implements tenant.Store.
func (s *Store) AddOrigin(ctx context.Context, o *tenant.Origin, max int) error {
	err := s.db.Write(ctx, func(tx Tx) error {
		if err := s.underLimit(ctx, tx, o.EnvironmentID, "origins", max, tenant.ErrTooManyOrigins); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, insertSQL("origins", originColumns), values(originFields(o))...)
		return err
	})
	return s.fail("add origin", tenant.ErrEnvironmentNotFound, err)
}

// GetOrigin implements tenant.Store.
func (s *Store) GetOrigin(ctx context.Context, id string) (*tenant.Origin, error) {
	return get(ctx, s, "get origin", tenant.ErrOriginNotFound, scanOrigin, `SELECT `+originColumns+` FROM origins WHERE id = $1`, id)
}

// DeleteOrigin implements tenant.Store.
func (s *Store) DeleteOrigin(ctx context.Context, id string) error {
	return s.change(ctx, s.db, "delete origin", tenant.ErrOriginNotFound, `DELETE FROM origins WHERE id = $1`, id)
}
