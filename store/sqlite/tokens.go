package sqlite

import (
	"context"
	"database/sql"

	"github.com/dynamicauth/dynamicauth/tenant"
)

func insertToken(ctx context.Context, tx *sql.Tx, t *tenant.Token) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO api_tokens (id, environment_id, hash, checksum, note, scopes, org_wide,
		created_by_member_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.EnvironmentID, t.Hash, t.Checksum, t.Note, tenant.JoinScopes(t.Scopes), t.OrgWide,
		t.CreatedBy.ID, formatTime(t.CreatedAt))
	return mapErr("create token", "environment_not_found", err)
}

// CreateToken implements tenant.Store.
func (s *Store) CreateToken(ctx context.Context, t *tenant.Token) error {
	return s.tx(ctx, func(tx *sql.Tx) error { return insertToken(ctx, tx, t) })
}

const tokenColumns = `t.id, t.environment_id, e.project_id, p.organization_id, t.hash, t.checksum, t.note, t.scopes,
	t.org_wide, t.created_at, m.id, m.organization_id, m.role, m.created_at,
	u.id, u.alias, u.email, u.first_name, u.last_name, u.wallet_public_key
	FROM api_tokens t
	JOIN environments e ON e.id = t.environment_id
	JOIN projects p ON p.id = e.project_id
	JOIN members m ON m.id = t.created_by_member_id
	JOIN dashboard_users u ON u.id = m.user_id`

func scanToken(row interface{ Scan(...any) error }) (*tenant.Token, error) {
	var t tenant.Token
	var scopes, created, mRole, mCreated string
	err := row.Scan(&t.ID, &t.EnvironmentID, &t.ProjectID, &t.OrganizationID, &t.Hash, &t.Checksum, &t.Note, &scopes,
		&t.OrgWide, &created, &t.CreatedBy.ID, &t.CreatedBy.OrganizationID, &mRole, &mCreated,
		&t.CreatedBy.User.ID, &t.CreatedBy.User.Alias, &t.CreatedBy.User.Email, &t.CreatedBy.User.FirstName,
		&t.CreatedBy.User.LastName, &t.CreatedBy.User.WalletPublicKey)
	if err != nil {
		return nil, err
	}
	t.Scopes = tenant.SplitScopes(scopes)
	t.CreatedAt = parseTime(created)
	t.CreatedBy.Role, t.CreatedBy.CreatedAt = tenant.Role(mRole), parseTime(mCreated)
	return &t, nil
}

// TokenByHash implements tenant.Store.
func (s *Store) TokenByHash(ctx context.Context, hash []byte) (*tenant.Token, map[string]tenant.Role, error) {
	t, err := scanToken(s.r.QueryRowContext(ctx, `SELECT `+tokenColumns+` WHERE t.hash = ?`, hash))
	if err != nil {
		return nil, nil, mapErr("token by hash", "token_not_found", err)
	}
	rows, err := s.r.QueryContext(ctx, `SELECT organization_id, role FROM members WHERE user_id = ?`, t.CreatedBy.User.ID)
	if err != nil {
		return nil, nil, mapErr("token memberships", "", err)
	}
	defer rows.Close()
	memberships := map[string]tenant.Role{}
	for rows.Next() {
		var org, role string
		if err := rows.Scan(&org, &role); err != nil {
			return nil, nil, mapErr("token memberships", "", err)
		}
		memberships[org] = tenant.Role(role)
	}
	return t, memberships, mapErr("token memberships", "", rows.Err())
}

// ListTokens implements tenant.Store.
func (s *Store) ListTokens(ctx context.Context, envID string) ([]tenant.Token, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+tokenColumns+` WHERE t.environment_id = ? ORDER BY t.created_at, t.id`, envID)
	if err != nil {
		return nil, mapErr("list tokens", "", err)
	}
	defer rows.Close()
	var out []tenant.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, mapErr("list tokens", "", err)
		}
		out = append(out, *t)
	}
	return out, mapErr("list tokens", "", rows.Err())
}

// DeleteToken implements tenant.Store.
func (s *Store) DeleteToken(ctx context.Context, envID, tokenID string) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM api_tokens WHERE id = ? AND environment_id = ?`, tokenID, envID)
	return mustAffect("delete token", "token_not_found", res, err)
}

// ListOrigins implements tenant.Store.
func (s *Store) ListOrigins(ctx context.Context, envID string) ([]tenant.Origin, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, environment_id, origin, created_at FROM origins
		WHERE environment_id = ? ORDER BY created_at, id`, envID)
	if err != nil {
		return nil, mapErr("list origins", "", err)
	}
	defer rows.Close()
	var out []tenant.Origin
	for rows.Next() {
		var o tenant.Origin
		var c string
		if err := rows.Scan(&o.ID, &o.EnvironmentID, &o.Origin, &c); err != nil {
			return nil, mapErr("list origins", "", err)
		}
		o.CreatedAt = parseTime(c)
		out = append(out, o)
	}
	return out, mapErr("list origins", "", rows.Err())
}

// AddOrigin implements tenant.Store.
func (s *Store) AddOrigin(ctx context.Context, o *tenant.Origin) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO origins (id, environment_id, origin, created_at) VALUES (?, ?, ?, ?)`,
		o.ID, o.EnvironmentID, o.Origin, formatTime(o.CreatedAt))
	return mapErr("add origin", "environment_not_found", err)
}

// GetOrigin implements tenant.Store.
func (s *Store) GetOrigin(ctx context.Context, id string) (*tenant.Origin, error) {
	var o tenant.Origin
	var c string
	err := s.r.QueryRowContext(ctx, `SELECT id, environment_id, origin, created_at FROM origins WHERE id = ?`, id).
		Scan(&o.ID, &o.EnvironmentID, &o.Origin, &c)
	if err != nil {
		return nil, mapErr("get origin", "origin_not_found", err)
	}
	o.CreatedAt = parseTime(c)
	return &o, nil
}

// DeleteOrigin implements tenant.Store.
func (s *Store) DeleteOrigin(ctx context.Context, id string) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM origins WHERE id = ?`, id)
	return mustAffect("delete origin", "origin_not_found", res, err)
}
