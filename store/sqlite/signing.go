package sqlite

import (
	"context"
	"database/sql"

	"github.com/dynamicauth/dynamicauth/signing"
)

// ActiveSigningKey implements signing.Store.
func (s *Store) ActiveSigningKey(ctx context.Context, envID string) (*signing.Key, error) {
	var k signing.Key
	var c string
	var retired sql.NullString
	err := s.r.QueryRowContext(ctx, `SELECT id, environment_id, algorithm, public_pem, private_sealed, created_at, retired_at
		FROM signing_keys WHERE environment_id = ? AND retired_at IS NULL`, envID).
		Scan(&k.ID, &k.EnvironmentID, &k.Algorithm, &k.PublicPEM, &k.PrivateSealed, &c, &retired)
	if err != nil {
		return nil, mapErr("active signing key", "signing_key_not_found", err)
	}
	k.CreatedAt, k.RetiredAt = parseTime(c), parseTimePtr(retired)
	return &k, nil
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
