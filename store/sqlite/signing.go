package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/dynamicauth/dynamicauth/signing"
)

// ActiveSigningKey implements signing.Store.
func (s *Store) ActiveSigningKey(ctx context.Context, envID string) (*signing.Key, error) {
	k, err := scanSigningKey(s.r.QueryRowContext(ctx, `SELECT `+signingColumns+`
		FROM signing_keys WHERE environment_id = ? AND retired_at IS NULL`, envID))
	return k, mapErr("active signing key", "signing_key_not_found", err)
}

// InsertSigningKey implements signing.Store.
func (s *Store) InsertSigningKey(ctx context.Context, k *signing.Key) (bool, error) {
	res, err := s.w.ExecContext(ctx, `INSERT INTO signing_keys (id, environment_id, algorithm, public_pem, private_sealed, created_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
		k.ID, k.EnvironmentID, k.Algorithm, k.PublicPEM, k.PrivateSealed, formatTime(k.CreatedAt))
	if err != nil {
		return false, mapErr("insert signing key", "environment_not_found", err)
	}
	n, err := res.RowsAffected()
	return n == 1, mapErr("insert signing key", "", err)
}

const signingColumns = `id, environment_id, algorithm, public_pem, private_sealed, created_at, retired_at`

func scanSigningKey(row interface{ Scan(...any) error }) (*signing.Key, error) {
	var k signing.Key
	var c string
	var retired sql.NullString
	if err := row.Scan(&k.ID, &k.EnvironmentID, &k.Algorithm, &k.PublicPEM, &k.PrivateSealed, &c, &retired); err != nil {
		return nil, err
	}
	k.CreatedAt, k.RetiredAt = parseTime(c), parseTimePtr(retired)
	return &k, nil
}

// GetSigningKey implements signing.Store.
func (s *Store) GetSigningKey(ctx context.Context, id string) (*signing.Key, error) {
	k, err := scanSigningKey(s.r.QueryRowContext(ctx, `SELECT `+signingColumns+` FROM signing_keys WHERE id = ?`, id))
	return k, mapErr("get signing key", "signing_key_not_found", err)
}

// ListSigningKeys implements signing.Store.
func (s *Store) ListSigningKeys(ctx context.Context, envID string) ([]signing.Key, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT `+signingColumns+` FROM signing_keys WHERE environment_id = ?
		ORDER BY created_at DESC, id`, envID)
	if err != nil {
		return nil, mapErr("list signing keys", "", err)
	}
	defer rows.Close()
	var out []signing.Key
	for rows.Next() {
		k, err := scanSigningKey(rows)
		if err != nil {
			return nil, mapErr("list signing keys", "", err)
		}
		out = append(out, *k)
	}
	return out, mapErr("list signing keys", "", rows.Err())
}

// RotateSigningKey implements signing.Store.
func (s *Store) RotateSigningKey(ctx context.Context, k *signing.Key, at time.Time) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE signing_keys SET retired_at = ? WHERE environment_id = ? AND retired_at IS NULL`,
			formatTime(at), k.EnvironmentID); err != nil {
			return mapErr("rotate signing key", "", err)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO signing_keys (id, environment_id, algorithm, public_pem, private_sealed, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, k.ID, k.EnvironmentID, k.Algorithm, k.PublicPEM, k.PrivateSealed, formatTime(k.CreatedAt))
		return mapErr("rotate signing key", "environment_not_found", err)
	})
}
